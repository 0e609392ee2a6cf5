/**
 * The gossip document a node serves at `GET /gossip?format=json` (docs/protocol.md §5.2), parsed into
 * one member shape for both eras: 5.x members carry `externalHttpIp`/`externalHttpPort`, 20.x+
 * members carry `httpEndPointIp`/`httpEndPointPort` and `isReadOnlyReplica`. States stay names
 * (`"Master"`, `"Leader"`, …): the numeric enum order differs between eras, so numbers are never
 * used.
 *
 * @module
 */

import { ProtocolError } from "../../errors.ts";

/** One cluster member as seen by a client. */
export interface MemberInfo {
  /** The node's instance id (a GUID string). */
  readonly instanceId: string;
  /** The state name as serialised by the server, e.g. `"Leader"`, `"Slave"`, `"Manager"`. */
  readonly state: string;
  /** Whether the gossiping node currently considers this member alive. */
  readonly isAlive: boolean;
  /** Host clients connect to for TCP. */
  readonly externalTcpIp: string;
  /** Plain TCP port; 0 when disabled (20.x+ with TLS, or external TCP off). */
  readonly externalTcpPort: number;
  /** TLS TCP port; 0 when disabled. */
  readonly externalSecureTcpPort: number;
  /** Host of the node's client HTTP endpoint (serves gossip). */
  readonly httpIp: string;
  /** Port of the node's client HTTP endpoint; 0 if the document did not say. */
  readonly httpPort: number;
  /** True for 20.x+ read-only replicas. */
  readonly isReadOnlyReplica: boolean;
}

/** A parsed gossip document. */
export interface ClusterInfo {
  /** The members, in document order. */
  readonly members: readonly MemberInfo[];
}

function fail(message: string): never {
  throw new ProtocolError("bad-payload", `Invalid gossip document: ${message}`);
}

function text(
  member: Record<string, unknown>,
  index: number,
  key: string,
  fallback?: string,
): string {
  const value = member[key];
  if (typeof value === "string") return value;
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  return fail(`member ${index} has no string "${key}"`);
}

function port(member: Record<string, unknown>, index: number, key: string): number {
  const value = member[key];
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65535) {
    return fail(`member ${index} has an invalid "${key}" ${JSON.stringify(value)}`);
  }
  return value;
}

function parseMember(value: unknown, index: number): MemberInfo {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(`member ${index} is not an object`);
  }
  const m = value as Record<string, unknown>;
  if (typeof m.isAlive !== "boolean") fail(`member ${index} has no boolean "isAlive"`);
  // 20.x+ replaced the internal/external HTTP pairs with one client HTTP endpoint.
  const has20xHttp = m.httpEndPointIp !== undefined && m.httpEndPointIp !== null;
  return {
    instanceId: text(m, index, "instanceId", ""),
    state: text(m, index, "state"),
    isAlive: m.isAlive as boolean,
    externalTcpIp: text(m, index, "externalTcpIp"),
    externalTcpPort: port(m, index, "externalTcpPort"),
    externalSecureTcpPort: port(m, index, "externalSecureTcpPort"),
    httpIp: has20xHttp
      ? text(m, index, "httpEndPointIp")
      : text(m, index, "externalHttpIp", text(m, index, "externalTcpIp")),
    httpPort: has20xHttp ? port(m, index, "httpEndPointPort") : port(m, index, "externalHttpPort"),
    isReadOnlyReplica: m.isReadOnlyReplica === true,
  };
}

/**
 * Parses a gossip document (the JSON value, already `JSON.parse`d) of a 5.x or 20.x+ node.
 *
 * @throws {ProtocolError} `bad-payload` when it is not an object with a `members` array of members
 * that each have a string `state`, a boolean `isAlive`, a string `externalTcpIp` and port numbers
 *
 * @example
 * ```ts
 * import { parseGossip } from "./gossip.ts";
 * const info = parseGossip({
 *   members: [{
 *     instanceId: "c2b1e0a8-4ad5-4d4c-9a3e-2f4c1f0b8a11", state: "Leader", isAlive: true,
 *     externalTcpIp: "10.0.0.1", externalTcpPort: 1113, externalSecureTcpPort: 0,
 *     httpEndPointIp: "10.0.0.1", httpEndPointPort: 2113,
 *   }],
 * });
 * console.log(info.members[0].state, info.members[0].httpPort); // Leader 2113
 * ```
 */
export function parseGossip(json: unknown): ClusterInfo {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail("expected a JSON object");
  }
  const members = (json as Record<string, unknown>).members;
  if (!Array.isArray(members)) return fail(`expected a "members" array`);
  return { members: members.map(parseMember) };
}
