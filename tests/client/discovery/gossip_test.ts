import assert from "node:assert/strict";
import { ProtocolError } from "../../../lib/errors.ts";
import { parseGossip } from "../../../lib/client/discovery/gossip.ts";
import { fixture } from "./fixtures.ts";

const unit = { permissions: "none" } as const;

Deno.test("parseGossip() reads a 5.x document with external HTTP endpoints", unit, () => {
  const info = parseGossip(fixture("gossip_5x"));
  assert.deepEqual(info.members.map((m) => m.state), ["Slave", "Master", "Slave", "Manager"]);
  assert.deepEqual(info.members[1], {
    instanceId: "00000002-5555-4aaa-8bbb-000000000002",
    state: "Master",
    isAlive: true,
    externalTcpIp: "10.0.5.2",
    externalTcpPort: 1113,
    externalSecureTcpPort: 0,
    httpIp: "10.0.5.2",
    httpPort: 2113,
    isReadOnlyReplica: false,
  });
  assert.equal(info.members[3].httpPort, 30778);
});

Deno.test("parseGossip() reads a 20.x document with httpEndPoint and read-only flags", unit, () => {
  const info = parseGossip(fixture("gossip_20x"));
  assert.deepEqual(
    info.members.map((m) => [m.state, m.isAlive, m.isReadOnlyReplica]),
    [
      ["Follower", true, false],
      ["Leader", true, false],
      ["Follower", true, false],
      ["ReadOnlyReplica", true, true],
      ["Leader", false, false],
      ["Manager", true, false],
    ],
  );
  const leader = info.members[1];
  assert.equal(leader.externalTcpPort, 0);
  assert.equal(leader.externalSecureTcpPort, 1113);
  assert.equal(leader.httpIp, "10.0.20.2");
  assert.equal(leader.httpPort, 2113);
});

Deno.test("parseGossip() treats absent or null ports as 0 (23.x serialises nulls)", unit, () => {
  const doc = fixture("gossip_20x");
  delete doc.members[0].externalTcpPort;
  doc.members[0].externalSecureTcpPort = null;
  const member = parseGossip(doc).members[0];
  assert.equal(member.externalTcpPort, 0);
  assert.equal(member.externalSecureTcpPort, 0);
});

Deno.test("parseGossip() keeps state names it does not know, unchanged", unit, () => {
  const doc = fixture("gossip_20x");
  doc.members[0].state = "SomeFutureState";
  assert.equal(parseGossip(doc).members[0].state, "SomeFutureState");
});

Deno.test("parseGossip() rejects documents that are not gossip with ProtocolError", unit, () => {
  const bad = (mutate: (doc: ReturnType<typeof fixture>) => unknown, message: RegExp) => {
    const doc = fixture("gossip_5x");
    const mutated = mutate(doc);
    const value = mutated === undefined ? doc : mutated;
    assert.throws(
      () => parseGossip(value),
      (e) => e instanceof ProtocolError && e.kind === "bad-payload" && message.test(e.message),
    );
  };
  bad(() => null, /expected a JSON object/);
  bad(() => [], /expected a JSON object/);
  bad(() => ({ nodes: [] }), /"members" array/);
  bad(() => ({ members: [1] }), /member 0 is not an object/);
  bad((d) => void delete d.members[1].state, /member 1 has no string "state"/);
  bad((d) => void (d.members[2].state = 7), /member 2 has no string "state"/);
  bad((d) => void (d.members[0].isAlive = "true"), /member 0 has no boolean "isAlive"/);
  bad((d) => void delete d.members[0].externalTcpIp, /"externalTcpIp"/);
  bad((d) => void (d.members[0].externalTcpPort = 70000), /invalid "externalTcpPort" 70000/);
  bad((d) => void (d.members[0].externalHttpPort = "2113"), /invalid "externalHttpPort"/);
});
