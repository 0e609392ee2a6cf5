/**
 * Gossip fixtures written from docs/protocol.md §5.2: a 5.x cluster (Slave, Master, Slave, Manager; plain
 * TCP on 1113, HTTP on 2113) and a secure 20.x cluster (Follower, Leader, Follower,
 * ReadOnlyReplica, a dead Leader and a Manager; `externalTcpPort` 0, `externalSecureTcpPort` 1113).
 *
 * @module
 */

import gossip5x from "./fixtures/gossip_5x.json" with { type: "json" };
import gossip20x from "./fixtures/gossip_20x.json" with { type: "json" };

/** A gossip document as JSON. */
export type GossipJson = { members: Record<string, unknown>[]; [key: string]: unknown };

/** A fresh copy of a fixture, so tests may mutate it. */
export function fixture(name: "gossip_5x" | "gossip_20x"): GossipJson {
  return structuredClone(name === "gossip_5x" ? gossip5x : gossip20x) as GossipJson;
}
