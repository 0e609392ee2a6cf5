/**
 * What a cluster node does with a client request given its role (docs/protocol.md §4.15): the leader
 * serves everything; a follower refuses `require_leader` writes and reads with NotHandled
 * NotLeader, forwards other writes to the leader, serves other reads itself and refuses every
 * persistent-subscription command; a node without a leader (no quorum) refuses writes and
 * `require_leader` reads with NotReady. The table follows the real server's
 * `ClusterVNodeController` (`HandleAsNonLeader`, `DenyRequestBecauseNotLeader`,
 * `DenyRequestBecauseNotReady`).
 *
 * @module
 */

import type { DescMessage } from "@bufbuild/protobuf";
import {
  DeleteStreamSchema,
  FilteredReadAllEventsSchema,
  NotHandled_LeaderInfoSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
  ReadAllEventsSchema,
  ReadEventSchema,
  ReadStreamEventsSchema,
  TransactionCommitSchema,
  TransactionStartSchema,
  TransactionWriteSchema,
  WriteEventsSchema,
} from "../../../gen/client_messages_pb.ts";
import { decodeMessage, encodeMessage } from "../../wire/proto_codec.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";

/** The role a node plays for client requests. */
export type NodeRole = "Leader" | "Follower" | "Unknown";

/** What a node does with one request. */
export type Routing =
  /** Handle it here (a follower's forwarded write is handled against the leader's log). */
  | "serve"
  /** Answer NotHandled NotLeader with the leader's endpoints. */
  | "not-leader"
  /** Answer NotHandled NotReady. */
  | "not-ready";

/** How the real server classifies a command for leader checks. */
type CommandKind = "write" | "read" | "persistent";

/** Commands that carry `require_leader`, with the schema that decodes it. */
const REQUIRE_LEADER: ReadonlyMap<number, { kind: CommandKind; schema: DescMessage }> = new Map([
  [TcpCommand.WriteEvents, { kind: "write", schema: WriteEventsSchema }],
  [TcpCommand.DeleteStream, { kind: "write", schema: DeleteStreamSchema }],
  [TcpCommand.TransactionStart, { kind: "write", schema: TransactionStartSchema }],
  [TcpCommand.TransactionWrite, { kind: "write", schema: TransactionWriteSchema }],
  [TcpCommand.TransactionCommit, { kind: "write", schema: TransactionCommitSchema }],
  [TcpCommand.ReadEvent, { kind: "read", schema: ReadEventSchema }],
  [TcpCommand.ReadStreamEventsForward, { kind: "read", schema: ReadStreamEventsSchema }],
  [TcpCommand.ReadStreamEventsBackward, { kind: "read", schema: ReadStreamEventsSchema }],
  [TcpCommand.ReadAllEventsForward, { kind: "read", schema: ReadAllEventsSchema }],
  [TcpCommand.ReadAllEventsBackward, { kind: "read", schema: ReadAllEventsSchema }],
  [TcpCommand.FilteredReadAllEventsForward, { kind: "read", schema: FilteredReadAllEventsSchema }],
  [TcpCommand.FilteredReadAllEventsBackward, { kind: "read", schema: FilteredReadAllEventsSchema }],
]);

/** Persistent-subscription commands: only the leader runs subscription groups. */
const PERSISTENT: ReadonlySet<number> = new Set([
  TcpCommand.CreatePersistentSubscription,
  TcpCommand.UpdatePersistentSubscription,
  TcpCommand.DeletePersistentSubscription,
  TcpCommand.ConnectToPersistentSubscription,
]);

/**
 * Decides what a node in `role` does with a request whose payload already decoded (the session
 * answered BadRequest otherwise). Commands without leader rules (ping, volatile subscriptions,
 * scavenge, acks of an existing persistent subscription) are served by every node.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { routeRequest } from "./leader_policy.ts";
 * import { encodeMessage } from "../../wire/proto_codec.ts";
 * import { ReadEventSchema } from "../../../gen/client_messages_pb.ts";
 * const read = encodeMessage(ReadEventSchema, { eventStreamId: "s", requireLeader: true });
 * assert.deepEqual(routeRequest("Follower", 0xb0, read), "not-leader");
 * ```
 */
export function routeRequest(role: NodeRole, command: number, payload: Uint8Array): Routing {
  if (role === "Leader") return "serve";
  if (PERSISTENT.has(command)) return role === "Follower" ? "not-leader" : "not-ready";
  const rule = REQUIRE_LEADER.get(command);
  if (rule === undefined) return "serve";
  const { requireLeader } = decodeMessage(rule.schema, payload, command) as unknown as {
    requireLeader: boolean;
  };
  if (role === "Follower") return requireLeader ? "not-leader" : "serve";
  // No leader known: writes cannot be forwarded anywhere; reads may still be served locally.
  if (rule.kind === "write") return "not-ready";
  return requireLeader ? "not-ready" : "serve";
}

/** The leader's client-facing endpoints, as put into NotHandled.LeaderInfo. */
export interface LeaderEndpoints {
  /** Host of the leader's external TCP endpoint. */
  readonly tcpHost: string;
  /** Port of the leader's external TCP endpoint. */
  readonly tcpPort: number;
  /** Whether that endpoint speaks TLS (then the secure fields 5–6 carry it). */
  readonly secure: boolean;
  /** Host of the leader's HTTP endpoint. */
  readonly httpHost: string;
  /** Port of the leader's HTTP endpoint. */
  readonly httpPort: number;
}

/**
 * The payload of NotHandled NotLeader: `additional_info` is a serialized LeaderInfo with either the
 * plaintext TCP endpoint (fields 1–2) or, for a TLS endpoint, the secure one (fields 5–6, with
 * 1–2 left at their defaults, as 23.x fills exactly one pair), plus the HTTP endpoint (3–4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notLeaderPayload } from "./leader_policy.ts";
 * const payload = notLeaderPayload({
 *   tcpHost: "127.0.0.1", tcpPort: 1113, secure: false, httpHost: "127.0.0.1", httpPort: 2113,
 * });
 * assert.deepEqual(payload.length > 0, true);
 * ```
 */
export function notLeaderPayload(leader: LeaderEndpoints): Uint8Array {
  const info = leader.secure
    ? encodeMessage(NotHandled_LeaderInfoSchema, {
      httpAddress: leader.httpHost,
      httpPort: leader.httpPort,
      externalSecureTcpAddress: leader.tcpHost,
      externalSecureTcpPort: leader.tcpPort,
    })
    : encodeMessage(NotHandled_LeaderInfoSchema, {
      externalTcpAddress: leader.tcpHost,
      externalTcpPort: leader.tcpPort,
      httpAddress: leader.httpHost,
      httpPort: leader.httpPort,
    });
  return encodeMessage(NotHandledSchema, {
    reason: NotHandled_NotHandledReason.NotLeader,
    additionalInfo: info,
  });
}

/**
 * The payload of NotHandled NotReady (no additional info).
 *
 * @example
 * ```ts
 * import { notReadyPayload } from "./leader_policy.ts";
 * console.log(notReadyPayload()); // Uint8Array [ 8, 0 ]
 * ```
 */
export function notReadyPayload(): Uint8Array {
  return encodeMessage(NotHandledSchema, { reason: NotHandled_NotHandledReason.NotReady });
}
