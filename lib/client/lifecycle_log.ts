/**
 * The info-level log lines of a client's life: where it connects, when it is connected, each
 * reconnection attempt with its reason, and the close. Credentials never appear: targets are
 * described by host and port (or gossip seeds), errors by their messages, which never hold them.
 *
 * @module
 */

import type { Logger } from "../logger.ts";
import type { ConnectionState } from "./connection_state.ts";
import type { ResolvedSettings } from "./settings.ts";
import type { Endpoint } from "./transport.ts";

function hostPort(endpoint: Endpoint): string {
  const host = endpoint.hostname.includes(":") ? `[${endpoint.hostname}]` : endpoint.hostname;
  return `${host}:${endpoint.port}`;
}

/** Where `settings` say to connect, for the "connecting" line. */
export function describeTarget(settings: ResolvedSettings): string {
  const tls = settings.executor.tls === undefined ? "" : " (TLS)";
  const discovery = settings.discovery;
  if (discovery?.seeds !== undefined && discovery.seeds.length > 0) {
    return `the cluster with gossip seeds ${discovery.seeds.join(", ")}${tls}`;
  }
  if (discovery?.dns !== undefined) return `the cluster at DNS name ${discovery.dns}${tls}`;
  return `${hostPort(settings.endpoint)}${tls}`;
}

/**
 * Logs one state change of a connected client (`endpoint` tells where it is now connected).
 *
 * @example
 * ```ts
 * import { logStateChange } from "./lifecycle_log.ts";
 * logStateChange(console, { status: "reconnecting", name: "ES-1", attempt: 2, error: new Error("refused") }, undefined);
 * // photonpump ES-1: reconnecting (attempt 2): refused
 * ```
 */
export function logStateChange(
  logger: Logger,
  state: ConnectionState,
  endpoint: Endpoint | undefined,
): void {
  switch (state.status) {
    case "connected":
      logger.info(
        `photonpump ${state.name}: connected${endpoint ? ` to ${hostPort(endpoint)}` : ""}`,
      );
      return;
    case "reconnecting":
      logger.info(
        `photonpump ${state.name}: reconnecting (attempt ${state.attempt})` +
          (state.error ? `: ${state.error.message}` : ""),
      );
      return;
    case "closed":
      if (state.error) logger.warn(`photonpump ${state.name}: closed: ${state.error.message}`);
      else logger.info(`photonpump ${state.name}: closed`);
      return;
    case "connecting":
      if (state.error) {
        logger.info(
          `photonpump ${state.name}: connecting (attempt ${state.attempt ?? 1} failed: ` +
            `${state.error.message})`,
        );
      }
      return;
  }
}
