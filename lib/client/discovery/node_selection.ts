/**
 * Choosing the cluster member to connect to, after the .NET v20 client (docs/protocol.md §5.3): keep
 * alive members in a serving state, rank them, then apply the node preference.
 *
 * State names of both eras are understood: `Master`/`Slave` (≤5.x) rank like `Leader`/`Follower`
 * (20.x+). Only members that can serve clients are eligible: leaders, followers and read-only
 * replicas. Everything else (Manager, Clone, CatchingUp, Pre* states, ShuttingDown, Shutdown,
 * Unknown, Initializing, DiscoverLeader, ResigningLeader, and any state name this code does not
 * know) is skipped.
 *
 * @module
 */

import type { MemberInfo } from "./gossip.ts";

/**
 * Which member to prefer: `"leader"` (default; the leader, else the best-ranked member),
 * `"follower"` (a random follower, else the best-ranked member), `"readOnlyReplica"` (a random
 * read-only replica, else the best-ranked member) or `"random"` (any eligible member).
 */
export type NodePreference = "leader" | "follower" | "readOnlyReplica" | "random";

/** Every valid {@linkcode NodePreference}, for validating configuration. */
export const NODE_PREFERENCES: readonly NodePreference[] = [
  "leader",
  "follower",
  "readOnlyReplica",
  "random",
];

/**
 * The ranking of eligible states (higher is better), as in the .NET v20 client's ordering; states
 * absent from this table are not eligible.
 */
const RANK: Readonly<Record<string, number>> = {
  Leader: 14,
  Master: 13,
  Follower: 10,
  Slave: 9,
  ReadOnlyReplica: 8,
  ReadOnlyLeaderless: 2,
};

const FOLLOWER_STATES = new Set(["Follower", "Slave"]);
const READ_ONLY_STATES = new Set(["ReadOnlyReplica", "ReadOnlyLeaderless"]);

/**
 * Whether a member can be chosen: alive and in a state that serves clients.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isEligible } from "./node_selection.ts";
 * import type { MemberInfo } from "./gossip.ts";
 * const m = { state: "Manager", isAlive: true } as MemberInfo;
 * assert.deepEqual(isEligible(m), false);
 * ```
 */
export function isEligible(member: MemberInfo): boolean {
  return member.isAlive && Object.hasOwn(RANK, member.state);
}

/**
 * Shuffles an array in place (Fisher-Yates) with the given random source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shuffle } from "./node_selection.ts";
 * assert.deepEqual(shuffle([1, 2, 3], () => 0), [2, 3, 1]);
 * ```
 */
export function shuffle<T>(items: T[], random: () => number = Math.random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Picks the member to connect to, or `undefined` when no member is eligible.
 *
 * @param members the members of a gossip document
 * @param preference which kind of member to prefer (default `"leader"`)
 * @param random random source for the shuffles (default `Math.random`)
 * @throws {RangeError} for an unknown preference
 *
 * @example
 * ```ts
 * import { selectNode } from "./node_selection.ts";
 * import type { MemberInfo } from "./gossip.ts";
 * const member = (state: string, externalTcpIp: string): MemberInfo => ({
 *   instanceId: "", state, isAlive: true, externalTcpIp, externalTcpPort: 1113,
 *   externalSecureTcpPort: 0, httpIp: externalTcpIp, httpPort: 2113, isReadOnlyReplica: false,
 * });
 * const members = [member("Slave", "10.0.0.2"), member("Master", "10.0.0.1")];
 * console.log(selectNode(members)?.externalTcpIp); // 10.0.0.1
 * console.log(selectNode(members, "follower")?.externalTcpIp); // 10.0.0.2
 * ```
 */
export function selectNode(
  members: readonly MemberInfo[],
  preference: NodePreference = "leader",
  random: () => number = Math.random,
): MemberInfo | undefined {
  if (!NODE_PREFERENCES.includes(preference)) {
    throw new RangeError(
      `Invalid node preference "${preference}": expected one of ${NODE_PREFERENCES.join(", ")}`,
    );
  }
  const eligible = members.filter(isEligible);
  if (eligible.length === 0) return undefined;
  switch (preference) {
    case "random":
      return eligible[Math.floor(random() * eligible.length)];
    case "follower":
      return pick(eligible, FOLLOWER_STATES, random) ?? best(eligible);
    case "readOnlyReplica":
      return pick(eligible, READ_ONLY_STATES, random) ?? best(eligible);
    case "leader":
      return best(eligible);
  }
}

/** The highest-ranked member; the first one in document order among equals. */
function best(eligible: readonly MemberInfo[]): MemberInfo {
  return eligible.reduce((a, b) => (RANK[b.state] > RANK[a.state] ? b : a));
}

function pick(
  eligible: readonly MemberInfo[],
  states: ReadonlySet<string>,
  random: () => number,
): MemberInfo | undefined {
  const matching = eligible.filter((m) => states.has(m.state));
  return matching.length === 0 ? undefined : matching[Math.floor(random() * matching.length)];
}

/**
 * The `require_leader` flag requests should carry for a node preference: the .NET v20 client
 * clears it when the preference is a follower or a read-only replica, so reads are served there
 * instead of being refused with NotHandled(NotLeader) (docs/protocol.md §5.3).
 *
 * @example
 * ```ts
 * import { requiresLeader } from "./node_selection.ts";
 * console.log(requiresLeader("leader"), requiresLeader("follower")); // true false
 * ```
 */
export function requiresLeader(preference: NodePreference): boolean {
  return preference !== "follower" && preference !== "readOnlyReplica";
}
