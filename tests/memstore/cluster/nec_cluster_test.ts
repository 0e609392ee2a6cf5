/**
 * The independent referee against the simulated cluster: node-eventstore-client 23.10.1 under
 * Node.js discovers the leader from the memstore cluster's gossip, follows NotHandled NotLeader
 * from a follower, and fails over after `killLeader()`. Expected behaviour: docs/protocol.md §4.15 and
 * §5.3 ([NEC] picks the alive member with the highest 20.x state).
 */
import assert from "node:assert/strict";
import { startMemoryCluster } from "../../../lib/memstore/mod.ts";
import { runScenario } from "../../interop/harness.ts";

/** The scenario file, relative to the harness's `scenarios/` directory. */
const SCENARIOS = "../../memstore/cluster/nec_cluster.mjs";

Deno.test("node-eventstore-client: discovers the leader by gossip and fails over after killLeader()", async () => {
  await using cluster = await startMemoryCluster();
  const [first, second] = cluster.nodes;
  const seeds = cluster.nodes.map((n) => `${n.hostname}:${n.httpPort}`).join(",");
  const result = await runScenario(
    SCENARIOS,
    "gossip_failover",
    { host: first.hostname, port: first.tcpPort, env: { ES_GOSSIP_SEEDS: seeds } },
    { "kill-leader": () => cluster.killLeader() },
  );
  assert.equal(result.endpoints[0], first.tcpPort, "first connection to the leader");
  assert.equal(result.endpoints.at(-1), second.tcpPort, "last connection to the new leader");
  assert.equal(result.first.nextExpectedVersion, 0);
  assert.equal(result.second.nextExpectedVersion, 1);
  assert.deepEqual(result.numbers, [0, 1]);
});

Deno.test("node-eventstore-client: an append sent to a follower is redirected to the leader", async () => {
  await using cluster = await startMemoryCluster();
  const [leader, follower] = cluster.nodes;
  const result = await runScenario(SCENARIOS, "not_leader_redirect", {
    host: follower.hostname,
    port: follower.tcpPort,
  });
  assert.deepEqual(result.endpoints, [follower.tcpPort, leader.tcpPort]);
  assert.equal(result.result.nextExpectedVersion, 0);
  assert.deepEqual(result.numbers, [0]);
});
