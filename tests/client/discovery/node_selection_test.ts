import assert from "node:assert/strict";
import { type MemberInfo, parseGossip } from "../../../lib/client/discovery/gossip.ts";
import {
  isEligible,
  NODE_PREFERENCES,
  type NodePreference,
  requiresLeader,
  selectNode,
  shuffle,
} from "../../../lib/client/discovery/node_selection.ts";
import { fixture } from "./fixtures.ts";

const unit = { permissions: "none" } as const;

const members5 = (): readonly MemberInfo[] => parseGossip(fixture("gossip_5x")).members;
const members20 = (): readonly MemberInfo[] => parseGossip(fixture("gossip_20x")).members;
const only = (members: readonly MemberInfo[], ...states: string[]): MemberInfo[] =>
  members.filter((m) => states.includes(m.state));
const constant = (r: number) => () => r;

Deno.test("selectNode() prefers the Master of a 5.x cluster by default", unit, () => {
  assert.equal(selectNode(members5())?.externalTcpIp, "10.0.5.2");
  assert.equal(selectNode(members5(), "leader")?.externalTcpIp, "10.0.5.2");
});

Deno.test(
  "selectNode() prefers the alive Leader of a 20.x cluster, never the dead one",
  unit,
  () => {
    for (const r of [0, 0.5, 0.99]) {
      assert.equal(
        selectNode(members20(), "leader", constant(r))?.instanceId.slice(0, 8),
        "00000002",
      );
    }
  },
);

Deno.test("selectNode('follower') picks among the followers using the random source", unit, () => {
  assert.equal(selectNode(members5(), "follower", constant(0))?.externalTcpIp, "10.0.5.1");
  assert.equal(selectNode(members5(), "follower", constant(0.99))?.externalTcpIp, "10.0.5.3");
  assert.equal(selectNode(members20(), "follower", constant(0))?.externalTcpIp, "10.0.20.1");
  assert.equal(selectNode(members20(), "follower", constant(0.99))?.externalTcpIp, "10.0.20.3");
});

Deno.test("selectNode('follower') falls back to the leader when there is no follower", unit, () => {
  const members = only(members20(), "Leader", "ReadOnlyReplica", "Manager");
  assert.equal(selectNode(members, "follower")?.externalTcpIp, "10.0.20.2");
});

Deno.test(
  "selectNode('readOnlyReplica') picks the read-only replica, else the leader",
  unit,
  () => {
    assert.equal(selectNode(members20(), "readOnlyReplica")?.externalTcpIp, "10.0.20.4");
    assert.equal(selectNode(members5(), "readOnlyReplica")?.externalTcpIp, "10.0.5.2");
    const leaderless = members20().map((m) =>
      m.state === "ReadOnlyReplica" ? { ...m, state: "ReadOnlyLeaderless" } : m
    );
    assert.equal(selectNode(leaderless, "readOnlyReplica")?.externalTcpIp, "10.0.20.4");
  },
);

Deno.test("selectNode('random') can return each eligible member and only those", unit, () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    seen.add(selectNode(members20(), "random", constant(i / 20))!.externalTcpIp);
  }
  assert.deepEqual([...seen].sort(), ["10.0.20.1", "10.0.20.2", "10.0.20.3", "10.0.20.4"]);
});

Deno.test("selectNode() ranks Follower over ReadOnlyReplica when there is no leader", unit, () => {
  const members = only(members20(), "Follower", "ReadOnlyReplica").reverse();
  assert.equal(selectNode(members)?.state, "Follower");
  const mixedEras = only(members5(), "Slave").concat(only(members20(), "Follower"));
  assert.equal(selectNode(mixedEras)?.state, "Follower");
});

Deno.test("selectNode() returns undefined when no member is eligible", unit, () => {
  assert.equal(selectNode([]), undefined);
  for (const preference of NODE_PREFERENCES) {
    assert.equal(selectNode(only(members20(), "Manager"), preference), undefined);
    const dead = members20().map((m) => ({ ...m, isAlive: false }));
    assert.equal(selectNode(dead, preference), undefined);
  }
});

Deno.test("isEligible() excludes non-serving states of both eras and unknown names", unit, () => {
  const base = members20()[0];
  const eligible = [
    "Leader",
    "Master",
    "Follower",
    "Slave",
    "ReadOnlyReplica",
    "ReadOnlyLeaderless",
  ];
  const ineligible = [
    "Initializing",
    "DiscoverLeader",
    "Unknown",
    "PreReplica",
    "CatchingUp",
    "Clone",
    "PreLeader",
    "PreMaster",
    "Manager",
    "ShuttingDown",
    "Shutdown",
    "PreReadOnlyReplica",
    "ResigningLeader",
    "SomeFutureState",
    "constructor",
  ];
  for (const state of eligible) assert.equal(isEligible({ ...base, state }), true, state);
  for (const state of ineligible) assert.equal(isEligible({ ...base, state }), false, state);
  assert.equal(isEligible({ ...base, state: "Leader", isAlive: false }), false);
});

Deno.test("selectNode() rejects an unknown preference with RangeError", unit, () => {
  assert.throws(
    () => selectNode(members5(), "master" as NodePreference),
    /Invalid node preference "master"/,
  );
});

Deno.test("shuffle() permutes in place as Fisher-Yates with the given source", unit, () => {
  assert.deepEqual(shuffle([1, 2, 3], constant(0)), [2, 3, 1]);
  assert.deepEqual(shuffle([1, 2, 3], constant(0.99)), [1, 2, 3]);
  const items = [1, 2, 3, 4, 5, 6];
  const shuffled = shuffle(items, Math.random);
  assert.equal(shuffled, items);
  assert.deepEqual([...shuffled].sort(), [1, 2, 3, 4, 5, 6]);
});

Deno.test(
  "requiresLeader() is false only for follower and read-only replica preferences",
  unit,
  () => {
    assert.deepEqual(
      NODE_PREFERENCES.map((p) => [p, requiresLeader(p)]),
      [["leader", true], ["follower", false], ["readOnlyReplica", false], ["random", true]],
    );
  },
);
