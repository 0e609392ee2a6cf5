/**
 * Options resolved once. `connect()` accepts `"host"`, `"host:port"`, a connection URL (parsed by
 * `connection_string.ts`) or an options object; {@linkcode resolveSettings} merges them with the
 * one defaults table (`defaults.ts`), checks every value (a `TypeError`/`RangeError` naming the
 * option, never echoing credentials) and returns {@linkcode ResolvedSettings}: nested slices, each
 * complete, that the lower layers take as they are.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { Credentials } from "../wire/package_codec.ts";
import { checkCredentials, checkPositive } from "./call_options.ts";
import { parseConnectionString } from "./connection_string.ts";
import { DEFAULTS } from "./defaults.ts";
import { NODE_PREFERENCES, type NodePreference } from "./discovery/node_selection.ts";
import type { ExecutorSettings } from "./reconnecting_executor.ts";
import {
  type ReconnectionOptions,
  resolveCount,
  resolveReconnection,
} from "./reconnection_policy.ts";
import { type Dialer, type Endpoint, tcpDialer, type TlsOptions } from "./transport.ts";
import type { ConnectionState } from "./connection_state.ts";
import { newGuid } from "../wire/guid.ts";
import {
  describePackage,
  type Logger,
  readGrantedEnv,
  resolveLogger,
  silentLogger,
} from "../logger.ts";

/** Cluster discovery by gossip: give gossip `seeds` or a `dns` name. */
export interface DiscoveryOptions {
  /** Gossip seeds, `host:port`, optionally prefixed `http://` or `https://`. */
  readonly seeds?: readonly string[];
  /** A DNS name whose A records are the cluster's nodes. */
  readonly dns?: string;
  /** HTTP gossip port for DNS-discovered nodes (default 2113). */
  readonly gossipPort?: number;
  /**
   * Which node to connect to (default `"leader"`): `"follower"` or `"readOnlyReplica"` spread
   * reads (photon-pump's `prefer_replica`; use with `requireLeader: false`), `"random"` picks any
   * eligible node. Operations that require the leader are redirected to it by the node's NotLeader
   * answer. In a URL: `nodePreference=leader|follower|readOnlyReplica|random`.
   */
  readonly preference?: NodePreference;
}

/** Options of `connect()`. */
export interface ConnectOptions {
  /** Host name or IP address (default `"localhost"`). */
  readonly host?: string;
  /** TCP port (default 1113). */
  readonly port?: number;
  /** Default credentials, sent with every operation that has none of its own. */
  readonly credentials?: Credentials;
  /** Connection name sent to the server (default `ES-<guid>`). */
  readonly name?: string;
  /**
   * Connect with TLS: `true`, or `{ caCerts, caFile, dangerouslyDisableHostnameVerification }`.
   * Deno cannot skip certificate verification per connection (see `tls.ts`).
   */
  readonly tls?: boolean | TlsOptions;
  /**
   * Reconnection after a lost connection: `{ delay, maxAttempts }` (default 100 ms, 10 attempts,
   * as the .NET client; `maxAttempts: "forever"`), or `false` for a single connection whose loss
   * fails the calls in flight (no reconnection, no retries).
   */
  readonly reconnection?: ReconnectionOptions | false;
  /**
   * Re-sends of an operation after connection losses or NotHandled (default 10, or "forever"; 0
   * when `reconnection` is false).
   */
  readonly maxRetries?: number | "forever";
  /** Pause before re-sending after NotHandled NotReady/TooBusy, in ms (default 200). */
  readonly retryDelay?: number;
  /**
   * Default timeout of every operation, in ms (default 7000). As in the .NET client it starts
   * when the operation is sent (or when it starts waiting for a lost connection), not while it
   * waits behind the 5,000 operations already in flight on a live connection; it then runs
   * across re-sends.
   */
  readonly operationTimeout?: number;
  /** Timeout of one connection attempt (TCP connect and handshake), in ms (default 7000). */
  readonly connectTimeout?: number;
  /**
   * Time `connect()` may take in total, across every attempt of the first connection, in ms
   * (default 12000). Reconnections are bounded by `reconnection.maxAttempts` instead.
   */
  readonly connectDeadline?: number;
  /** Cancels the first connection: `connect()` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Called with every state from the first `connecting` on, so a first connection can be
   * watched (attempts and their errors) before `connect()` resolves.
   */
  readonly onStateChange?: (state: ConnectionState) => void;
  /**
   * Where the client logs (`console` or any object with `debug`, `info`, `warn` and `error`;
   * every level is passed on, filtering is the logger's). At info: connecting, connected,
   * reconnecting (attempt and reason), closed; at debug: every package sent and received as
   * command, correlation id and size, never credentials or event data. Default: the level named
   * by the `PHOTONPUMP_LOG` environment variable (`debug`, `info`, `warn`, `error`) when env access
   * to it is granted (never prompted for), else silent.
   */
  readonly logger?: Logger;
  /** Default `requireLeader` of every operation (default true). */
  readonly requireLeader?: boolean;
  /** Idle time before the client sends a heartbeat request, in ms (default 750). */
  readonly heartbeatInterval?: number;
  /** Time to wait for the server after a heartbeat request, in ms (default 1500). */
  readonly heartbeatTimeout?: number;
  /** Find the node through cluster gossip instead of `host`/`port`. */
  readonly discovery?: DiscoveryOptions;
  /**
   * Opens the byte stream (default: `Deno.connect`/`Deno.connectTls`). Tests pass
   * `() => Promise.resolve(store.connectPipe())` to use an in-memory pipe.
   */
  readonly transport?: Dialer;
}

