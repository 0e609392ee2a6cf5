import assert from "node:assert/strict";
import {
  ConnectToPersistentSubscriptionSchema,
  DeletePersistentSubscriptionSchema,
  NotHandled_LeaderInfoSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
  OperationResult,
  ReadEventCompleted_ReadEventResult,
  ReadEventCompletedSchema,
  ReadEventSchema,
  ReadStreamEventsCompleted_ReadStreamResult,
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
  StreamEventAppearedSchema,
  SubscribeToStreamSchema,
  TransactionCommitCompletedSchema,
  TransactionCommitSchema,
  TransactionStartCompletedSchema,
  TransactionStartSchema,
  TransactionWriteCompletedSchema,
  TransactionWriteSchema,
  WriteEventsCompletedSchema,
  WriteEventsSchema,
} from "../../../gen/client_messages_pb.ts";
import { discoverNode } from "../../../lib/client/discovery/discover_node.ts";
import type { MemoryClusterNode } from "../../../lib/memstore/cluster/cluster_node.ts";
import {
  type MemoryCluster,
  startMemoryCluster,
} from "../../../lib/memstore/cluster/memory_cluster.ts";
import type { Duplex } from "../../../lib/wire/duplex.ts";
import type { Package } from "../../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../../lib/wire/proto_codec.ts";
import { commandName, TcpCommand } from "../../../lib/wire/tcp_command.ts";
import { generateTlsCerts } from "../../support/tls_certs.ts";
import { newEvent, WireClient } from "../support/wire_client.ts";

const GOSSIP_20_KEYS = [
  "chaserCheckpoint",
  "epochId",
  "epochNumber",
  "epochPosition",
  "externalSecureTcpPort",
  "externalTcpIp",
  "externalTcpPort",
  "httpEndPointIp",
  "httpEndPointPort",
  "instanceId",
  "internalSecureTcpPort",
  "internalTcpIp",
  "internalTcpPort",
  "isAlive",
  "isReadOnlyReplica",
  "lastCommitPosition",
  "nodePriority",
  "state",
  "timeStamp",
  "writerCheckpoint",
];

// deno-lint-ignore no-explicit-any
type Json = any;

async function tcpClient(node: MemoryClusterNode): Promise<WireClient> {
  const conn = await Deno.connect({ hostname: node.hostname, port: node.tcpPort });
  const duplex: Duplex = {
    readable: conn.readable,
    writable: conn.writable,
    close: () => {
      try {
        conn.close();
      } catch { /* closed by the streams */ }
    },
  };
  return new WireClient(duplex);
}

async function gossipOf(node: MemoryClusterNode, path = "/gossip?format=json"): Promise<Json> {
  const response = await fetch(`${node.gossipSeed}${path}`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  return await response.json();
}

function memberOf(gossip: Json, node: MemoryClusterNode): Json {
  const member = gossip.members.find((m: Json) => m.instanceId === node.instanceId);
  assert.ok(member, `gossip lists node ${node.index}`);
  return member;
}

function writeRequest(stream: string, requireLeader: boolean, expectedVersion = -2n): Uint8Array {
  return encodeMessage(WriteEventsSchema, {
    eventStreamId: stream,
    expectedVersion,
    events: [newEvent({ eventType: "Placed" })],
    requireLeader,
  });
}

function readStream(
  client: WireClient,
  stream: string,
  requireLeader: boolean,
): Promise<Json> {
  return client.call(
    TcpCommand.ReadStreamEventsForward,
    ReadStreamEventsSchema,
    { eventStreamId: stream, fromEventNumber: 0n, maxCount: 10, requireLeader },
    TcpCommand.ReadStreamEventsForwardCompleted,
    ReadStreamEventsCompletedSchema,
  );
}

function expectNotHandled(reply: Package, reason: NotHandled_NotHandledReason): Json {
  assert.equal(commandName(reply.command), "NotHandled");
  const notHandled = decodeMessage(NotHandledSchema, reply.payload);
  assert.equal(notHandled.reason, reason);
  return notHandled;
}

function leaderInfoOf(reply: Package): Json {
  const notHandled = expectNotHandled(reply, NotHandled_NotHandledReason.NotLeader);
  return decodeMessage(NotHandled_LeaderInfoSchema, notHandled.additionalInfo);
}

async function refusesConnections(hostname: string, port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return true;
    throw error;
  }
}

