/**
 * A cluster connection with leader preference and failover, on photonpump's simulated
 * three-node cluster: `connect()` asks the gossip seeds for the cluster's members and connects to
 * the leader; when the leader dies, the client rediscovers, reconnects to the newly elected
 * leader and re-sends the write that was in flight. Against a real cluster, pass its gossip
 * seeds (`host:2113`) or `discover://<dns-name>`.
 *
 * ```sh
 * deno run -A examples/cluster_failover.ts
 * ```
 *
 * @module
 */

import { connect } from "@photonpump/client";
import { type MemoryCluster, startMemoryCluster } from "@photonpump/client/memstore";

/** Which node of the simulated cluster the client is connected to, and its role. */
function where(cluster: MemoryCluster): string {
  const index = cluster.nodes.findIndex((node) => node.connectionCount > 0);
  return `node ${index} (${cluster.nodes[index] === cluster.leader ? "leader" : "not the leader"})`;
}

await using cluster = await startMemoryCluster({ nodes: 3 });
await using conn = await connect({
  discovery: { seeds: [...cluster.gossipSeeds], preference: "leader" },
  reconnection: { delay: 50, maxAttempts: 10 },
});
console.log(`Connected through gossip to ${where(cluster)}`);

await conn.publishEvent("shipments", "shipment_sent", { body: { parcel: 1 } });
console.log("Wrote parcel 1");

await cluster.killLeader();
console.log("The leader died; the cluster elected a new one");

await conn.publishEvent("shipments", "shipment_sent", { body: { parcel: 2 } });
console.log(`Wrote parcel 2 after failing over to ${where(cluster)}`);

const parcels = (await conn.get("shipments")).map((e) => e.json<{ parcel: number }>().parcel);
console.log(`shipments holds parcels ${parcels.join(" and ")}`);
