/**
 * The gossip document a cluster node serves at `GET /gossip` (docs/protocol.md §5.2), in the 20.x+
 * shape (`Leader`/`Follower`, one `httpEndPoint`, `isReadOnlyReplica`) or the 5.x shape
 * (`Master`/`Slave`, internal and external HTTP pairs). Property names are camelCase and states
 * are strings, as the server's JSON codec writes them.
 *
 * @module
 */

import type { NodeRole } from "./leader_policy.ts";

/** Which server era's gossip to imitate. */
export type GossipShape = "20" | "5";

/** The epoch a member last knew (bumped by every election). */
export interface EpochInfo {
  /** Log position where the epoch started. */
  readonly position: number;
  /** Epoch number, 0 for the first leader. */
  readonly number: number;
  /** Epoch id (a GUID string). */
  readonly id: string;
}

/** What a node knows of one member. */
export interface MemberSnapshot {
  /** The member's instance id (a GUID string). */
  readonly instanceId: string;
  /** Its state (the last known one when it is dead). */
  readonly state: NodeRole;
  /** Whether it is reachable. */
  readonly isAlive: boolean;
  /** When this information was last refreshed. */
  readonly timeStamp: Date;
  /** Host of every endpoint of the member. */
  readonly host: string;
  /** Its client TCP port. */
  readonly tcpPort: number;
  /** Whether that port speaks TLS (then it is advertised as the secure port). */
  readonly secure: boolean;
  /** Its HTTP (gossip) port. */
  readonly httpPort: number;
  /** Position of the last commit in its log (−1 when empty). */
  readonly lastCommitPosition: number;
  /** End of its log. */
  readonly writerCheckpoint: number;
  /** How far its chaser has read (equal to the writer checkpoint here). */
  readonly chaserCheckpoint: number;
  /** Its epoch. */
  readonly epoch: EpochInfo;
  /** Election priority. */
  readonly nodePriority: number;
}

/** The 5.x names of the states the simulation uses. */
const LEGACY_STATE: Record<NodeRole, string> = {
  Leader: "Master",
  Follower: "Slave",
  Unknown: "Unknown",
};

function memberJson(member: MemberSnapshot, shape: GossipShape): Record<string, unknown> {
  const common = {
    instanceId: member.instanceId,
    timeStamp: member.timeStamp.toISOString(),
    state: shape === "5" ? LEGACY_STATE[member.state] : member.state,
    isAlive: member.isAlive,
    // There is no replication port: followers share the leader's log (see memory_cluster.ts).
    internalTcpIp: member.host,
    internalTcpPort: 0,
    internalSecureTcpPort: 0,
    externalTcpIp: member.host,
    externalTcpPort: member.secure ? 0 : member.tcpPort,
    externalSecureTcpPort: member.secure ? member.tcpPort : 0,
  };
  const positions = {
    lastCommitPosition: member.lastCommitPosition,
    writerCheckpoint: member.writerCheckpoint,
    chaserCheckpoint: member.chaserCheckpoint,
    epochPosition: member.epoch.position,
    epochNumber: member.epoch.number,
    epochId: member.epoch.id,
    nodePriority: member.nodePriority,
  };
  if (shape === "5") {
    return {
      ...common,
      internalHttpIp: member.host,
      internalHttpPort: member.httpPort,
      externalHttpIp: member.host,
      externalHttpPort: member.httpPort,
      ...positions,
    };
  }
  return {
    ...common,
    httpEndPointIp: member.host,
    httpEndPointPort: member.httpPort,
    ...positions,
    isReadOnlyReplica: false,
  };
}

/**
 * Builds the gossip JSON value served by the node at `serverIp:serverPort`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gossipDocument } from "./gossip_document.ts";
 * const doc = gossipDocument([], "20", "127.0.0.1", 2113);
 * assert.deepEqual(doc, { members: [], serverIp: "127.0.0.1", serverPort: 2113 });
 * ```
 */
export function gossipDocument(
  members: readonly MemberSnapshot[],
  shape: GossipShape,
  serverIp: string,
  serverPort: number,
): Record<string, unknown> {
  return { members: members.map((m) => memberJson(m, shape)), serverIp, serverPort };
}