function heartbeatless(): Promise<MemoryCluster> {
  return startMemoryCluster({ heartbeat: false });
}

Deno.test("startMemoryCluster() starts three nodes: node 0 leads, the others follow", async () => {
  await using cluster = await heartbeatless();
  assert.equal(cluster.nodes.length, 3);
  assert.equal(cluster.leader, cluster.nodes[0]);
  assert.deepEqual(cluster.followers, [cluster.nodes[1], cluster.nodes[2]]);
  assert.deepEqual(cluster.nodes.map((n) => n.state), ["Leader", "Follower", "Follower"]);
  assert.equal(new Set(cluster.nodes.map((n) => n.tcpPort)).size, 3);
  assert.equal(new Set(cluster.nodes.map((n) => n.instanceId)).size, 3);
  assert.equal(cluster.epoch.number, 0);
  assert.deepEqual(cluster.gossipSeeds, cluster.nodes.map((n) => `http://127.0.0.1:${n.httpPort}`));
  for (const node of cluster.nodes) {
    assert.equal(node.url, `tcp://127.0.0.1:${node.tcpPort}`);
    assert.equal(node.gossipUrl, `http://127.0.0.1:${node.httpPort}/gossip?format=json`);
  }
});

Deno.test("every node serves 20.x gossip listing all members with their endpoints and states", async () => {
  await using cluster = await heartbeatless();
  for (const server of cluster.nodes) {
    for (const path of ["/gossip?format=json", "/gossip"]) {
      const gossip = await gossipOf(server, path);
      assert.equal(gossip.serverIp, "127.0.0.1");
      assert.equal(gossip.serverPort, server.httpPort);
      assert.equal(gossip.members.length, 3);
      for (const node of cluster.nodes) {
        const m = memberOf(gossip, node);
        assert.deepEqual(Object.keys(m).sort(), GOSSIP_20_KEYS);
        assert.equal(m.state, node.index === 0 ? "Leader" : "Follower");
        assert.equal(m.isAlive, true);
        assert.equal(m.externalTcpIp, "127.0.0.1");
        assert.equal(m.externalTcpPort, node.tcpPort);
        assert.equal(m.externalSecureTcpPort, 0);
        assert.equal(m.httpEndPointIp, "127.0.0.1");
        assert.equal(m.httpEndPointPort, node.httpPort);
        assert.equal(m.isReadOnlyReplica, false);
        assert.equal(m.epochNumber, 0);
        assert.equal(m.epochId, cluster.epoch.id);
        assert.ok(!Number.isNaN(Date.parse(m.timeStamp)), `timeStamp ${m.timeStamp} is a date`);
      }
    }
  }
});

Deno.test("the gossip endpoint answers 404 for other paths and 405 for other methods", async () => {
  await using cluster = await heartbeatless();
  const seed = cluster.nodes[1].gossipSeed;
  const other = await fetch(`${seed}/stats`);
  await other.body?.cancel();
  assert.equal(other.status, 404);
  const post = await fetch(`${seed}/gossip`, { method: "POST", body: "{}" });
  await post.body?.cancel();
  assert.equal(post.status, 405);
});

