/**
 * Tells from the first bytes a peer sends what it speaks, so a wrong port gets advice instead of
 * a framing riddle. An EventStore server's first frame after IdentifyClient is ClientIdentified or
 * a heartbeat request: a small little-endian length (18 bytes: `12 00 00 00`). A TLS listener that
 * receives plaintext answers with a TLS record (an alert: `15 03 03 ...`); an HTTP port answers
 * `HTTP/1.1 400 ...`.
 *
 * @module
 */

import type { PeerProtocol } from "../errors.ts";

const HTTP = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

/**
 * What the first chunk from a peer says it speaks: `"tls"` for a TLS record (content type 20-23,
 * major version 3), `"http"` for an HTTP response, `undefined` when it may be EventStore framing.
 *
 * @example
 * ```ts
 * import { sniffPeer } from "./peer_sniffer.ts";
 * console.log(sniffPeer(new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32]))); // "tls"
 * console.log(sniffPeer(new TextEncoder().encode("HTTP/1.1 400 Bad Request"))); // "http"
 * console.log(sniffPeer(new Uint8Array([0x12, 0, 0, 0, 0xf6, 0]))); // undefined
 * ```
 */
export function sniffPeer(first: Uint8Array): Exclude<PeerProtocol, "eventstore"> | undefined {
  if (
    first.length >= 3 && first[0] >= 0x14 && first[0] <= 0x17 && first[1] === 0x03 &&
    first[2] <= 0x04
  ) {
    return "tls";
  }
  if (first.length >= HTTP.length && HTTP.every((byte, i) => first[i] === byte)) return "http";
  return undefined;
}