/** What a call falls back to when it does not say. */
export interface CallDefaults {
  /** Default credentials. */
  readonly credentials: Credentials | undefined;
  /** Default `requireLeader`. */
  readonly requireLeader: boolean;
}

/** How the first connection is made (not settings of the connection itself). */
export interface FirstConnect {
  /** Cancels it. */
  readonly signal: AbortSignal | undefined;
  /** Sees every state from the first `connecting` on. */
  readonly onStateChange: ((state: ConnectionState) => void) | undefined;
}

/** Fully resolved settings: one slice per layer, every field set. */
export interface ResolvedSettings {
  /** How the first connection is made. */
  readonly connect: FirstConnect;
  /** Where to connect (unused when `discovery` is set). */
  readonly endpoint: Endpoint;
  /** Cluster discovery (checked), if requested. */
  readonly discovery: DiscoveryOptions | undefined;
  /** What calls fall back to. */
  readonly calls: CallDefaults;
  /** The executor's slice (connection, transport, retries, reconnection, timers). */
  readonly executor: ExecutorSettings;
  /** Where the client logs (the caller's logger made safe, `PHOTONPUMP_LOG`'s, or silent). */
  readonly logger: Logger;
}

/** The environment variable `connect()` reads when it is given no target. */
export const EVENTSTORE_URL_VARIABLE = "EVENTSTORE_URL";

/** Seams tests reach and users do not: not part of {@linkcode ConnectOptions}. */
export interface SettingsSeams {
  /** Timers (default: the system clock). */
  readonly clock?: Clock;
}

const OPTION_KEYS = new Set([
  "host",
  "port",
  "credentials",
  "name",
  "tls",
  "operationTimeout",
  "connectTimeout",
  "connectDeadline",
  "signal",
  "onStateChange",
  "logger",
  "requireLeader",
  "heartbeatInterval",
  "heartbeatTimeout",
  "discovery",
  "transport",
  "reconnection",
  "maxRetries",
  "retryDelay",
]);

function checkDiscovery(value: unknown): DiscoveryOptions {
  const discovery = value as DiscoveryOptions;
  if (typeof discovery !== "object" || discovery === null) {
    throw new TypeError('Invalid option "discovery": expected { seeds } or { dns }');
  }
  for (const key of Object.keys(discovery)) {
    if (key !== "seeds" && key !== "dns" && key !== "gossipPort" && key !== "preference") {
      throw new TypeError(`Unknown discovery option "${key}"`);
    }
  }
  if (discovery.preference !== undefined && !NODE_PREFERENCES.includes(discovery.preference)) {
    throw new TypeError(
      `Invalid discovery option "preference": expected one of ${NODE_PREFERENCES.join(", ")}`,
    );
  }
  const hasSeeds = Array.isArray(discovery.seeds) && discovery.seeds.length > 0 &&
    discovery.seeds.every((seed) => typeof seed === "string" && seed.length > 0);
  const hasDns = typeof discovery.dns === "string" && discovery.dns.length > 0;
  if (!hasSeeds && !hasDns) {
    throw new TypeError('Invalid option "discovery": give non-empty "seeds" or a "dns" name');
  }
  return discovery;
}

/**
 * Resolves `connect()`'s arguments. A string is `"host"`, `"host:port"` or a URL; `options`
 * override what the target says.
 *
 * @throws {TypeError} for unknown options, malformed targets or wrongly typed values
 * @throws {RangeError} for out-of-range ports and timeouts
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSettings } from "./settings.ts";
 * const settings = resolveSettings("tcp://admin:changeit@localhost:1113?tls=false");
 * assert.deepEqual(settings.endpoint, { hostname: "localhost", port: 1113 });
 * assert.deepEqual(settings.executor.operationTimeout, 7000);
 * ```
 */