Deno.test("gossip positions follow the leader's log on every node", async () => {
  await using cluster = await heartbeatless();
  const before = memberOf(await gossipOf(cluster.nodes[2]), cluster.nodes[2]);
  await using client = await tcpClient(cluster.nodes[0]);
  const written = await client.write("orders-1", -1n, [{}, {}]);
  assert.equal(written.result, OperationResult.Success);
  for (const server of cluster.nodes) {
    const gossip = await gossipOf(server);
    for (const node of cluster.nodes) {
      const m = memberOf(gossip, node);
      assert.ok(m.writerCheckpoint > before.writerCheckpoint, "writer checkpoint moved");
      assert.equal(m.lastCommitPosition, Number(written.commitPosition));
      assert.equal(m.chaserCheckpoint, m.writerCheckpoint);
    }
  }
});

Deno.test("a follower answers a require_leader write with NotHandled NotLeader naming the leader", async () => {
  await using cluster = await heartbeatless();
  const leader = cluster.nodes[0];
  await using follower = await tcpClient(cluster.nodes[1]);
  const reply = await follower.request(TcpCommand.WriteEvents, writeRequest("orders-1", true));
  const info = leaderInfoOf(reply);
  assert.equal(info.externalTcpAddress, "127.0.0.1");
  assert.equal(info.externalTcpPort, leader.tcpPort);
  assert.equal(info.httpAddress, "127.0.0.1");
  assert.equal(info.httpPort, leader.httpPort);
  // Nothing was written.
  await using onLeader = await tcpClient(leader);
  const read = await readStream(onLeader, "orders-1", true);
  assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.NoStream);
});

Deno.test("a follower answers require_leader reads and persistent-subscription commands with NotLeader", async () => {
  await using cluster = await heartbeatless();
  const leader = cluster.nodes[0];
  await using follower = await tcpClient(cluster.nodes[2]);
  const requests: [number, Uint8Array][] = [
    [
      TcpCommand.ReadEvent,
      encodeMessage(ReadEventSchema, { eventStreamId: "s", eventNumber: 0n, requireLeader: true }),
    ],
    [
      TcpCommand.ReadStreamEventsBackward,
      encodeMessage(ReadStreamEventsSchema, {
        eventStreamId: "s",
        fromEventNumber: -1n,
        maxCount: 1,
        requireLeader: true,
      }),
    ],
    [
      TcpCommand.DeletePersistentSubscription,
      encodeMessage(DeletePersistentSubscriptionSchema, {
        subscriptionGroupName: "g",
        eventStreamId: "s",
      }),
    ],
    [
      TcpCommand.ConnectToPersistentSubscription,
      encodeMessage(ConnectToPersistentSubscriptionSchema, {
        subscriptionId: "g",
        eventStreamId: "s",
        allowedInFlightMessages: 10,
      }),
    ],
  ];
  for (const [command, payload] of requests) {
    const info = leaderInfoOf(await follower.request(command, payload));
    assert.equal(info.externalTcpPort, leader.tcpPort, commandName(command));
  }
});

Deno.test("a follower serves a require_leader=false read of a write acknowledged by the leader", async () => {
  await using cluster = await heartbeatless();
  await using leader = await tcpClient(cluster.nodes[0]);
  const written = await leader.write("orders-1", -1n, [{ eventType: "Placed" }]);
  assert.equal(written.result, OperationResult.Success);
  for (const node of cluster.followers) {
    await using follower = await tcpClient(node);
    const read = await readStream(follower, "orders-1", false);
    assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.Success);
    assert.deepEqual(read.events.map((e: Json) => e.event.eventType), ["Placed"]);
  }
});

