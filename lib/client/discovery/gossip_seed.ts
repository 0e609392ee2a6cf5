/**
 * Gossip seeds: the HTTP endpoints discovery asks for gossip, written `host:port`, optionally
 * prefixed `http://` or `https://` (docs/protocol.md §6.4 `GossipSeeds`).
 *
 * @module
 */

/** One HTTP endpoint that serves gossip. */
export interface GossipSeed {
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  /** HTTP port. */
  readonly port: number;
  /** Whether gossip is fetched over HTTPS. */
  readonly secure: boolean;
}

/**
 * Parses one gossip seed.
 *
 * @param text `host:port`, `http://host:port` or `https://host:port` (`[::1]:2113` for IPv6)
 * @param secureByDefault scheme used when `text` has no prefix
 * @throws {TypeError} when the text is not a host and a port in 1..65535
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGossipSeed } from "./gossip_seed.ts";
 * assert.deepEqual(parseGossipSeed("https://node1:2113"), { host: "node1", port: 2113, secure: true });
 * ```
 */
export function parseGossipSeed(text: string, secureByDefault = false): GossipSeed {
  let rest = text.trim();
  let secure = secureByDefault;
  const scheme = /^(https?):\/\//i.exec(rest);
  if (scheme) {
    secure = scheme[1].toLowerCase() === "https";
    rest = rest.slice(scheme[0].length);
  }
  rest = rest.replace(/\/+$/, "");
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/\[\]]+)):(\d{1,5})$/.exec(rest);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new TypeError(
      `Invalid gossip seed "${text}": expected "host:port", optionally prefixed with http:// or https://`,
    );
  }
  return { host: match[1] ?? match[2], port, secure };
}

/**
 * The gossip URL of a seed.
 *
 * @example
 * ```ts
 * import { gossipUrl } from "./gossip_seed.ts";
 * console.log(gossipUrl({ host: "::1", port: 2113, secure: false }));
 * // http://[::1]:2113/gossip?format=json
 * ```
 */
export function gossipUrl(seed: GossipSeed): string {
  const host = seed.host.includes(":") ? `[${seed.host}]` : seed.host;
  return `${seed.secure ? "https" : "http"}://${host}:${seed.port}/gossip?format=json`;
}