export function resolveSettings(
  target?: string | URL | ConnectOptions,
  options?: ConnectOptions,
  seams: SettingsSeams = {},
): ResolvedSettings {
  // As postgres.js reads PG*: no target means EVENTSTORE_URL, when env access to it is granted.
  if (target === undefined) target = readGrantedEnv(EVENTSTORE_URL_VARIABLE) || undefined;
  let fromTarget: ConnectOptions = {};
  if (typeof target === "string" || target instanceof URL) {
    fromTarget = parseConnectionString(target);
  } else if (target !== undefined) {
    if (typeof target !== "object" || target === null) {
      throw new TypeError(
        "Invalid connection target: expected a string, a URL or an options object",
      );
    }
    fromTarget = target;
  }
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError("Invalid connect options: expected an object");
  }
  const merged: ConnectOptions = { ...fromTarget, ...options };
  for (const key of Object.keys(merged)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`Unknown connect option "${key}"`);
  }
  const host = merged.host ?? DEFAULTS.host;
  if (typeof host !== "string" || host.length === 0) {
    throw new TypeError('Invalid option "host": expected a non-empty string');
  }
  const port = merged.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Invalid option "port" ${String(port)}: expected 1 to 65535`);
  }
  if (merged.name !== undefined && (typeof merged.name !== "string" || merged.name.length === 0)) {
    throw new TypeError('Invalid option "name": expected a non-empty string');
  }
  if (merged.requireLeader !== undefined && typeof merged.requireLeader !== "boolean") {
    throw new TypeError('Invalid option "requireLeader": expected a boolean');
  }
  if (merged.transport !== undefined && typeof merged.transport !== "function") {
    throw new TypeError('Invalid option "transport": expected a function');
  }
  const tls = merged.tls === true
    ? {}
    : merged.tls === false || merged.tls === undefined
    ? undefined
    : merged.tls;
  if (tls !== undefined && (typeof tls !== "object" || tls === null)) {
    throw new TypeError(
      'Invalid option "tls": expected a boolean or { caCerts, caFile, dangerouslyDisableHostnameVerification }',
    );
  }
  const retryDelay = merged.retryDelay ?? DEFAULTS.retryDelay;
  if (typeof retryDelay !== "number" || !Number.isFinite(retryDelay) || retryDelay < 0) {
    throw new RangeError(
      `Invalid option "retryDelay" ${String(retryDelay)}: expected milliseconds >= 0`,
    );
  }
  const reconnection = resolveReconnection(merged.reconnection);
  if (merged.signal !== undefined && !(merged.signal instanceof AbortSignal)) {
    throw new TypeError('Invalid option "signal": expected an AbortSignal');
  }
  if (merged.onStateChange !== undefined && typeof merged.onStateChange !== "function") {
    throw new TypeError('Invalid option "onStateChange": expected a function');
  }
  if (
    merged.logger !== undefined && (typeof merged.logger !== "object" || merged.logger === null)
  ) {
    throw new TypeError(
      'Invalid option "logger": expected an object with debug, info, warn and error methods',
    );
  }
  const logger = resolveLogger(merged.logger);
  const ms = (
    key:
      | "operationTimeout"
      | "connectTimeout"
      | "connectDeadline"
      | "heartbeatInterval"
      | "heartbeatTimeout",
  ) => merged[key] === undefined ? DEFAULTS[key] : checkPositive(merged[key], `option "${key}"`);
  const clock = seams.clock ?? systemClock;
  return {
    connect: { signal: merged.signal, onStateChange: merged.onStateChange },
    endpoint: { hostname: host, port },
    discovery: merged.discovery === undefined ? undefined : checkDiscovery(merged.discovery),
    calls: {
      credentials: merged.credentials === undefined
        ? undefined
        : checkCredentials(merged.credentials),
      requireLeader: merged.requireLeader ?? DEFAULTS.requireLeader,
    },
    executor: {
      connection: {
        name: merged.name ?? `ES-${newGuid()}`,
        heartbeatInterval: ms("heartbeatInterval"),
        heartbeatTimeout: ms("heartbeatTimeout"),
        maxPackageSize: DEFAULTS.maxPackageSize,
        maxQueuedBytes: DEFAULTS.maxQueuedBytes,
        clock,
        authenticate: merged.credentials,
        onPackage: logger === silentLogger
          ? undefined
          : (direction, pkg) => logger.debug(describePackage(direction, pkg)),
      },
      dialer: merged.transport ?? tcpDialer,
      tls,
      connectTimeout: ms("connectTimeout"),
      connectDeadline: ms("connectDeadline"),
      operationTimeout: ms("operationTimeout"),
      maxQueuedOperations: DEFAULTS.maxQueuedOperations,
      maxInFlightOperations: DEFAULTS.maxInFlightOperations,
      retry: {
        // Without reconnection an operation is not re-sent unless asked.
        maxRetries: resolveCount(
          merged.maxRetries,
          merged.reconnection === false ? 0 : DEFAULTS.maxRetries,
          "maxRetries",
        ),
        retryDelay,
      },
      reconnection,
      clock,
    },
    logger,
  };
}