Deno.test("a follower forwards a require_leader=false write: acknowledged and readable on the leader", async () => {
  await using cluster = await heartbeatless();
  await using follower = await tcpClient(cluster.nodes[1]);
  const reply = await follower.request(
    TcpCommand.WriteEvents,
    writeRequest("orders-2", false, -1n),
  );
  assert.equal(commandName(reply.command), "WriteEventsCompleted");
  const completed = decodeMessage(WriteEventsCompletedSchema, reply.payload);
  assert.equal(completed.result, OperationResult.Success);
  assert.equal(completed.firstEventNumber, 0n);
  await using leader = await tcpClient(cluster.nodes[0]);
  const read = await readStream(leader, "orders-2", true);
  assert.deepEqual(read.events.map((e: Json) => e.event.eventType), ["Placed"]);
  // The expected-version check ran against the leader's log too.
  const again = await follower.request(
    TcpCommand.WriteEvents,
    writeRequest("orders-2", false, -1n),
  );
  const conflict = decodeMessage(WriteEventsCompletedSchema, again.payload);
  assert.equal(conflict.result, OperationResult.WrongExpectedVersion);
});

Deno.test("killLeader(): a new leader in gossip, the old one not alive, its ports refused", async () => {
  await using cluster = await heartbeatless();
  const old = cluster.nodes[0];
  const epochBefore = cluster.epoch;
  await using client = await tcpClient(old);
  const written = await client.write("orders-1", -1n, [{ eventType: "Placed" }, {}]);
  assert.equal(written.result, OperationResult.Success);

  await cluster.killLeader();

  assert.equal(old.isAlive, false);
  assert.equal(cluster.leader, cluster.nodes[1]);
  assert.deepEqual(cluster.followers, [cluster.nodes[2]]);
  assert.equal(cluster.epoch.number, epochBefore.number + 1);
  assert.notEqual(cluster.epoch.id, epochBefore.id);
  assert.ok(cluster.epoch.position > Number(written.commitPosition), "epoch starts at the log end");
  assert.equal(await client.ended(), true, "the old leader cut its connections");
  assert.equal(await refusesConnections(old.hostname, old.tcpPort), true, "TCP port refused");
  assert.equal(await refusesConnections(old.hostname, old.httpPort), true, "HTTP port refused");

  for (const server of cluster.nodes.slice(1)) {
    const gossip = await gossipOf(server);
    const dead = memberOf(gossip, old);
    assert.equal(dead.isAlive, false);
    const alive = gossip.members.filter((m: Json) => m.isAlive);
    assert.deepEqual(alive.map((m: Json) => m.state).sort(), ["Follower", "Leader"]);
    const leader = memberOf(gossip, cluster.nodes[1]);
    assert.equal(leader.state, "Leader");
    assert.equal(leader.epochNumber, epochBefore.number + 1);
    assert.equal(leader.epochPosition, cluster.epoch.position);
    assert.equal(leader.epochPosition, leader.writerCheckpoint, "no write since the election");
  }

  await using newLeader = await tcpClient(cluster.nodes[1]);
  const read = await readStream(newLeader, "orders-1", true);
  assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.Success);
  assert.deepEqual(read.events.map((e: Json) => e.event.eventType), ["Placed", "TestEvent"]);
  const next = await newLeader.write("orders-1", 1n);
  assert.equal(next.result, OperationResult.Success);
  assert.equal(next.firstEventNumber, 2n);
});

Deno.test("after killLeader() the remaining follower names the new leader in NotLeader", async () => {
  await using cluster = await heartbeatless();
  await using follower = await tcpClient(cluster.nodes[2]);
  const before = leaderInfoOf(
    await follower.request(TcpCommand.WriteEvents, writeRequest("s", true)),
  );
  assert.equal(before.externalTcpPort, cluster.nodes[0].tcpPort);
  await cluster.killLeader();
  const after = leaderInfoOf(
    await follower.request(TcpCommand.WriteEvents, writeRequest("s", true)),
  );
  assert.equal(after.externalTcpPort, cluster.nodes[1].tcpPort);
  assert.equal(after.httpPort, cluster.nodes[1].httpPort);
});

