/**
 * Where the executor dials: a fixed endpoint, or the node cluster discovery picks on every
 * (re)connection.
 *
 * @module
 */

import { ClusterDiscoverer } from "./discovery/discover_node.ts";
import { gossipFetch } from "./discovery/gossip_fetch.ts";
import type { ResolvedSettings } from "./settings.ts";
import type { Endpoint } from "./transport.ts";

/**
 * Where to connect: given the endpoint whose connection just failed (if any), resolves the
 * endpoint to dial. A fixed endpoint, or cluster discovery.
 */
export type EndpointSource = (
  failed: Endpoint | undefined,
  signal: AbortSignal,
) => Promise<Endpoint>;

/**
 * Turns a cluster discoverer into an {@linkcode EndpointSource}: each connection (after a failure:
 * each reconnection) runs discovery, skipping the node that failed (docs/protocol.md §5.3).
 */
export function discoveryEndpoints(discoverer: {
  discover(
    failed?: { host: string; port: number },
    signal?: AbortSignal,
  ): Promise<{ host: string; port: number }>;
}): EndpointSource {
  return async (failed, signal) => {
    const node = await discoverer.discover(
      failed && { host: failed.hostname, port: failed.port },
      signal,
    );
    return { hostname: node.host, port: node.port };
  };
}

/**
 * Where the executor dials: the fixed endpoint, or the node cluster discovery picks (leader by
 * default; with TLS its secure TCP port). HTTPS gossip trusts the connection's TLS CA certificates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endpointSource } from "./endpoint_source.ts";
 * import { resolveSettings } from "./settings.ts";
 * const source = endpointSource(resolveSettings("db:1114"));
 * assert.deepEqual(await source(undefined, new AbortController().signal), { hostname: "db", port: 1114 });
 * ```
 */
export function endpointSource(settings: ResolvedSettings): EndpointSource {
  if (settings.discovery === undefined) {
    const endpoint = settings.endpoint;
    return () => Promise.resolve(endpoint);
  }
  return discoveryEndpoints(
    new ClusterDiscoverer({
      ...settings.discovery,
      tls: settings.executor.tls !== undefined,
      fetch: gossipFetch(settings.executor.tls),
      clock: settings.executor.clock,
    }),
  );
}
