/**
 * What `connect()` runs operations on: a {@linkcode ReconnectingExecutor} configured from the
 * normalised connection settings, dialing a fixed endpoint or the node cluster discovery picks.
 *
 * @module
 */

import { ClusterDiscoverer } from "./discovery/discover_node.ts";
import {
  discoveryEndpoints,
  type EndpointSource,
  ReconnectingExecutor,
  type ReconnectingExecutorOptions,
} from "./reconnecting_executor.ts";
import type { ConnectionSettings } from "./settings.ts";
import type { Endpoint } from "./transport.ts";

/**
 * The executor options `settings` describe. With `reconnection: false` the executor makes one
 * connection and, unless `maxRetries` says otherwise, never re-sends.
 *
 * @example
 * ```ts
 * import { executorOptions } from "./open_executor.ts";
 * import { resolveSettings } from "./settings.ts";
 * const options = executorOptions(resolveSettings("localhost:1113"));
 * console.log(options.endpoint); // { hostname: "localhost", port: 1113 }
 * ```
 */
export function executorOptions(settings: ConnectionSettings): ReconnectingExecutorOptions {
  let endpoint: Endpoint | EndpointSource = settings.endpoint;
  if (settings.discovery) {
    // Gossip picks the node (leader by default); with TLS it picks the secure TCP port.
    endpoint = discoveryEndpoints(
      new ClusterDiscoverer({
        ...settings.discovery,
        tls: settings.tls !== undefined,
        clock: settings.clock,
      }),
    );
  }
  return {
    endpoint,
    dialer: settings.dialer,
    tls: settings.tls,
    name: settings.name,
    operationTimeout: settings.operationTimeout,
    connectTimeout: settings.connectTimeout,
    heartbeatInterval: settings.heartbeatInterval,
    heartbeatTimeout: settings.heartbeatTimeout,
    reconnection: settings.reconnection,
    maxRetries: settings.maxRetries ?? (settings.reconnection === false ? 0 : undefined),
    retryDelay: settings.retryDelay,
    clock: settings.clock,
  };
}

/**
 * Opens the executor `settings` describe; resolves once the first connection is identified.
 *
 * @throws {ConnectionClosedError} when no connection could be made (`cause` says why)
 *
 * @example
 * ```ts ignore
 * import { openExecutor } from "./open_executor.ts";
 * import { resolveSettings } from "./settings.ts";
 * await using executor = await openExecutor(resolveSettings("localhost"));
 * ```
 */
export function openExecutor(settings: ConnectionSettings): Promise<ReconnectingExecutor> {
  return ReconnectingExecutor.open(executorOptions(settings));
}