Deno.test("killing a follower keeps the leader; the dead follower is not alive in gossip", async () => {
  await using cluster = await heartbeatless();
  await cluster.killNode(2);
  assert.equal(cluster.leader, cluster.nodes[0]);
  assert.equal(cluster.epoch.number, 0);
  const gossip = await gossipOf(cluster.nodes[0]);
  assert.equal(memberOf(gossip, cluster.nodes[2]).isAlive, false);
  assert.equal(memberOf(gossip, cluster.nodes[0]).state, "Leader");
  await cluster.killNode(2); // a no-op
  assert.equal(cluster.leader, cluster.nodes[0]);
});

Deno.test("without a majority alive there is no leader: writes get NotReady, plain reads are served", async () => {
  await using cluster = await heartbeatless();
  await using leader = await tcpClient(cluster.nodes[0]);
  assert.equal((await leader.write("orders-1", -1n)).result, OperationResult.Success);
  await cluster.killNode(1);
  await cluster.killNode(2);
  assert.equal(cluster.leader, null);
  assert.equal(cluster.nodes[0].state, "Unknown");
  const gossip = await gossipOf(cluster.nodes[0]);
  assert.equal(memberOf(gossip, cluster.nodes[0]).state, "Unknown");
  for (const requireLeader of [true, false]) {
    const reply = await leader.request(TcpCommand.WriteEvents, writeRequest("s", requireLeader));
    const notHandled = expectNotHandled(reply, NotHandled_NotHandledReason.NotReady);
    assert.equal(notHandled.additionalInfo.length, 0);
  }
  const strict = await leader.request(
    TcpCommand.ReadEvent,
    encodeMessage(ReadEventSchema, { eventStreamId: "orders-1", requireLeader: true }),
  );
  expectNotHandled(strict, NotHandled_NotHandledReason.NotReady);
  const relaxed = await leader.call(
    TcpCommand.ReadEvent,
    ReadEventSchema,
    { eventStreamId: "orders-1", eventNumber: 0n, requireLeader: false },
    TcpCommand.ReadEventCompleted,
    ReadEventCompletedSchema,
  );
  assert.equal(relaxed.result, ReadEventCompleted_ReadEventResult.Success);
  await assert.rejects(cluster.killLeader(), TypeError);
});

Deno.test("nodePriorities decide which node leads, first and after a kill", async () => {
  await using cluster = await startMemoryCluster({
    heartbeat: false,
    nodePriorities: [0, 5, 7],
  });
  assert.equal(cluster.leader, cluster.nodes[2]);
  await cluster.killLeader();
  assert.equal(cluster.leader, cluster.nodes[1]);
  const gossip = await gossipOf(cluster.nodes[0]);
  assert.equal(memberOf(gossip, cluster.nodes[1]).nodePriority, 5);
});

Deno.test("gossipShape 5 serves Master/Slave members with 5.x HTTP fields", async () => {
  await using cluster = await startMemoryCluster({ heartbeat: false, gossipShape: "5" });
  await cluster.killLeader();
  const gossip = await gossipOf(cluster.nodes[1]);
  assert.deepEqual(
    cluster.nodes.map((n) => [memberOf(gossip, n).state, memberOf(gossip, n).isAlive]),
    [["Master", false], ["Master", true], ["Slave", true]],
  );
  const member = memberOf(gossip, cluster.nodes[2]);
  assert.equal(member.externalHttpIp, "127.0.0.1");
  assert.equal(member.externalHttpPort, cluster.nodes[2].httpPort);
  assert.equal(member.internalHttpPort, cluster.nodes[2].httpPort);
  assert.equal(member.httpEndPointPort, undefined);
  assert.equal(member.isReadOnlyReplica, undefined);
});

