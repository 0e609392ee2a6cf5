/**
 * The photonpump client against the simulated cluster: NotLeader redirects and failover after the
 * leader dies, end to end over loopback TCP and real gossip.
 */
import assert from "node:assert/strict";
import { connect } from "../../../lib/client/client.ts";
import { ClusterDiscoverer } from "../../../lib/client/discovery/discover_node.ts";
import { discoveryEndpoints } from "../../../lib/client/endpoint_source.ts";
import { startMemoryCluster } from "../../../lib/memstore/mod.ts";
import { clientOver, openExecutor } from "../../client/resilience/support.ts";

Deno.test("a client connected to a follower is redirected to the leader by NotLeader", async () => {
  await using cluster = await startMemoryCluster({ heartbeat: false });
  const [leader, follower] = cluster.nodes;
  const executor = await openExecutor({
    endpoint: { hostname: follower.hostname, port: follower.tcpPort },
  });
  await using client = clientOver(executor);
  assert.equal(executor.endpoint?.port, follower.tcpPort);
  await client.publishEvent("orders-1", "Placed", { body: { n: 1 } });
  assert.equal(executor.endpoint?.port, leader.tcpPort, "the write moved the client to the leader");
  const [event] = await client.get("orders-1");
  assert.deepEqual(event.json(), { n: 1 });
});

Deno.test("a client that found the leader by gossip fails over to the new leader after killLeader()", async () => {
  await using cluster = await startMemoryCluster({ heartbeat: false });
  const discoverer = new ClusterDiscoverer({
    seeds: cluster.gossipSeeds,
    maxDiscoverAttempts: 3,
    discoverDelayMs: 50,
  });
  const executor = await openExecutor({
    endpoint: discoveryEndpoints(discoverer),
    reconnection: { delay: 50, maxAttempts: 10 },
  });
  await using client = clientOver(executor);
  assert.equal(executor.endpoint?.port, cluster.nodes[0].tcpPort);
  await client.publishEvent("orders-1", "Placed", { body: { n: 1 } });

  await cluster.killLeader();
  await client.publishEvent("orders-1", "Placed", { body: { n: 2 } });

  assert.equal(executor.endpoint?.port, cluster.nodes[1].tcpPort);
  const events = await client.get("orders-1");
  assert.deepEqual(events.map((e) => e.json()), [{ n: 1 }, { n: 2 }]);
});

Deno.test("connect() with the cluster's gossip seeds lands on the leader, in both gossip eras", async () => {
  for (const gossipShape of ["20", "5"] as const) {
    await using cluster = await startMemoryCluster({ heartbeat: false, gossipShape });
    await cluster.killLeader();
    await using client = await connect({ discovery: { seeds: [...cluster.gossipSeeds] } });
    assert.deepEqual(cluster.nodes.map((n) => n.connectionCount), [0, 1, 0]);
    // Node 0 is dead and node 2 is a follower: a require-leader write only succeeds on node 1.
    await client.publishEvent("orders-1", "Placed", { body: { era: gossipShape } });
    const [event] = await client.get("orders-1", { requireLeader: true });
    assert.deepEqual(event.json(), { era: gossipShape });
  }
});

Deno.test("connect() with preference follower lands on a follower; a require-leader write moves it to the leader", async () => {
  await using cluster = await startMemoryCluster({ heartbeat: false });
  const [leader, ...followers] = cluster.nodes;
  await using client = await connect({
    discovery: { seeds: [...cluster.gossipSeeds], preference: "follower" },
    requireLeader: false,
  });
  const connected = () => cluster.nodes.map((n) => n.connectionCount);
  assert.equal(leader.connectionCount, 0, `connections per node: ${connected()}`);
  assert.equal(followers.filter((f) => f.connectionCount === 1).length, 1);

  // A require-leader write is answered NotLeader by the follower and redirected.
  await client.publishEvent("orders-1", "Placed", { body: { n: 1 }, requireLeader: true });
  assert.equal(leader.connectionCount, 1, `connections per node: ${connected()}`);
  const [event] = await client.get("orders-1");
  assert.deepEqual(event.json(), { n: 1 });
});

Deno.test("a leader killed during concurrent writes: every acknowledged write is present once after failover", async () => {
  await using cluster = await startMemoryCluster({ heartbeat: false });
  await using client = await connect({
    discovery: { seeds: [...cluster.gossipSeeds] },
    reconnection: { delay: 20, maxAttempts: 20 },
  });
  const writers = 8;
  const perWriter = 150;
  const acknowledged: string[] = [];
  const failures: unknown[] = [];
  let killed: Promise<void> | undefined;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const id = crypto.randomUUID();
        try {
          await client.publishEvent(`orders-${w}`, "Placed", { id, body: { w, i } });
          acknowledged.push(id);
        } catch (error) {
          failures.push(error);
        }
        if (acknowledged.length === (writers * perWriter) / 3) killed ??= cluster.killLeader();
      }
    }),
  );
  assert.ok(killed, "the leader was killed while writes were in flight");
  await killed;
  assert.deepEqual(failures, [], "writes retried across the failover");
  assert.equal(acknowledged.length, writers * perWriter);

  const stored: string[] = [];
  for (let w = 0; w < writers; w++) {
    for await (const event of client.iter(`orders-${w}`)) stored.push(event.id);
  }
  assert.equal(stored.length, acknowledged.length, "no write lost or duplicated");
  assert.deepEqual(new Set(stored), new Set(acknowledged));
  assert.equal(cluster.nodes[1].connectionCount, 1, "the client is on the new leader");
});
