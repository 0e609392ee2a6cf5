/**
 * The leader endpoint carried by a NotHandled(NotLeader) reply (PROTOCOL.md §4.15): the
 * `additional_info` bytes are a serialized `LeaderInfo` (`MasterInfo` up to 5.x) with the
 * leader's plaintext TCP endpoint in fields 1–2 or, for a TLS-only endpoint, fields 5–6.
 *
 * @module
 */

import {
  NotHandled_LeaderInfoSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
} from "../../gen/client_messages_pb.ts";
import type { Package } from "../wire/package_codec.ts";
import { decodeMessage } from "../wire/proto_codec.ts";
import { TcpCommand } from "../wire/tcp_command.ts";
import type { Endpoint } from "./transport.ts";

/**
 * The leader's TCP endpoint from a NotHandled(NotLeader) package, or `undefined` when the package
 * is something else or carries no usable endpoint. With `tls` the secure endpoint is preferred.
 *
 * @throws {ProtocolError} when the payload does not decode
 *
 * @example
 * ```ts
 * import { leaderEndpoint } from "./leader_info.ts";
 * import { TcpCommand } from "../wire/tcp_command.ts";
 * const pkg = { command: TcpCommand.Pong, correlationId: "", payload: new Uint8Array(0) };
 * console.log(leaderEndpoint(pkg, false)); // undefined
 * ```
 */
export function leaderEndpoint(pkg: Package, tls: boolean): Endpoint | undefined {
  if (pkg.command !== TcpCommand.NotHandled) return undefined;
  const notHandled = decodeMessage(NotHandledSchema, pkg.payload, pkg.command);
  if (notHandled.reason !== NotHandled_NotHandledReason.NotLeader) return undefined;
  const info = notHandled.additionalInfo;
  if (info === undefined || info.length === 0) return undefined;
  const leader = decodeMessage(NotHandled_LeaderInfoSchema, info, pkg.command);
  const plain = leader.externalTcpAddress && leader.externalTcpPort > 0
    ? { hostname: leader.externalTcpAddress, port: leader.externalTcpPort }
    : undefined;
  const secure = leader.externalSecureTcpAddress && (leader.externalSecureTcpPort ?? 0) > 0
    ? { hostname: leader.externalSecureTcpAddress, port: leader.externalSecureTcpPort! }
    : undefined;
  return tls ? secure ?? plain : plain ?? secure;
}