Deno.test("discoverNode() picks the cluster's leader from its gossip, then the new one after a kill", async () => {
  for (const gossipShape of ["20", "5"] as const) {
    await using cluster = await startMemoryCluster({ heartbeat: false, gossipShape });
    const fast = { gossipTimeoutMs: 1000, maxDiscoverAttempts: 1, discoverDelayMs: 0 };
    const first = await discoverNode({ ...fast, seeds: cluster.gossipSeeds });
    assert.equal(first.port, cluster.nodes[0].tcpPort);
    await cluster.killLeader();
    const second = await discoverNode({ ...fast, seeds: cluster.gossipSeeds });
    assert.equal(second.host, "127.0.0.1");
    assert.equal(second.port, cluster.nodes[1].tcpPort, `gossip shape ${gossipShape}`);
    const follower = await discoverNode({
      ...fast,
      seeds: cluster.gossipSeeds,
      preference: "follower",
    });
    assert.equal(follower.port, cluster.nodes[2].tcpPort);
  }
});

Deno.test("a cluster node serves pipes like a store; a dead node refuses them", async () => {
  await using cluster = await heartbeatless();
  const node = cluster.nodes[1];
  await using client = new WireClient(node.connectPipe());
  const reply = await client.request(TcpCommand.WriteEvents, writeRequest("s", true));
  leaderInfoOf(reply);
  assert.equal(node.connectionCount, 1);
  await cluster.killNode(1);
  assert.equal(node.connectionCount, 0);
  assert.throws(() => node.connectPipe(), TypeError);
});

Deno.test("startMemoryCluster() rejects bad options before listening", async () => {
  await assert.rejects(startMemoryCluster({ nodes: 0 }), RangeError);
  await assert.rejects(startMemoryCluster({ nodes: 2.5 }), RangeError);
  await assert.rejects(startMemoryCluster({ hostname: "0.0.0.0" }), TypeError);
  // @ts-expect-error: an unknown gossip shape
  await assert.rejects(startMemoryCluster({ gossipShape: "23" }), TypeError);
  await assert.rejects(startMemoryCluster({ nodePriorities: [1, 2, 3, 4] }), RangeError);
});

Deno.test("killNode() rejects an index that is not a node's; close() twice is a no-op", async () => {
  const cluster = await heartbeatless();
  await assert.rejects(cluster.killNode(3), RangeError);
  await assert.rejects(cluster.killNode(-1), RangeError);
  await cluster.close();
  await cluster.close();
  assert.equal(cluster.leader, null);
  assert.ok(cluster.nodes.every((n) => !n.isAlive));
  assert.equal(await refusesConnections("127.0.0.1", cluster.nodes[0].tcpPort), true);
});

Deno.test("with tls: HTTPS gossip, secure ports advertised, NotLeader in the secure fields", async () => {
  const { caCert, cert, key } = await generateTlsCerts();
  await using cluster = await startMemoryCluster({ heartbeat: false, tls: { cert, key } });
  using client = Deno.createHttpClient({ caCerts: [caCert] });
  const trusting =
    ((input: RequestInfo | URL, init?: RequestInit) =>
      fetch(input, { ...init, client })) as typeof fetch;
  const [leader, node1] = cluster.nodes;
  assert.equal(leader.url, `tls://127.0.0.1:${leader.tcpPort}`);
  assert.equal(node1.gossipSeed, `https://127.0.0.1:${node1.httpPort}`);

  const response = await trusting(node1.gossipUrl);
  const gossip = await response.json();
  for (const node of cluster.nodes) {
    const m = memberOf(gossip, node);
    assert.equal(m.externalTcpPort, 0);
    assert.equal(m.externalSecureTcpPort, node.tcpPort);
  }

  const conn = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: node1.tcpPort,
    caCerts: [caCert],
  });
  await using follower = new WireClient({
    readable: conn.readable,
    writable: conn.writable,
    close: () => {
      try {
        conn.close();
      } catch { /* closed by the streams */ }
    },
  });
  const info = leaderInfoOf(
    await follower.request(TcpCommand.WriteEvents, writeRequest("s", true)),
  );
  assert.equal(info.externalSecureTcpAddress, "127.0.0.1");
  assert.equal(info.externalSecureTcpPort, leader.tcpPort);
  assert.equal(info.externalTcpPort, 0);
  assert.equal(info.httpPort, leader.httpPort);

  const found = await discoverNode({
    seeds: cluster.gossipSeeds,
    tls: true,
    fetch: trusting,
    maxDiscoverAttempts: 1,
  });
  assert.deepEqual([found.port, found.secure], [leader.tcpPort, true]);
});

