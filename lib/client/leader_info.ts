/**
 * The leader endpoint carried by a NotHandled(NotLeader) reply (docs/protocol.md §4.15): the
 * `additional_info` bytes are a serialized `LeaderInfo` (`MasterInfo` up to 5.x) with the
 * leader's plaintext TCP endpoint in fields 1–2 or, for a TLS-only endpoint, fields 5–6.
 *
 * @module
 */

import {
  type NotHandled,
  NotHandled_LeaderInfoSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
} from "../../gen/client_messages_pb.ts";
import { bodyOf, type Message } from "../wire/message.ts";
import { decodeMessage } from "../wire/proto_codec.ts";
import { TcpCommand } from "../wire/tcp_command.ts";
import type { Endpoint } from "./transport.ts";

/** The leader's TCP endpoints named by a NotHandled(NotLeader) reply. */
export interface LeaderEndpoints {
  /** The plaintext TCP endpoint, if the server filled it. */
  readonly plain: Endpoint | undefined;
  /** The secure (TLS) TCP endpoint, if the server filled it. */
  readonly secure: Endpoint | undefined;
}

/**
 * The endpoints in a decoded NotHandled body, or `undefined` unless it is NotLeader with a usable
 * endpoint.
 *
 * @throws {ProtocolError} when the leader info does not decode
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leaderEndpoints } from "./leader_info.ts";
 * import { create } from "@bufbuild/protobuf";
 * import { NotHandledSchema } from "../../gen/client_messages_pb.ts";
 * assert.deepEqual(leaderEndpoints(create(NotHandledSchema, { reason: 1 })), undefined);
 * ```
 */
export function leaderEndpoints(notHandled: NotHandled): LeaderEndpoints | undefined {
  if (notHandled.reason !== NotHandled_NotHandledReason.NotLeader) return undefined;
  const info = notHandled.additionalInfo;
  if (info === undefined || info.length === 0) return undefined;
  const leader = decodeMessage(NotHandled_LeaderInfoSchema, info, TcpCommand.NotHandled);
  const plain = leader.externalTcpAddress && leader.externalTcpPort > 0
    ? { hostname: leader.externalTcpAddress, port: leader.externalTcpPort }
    : undefined;
  const secure = leader.externalSecureTcpAddress && (leader.externalSecureTcpPort ?? 0) > 0
    ? { hostname: leader.externalSecureTcpAddress, port: leader.externalSecureTcpPort! }
    : undefined;
  return plain || secure ? { plain, secure } : undefined;
}

/**
 * The endpoint to dial for `leader`: the secure one with TLS, else the plaintext one, falling back
 * to whichever the server filled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pickLeader } from "./leader_info.ts";
 * const leader = { plain: { hostname: "a", port: 1113 }, secure: undefined };
 * assert.deepEqual(pickLeader(leader, true), { hostname: "a", port: 1113 });
 * ```
 */
export function pickLeader(leader: LeaderEndpoints, tls: boolean): Endpoint | undefined {
  return tls ? leader.secure ?? leader.plain : leader.plain ?? leader.secure;
}

/**
 * The leader's TCP endpoint from a decoded NotHandled(NotLeader) message, or `undefined` when the
 * message is something else or carries no usable endpoint. With `tls` the secure one is preferred.
 *
 * @throws {ProtocolError} when the payload does not decode
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leaderEndpoint } from "./leader_info.ts";
 * const message = { command: 0x04, correlationId: "", schema: undefined, body: undefined };
 * assert.deepEqual(leaderEndpoint(message, false), undefined);
 * ```
 */
export function leaderEndpoint(message: Message, tls: boolean): Endpoint | undefined {
  if (message.command !== TcpCommand.NotHandled) return undefined;
  const leader = leaderEndpoints(bodyOf(message, NotHandledSchema));
  return leader && pickLeader(leader, tls);
}
