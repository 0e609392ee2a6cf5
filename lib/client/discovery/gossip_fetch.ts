/**
 * The `fetch` discovery uses for HTTPS gossip when the connection trusts a private CA: the same
 * CA certificates as the TCP connection (`tls.caCerts`, `tls.caFile`), through a Deno HTTP client
 * made for each request and closed once the answer is read.
 *
 * Hostname rules: gossip is always verified against the seed's or member's host name. Deno's HTTP
 * client has no switch to skip that check, so `dangerouslyDisableHostnameVerification` applies to
 * the TCP connection only.
 *
 * @module
 */

import { caCertificates, type TlsSettings } from "../tls.ts";

/**
 * A `fetch` that trusts the CA certificates of `tls` (besides the system's), or the global `fetch`
 * when there are none.
 *
 * @throws {TypeError} (from the returned function) naming the file when a CA file cannot be read
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gossipFetch } from "./gossip_fetch.ts";
 * assert.equal(gossipFetch(undefined), fetch);
 * ```
 */
export function gossipFetch(tls: TlsSettings | undefined): typeof fetch {
  if (tls === undefined || (tls.caCerts === undefined && tls.caFile === undefined)) return fetch;
  return async (input, init) => {
    const caCerts = await caCertificates(tls);
    const client = Deno.createHttpClient({ caCerts });
    try {
      const response = await fetch(input, { ...init, client });
      // Read the whole answer so the client can be closed here (gossip documents are small).
      const body = await response.arrayBuffer();
      // A 204 or 304 answer cannot carry a body, not even an empty one.
      return new Response(body.byteLength > 0 ? body : null, {
        status: response.status,
        headers: response.headers,
      });
    } finally {
      client.close();
    }
  };
}