Deno.test("with tls and the 5.x gossip shape, gossip stays plain HTTP", async () => {
  const { cert, key } = await generateTlsCerts();
  await using cluster = await startMemoryCluster({
    heartbeat: false,
    tls: { cert, key },
    gossipShape: "5",
  });
  const node = cluster.nodes[2];
  assert.equal(node.gossipSeed, `http://127.0.0.1:${node.httpPort}`);
  const gossip = await gossipOf(node);
  assert.equal(memberOf(gossip, cluster.nodes[0]).state, "Master");
  assert.equal(memberOf(gossip, node).externalSecureTcpPort, node.tcpPort);
});

Deno.test("restartNode() brings a killed leader back on its ports as a follower of the new leader", async () => {
  await using cluster = await heartbeatless();
  const old = cluster.nodes[0];
  await using client = await tcpClient(old);
  assert.equal((await client.write("orders-1", -1n)).result, OperationResult.Success);
  await cluster.killLeader();
  await cluster.restartNode(0);
  assert.equal(old.isAlive, true);
  assert.equal(old.state, "Follower");
  assert.equal(cluster.leader, cluster.nodes[1]);
  assert.equal(cluster.epoch.number, 1, "no election: the leader stayed");
  const gossip = await gossipOf(cluster.nodes[2]);
  const member = memberOf(gossip, old);
  assert.deepEqual([member.state, member.isAlive, member.externalTcpPort], [
    "Follower",
    true,
    old.tcpPort,
  ]);
  await using again = await tcpClient(old);
  const read = await readStream(again, "orders-1", false);
  assert.equal(read.events.length, 1, "the restarted node has the write made before the kill");
  const info = leaderInfoOf(await again.request(TcpCommand.WriteEvents, writeRequest("s", true)));
  assert.equal(info.externalTcpPort, cluster.nodes[1].tcpPort);
  await cluster.restartNode(0); // alive: a no-op
  await assert.rejects(cluster.restartNode(7), RangeError);
});

Deno.test("restartNode() restores a majority: elections give the cluster a leader again", async () => {
  await using cluster = await heartbeatless();
  await cluster.killNode(0);
  await cluster.killNode(1);
  assert.equal(cluster.leader, null);
  assert.equal(cluster.nodes[2].state, "Unknown");
  await cluster.restartNode(1);
  assert.equal(cluster.leader, cluster.nodes[1]);
  assert.equal(cluster.nodes[2].state, "Follower");
  assert.equal(cluster.epoch.number, 2);
  await using client = await tcpClient(cluster.nodes[1]);
  assert.equal((await client.write("orders-1", -1n)).result, OperationResult.Success);
});

Deno.test("a node answers NotHandled with the reason a test sets, then serves again", async () => {
  await using cluster = await heartbeatless();
  await using client = await tcpClient(cluster.nodes[0]);
  cluster.nodes[0].setNotHandled("TooBusy");
  const busy = await client.request(TcpCommand.WriteEvents, writeRequest("s", true));
  expectNotHandled(busy, NotHandled_NotHandledReason.TooBusy);
  cluster.nodes[0].setNotHandled(null);
  assert.equal((await client.write("s", -1n)).result, OperationResult.Success);
});

Deno.test("a volatile subscription on a follower sees events written on the leader", async () => {
  await using cluster = await heartbeatless();
  await using follower = await tcpClient(cluster.nodes[1]);
  const subscription = await follower.send(
    TcpCommand.SubscribeToStream,
    encodeMessage(SubscribeToStreamSchema, { eventStreamId: "orders-1", resolveLinkTos: false }),
  );
  const confirmed = await follower.replyTo(subscription);
  assert.equal(commandName(confirmed.command), "SubscriptionConfirmation");
  await using leader = await tcpClient(cluster.nodes[0]);
  assert.equal(
    (await leader.write("orders-1", -1n, [{ eventType: "Placed" }])).result,
    OperationResult.Success,
  );
  const appeared = await follower.replyTo(subscription);
  assert.equal(commandName(appeared.command), "StreamEventAppeared");
  const event = decodeMessage(StreamEventAppearedSchema, appeared.payload);
  assert.equal(event.event?.event?.eventType, "Placed");
});

Deno.test("a follower answers an undecodable write with BadRequest, not NotLeader, and stays open", async () => {
  await using cluster = await heartbeatless();
  await using follower = new WireClient(cluster.nodes[1].connectPipe());
  const reply = await follower.request(TcpCommand.WriteEvents, new Uint8Array([0xff, 0xff, 0xff]));
  assert.equal(commandName(reply.command), "BadRequest");
  assert.match(new TextDecoder().decode(reply.payload), /Could not unwrap network package/);
  const info = leaderInfoOf(
    await follower.request(TcpCommand.WriteEvents, writeRequest("s", true)),
  );
  assert.equal(info.externalTcpPort, cluster.nodes[0].tcpPort);
});

Deno.test("a transaction run through a follower without require_leader commits on the leader's log", async () => {
  await using cluster = await heartbeatless();
  await using follower = new WireClient(cluster.nodes[2].connectPipe());
  const started = await follower.call(
    TcpCommand.TransactionStart,
    TransactionStartSchema,
    { eventStreamId: "orders-1", expectedVersion: -1n, requireLeader: false },
    TcpCommand.TransactionStartCompleted,
    TransactionStartCompletedSchema,
  );
  assert.equal(started.result, OperationResult.Success);
  const written = await follower.call(
    TcpCommand.TransactionWrite,
    TransactionWriteSchema,
    { transactionId: started.transactionId, events: [newEvent()], requireLeader: false },
    TcpCommand.TransactionWriteCompleted,
    TransactionWriteCompletedSchema,
  );
  assert.equal(written.result, OperationResult.Success);
  const strict = await follower.request(
    TcpCommand.TransactionCommit,
    encodeMessage(TransactionCommitSchema, {
      transactionId: started.transactionId,
      requireLeader: true,
    }),
  );
  leaderInfoOf(strict);
  const committed = await follower.call(
    TcpCommand.TransactionCommit,
    TransactionCommitSchema,
    { transactionId: started.transactionId, requireLeader: false },
    TcpCommand.TransactionCommitCompleted,
    TransactionCommitCompletedSchema,
  );
  assert.equal(committed.result, OperationResult.Success);
  await using leader = new WireClient(cluster.nodes[0].connectPipe());
  const read = await readStream(leader, "orders-1", true);
  assert.equal(read.events.length, 1);
});

Deno.test({
  name: "a cluster on ::1 writes IPv6 hosts in brackets and discovery still finds the leader",
  ignore: !(() => {
    try {
      Deno.listen({ hostname: "::1", port: 0 }).close();
      return true;
    } catch {
      return false;
    }
  })(),
  async fn() {
    await using cluster = await startMemoryCluster({ heartbeat: false, hostname: "::1" });
    const leader = cluster.nodes[0];
    assert.equal(leader.url, `tcp://[::1]:${leader.tcpPort}`);
    assert.equal(leader.gossipSeed, `http://[::1]:${leader.httpPort}`);
    const found = await discoverNode({ seeds: cluster.gossipSeeds, maxDiscoverAttempts: 1 });
    assert.deepEqual([found.host, found.port], ["::1", leader.tcpPort]);
  },
});
