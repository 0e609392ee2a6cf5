/**
 * What `connect()` accepts — `"host"`, `"host:port"`, a connection URL or an options object — and
 * its normalisation to {@linkcode ConnectionSettings} with the .NET client's defaults
 * (PROTOCOL.md §6.1, §6.4). Every bad value is a `TypeError`/`RangeError` naming the option,
 * never echoing credentials.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import type { Credentials } from "../wire/package_codec.ts";
import { checkCredentials, checkPositive } from "./call_options.ts";
import { type Dialer, type Endpoint, tcpDialer, type TlsOptions } from "./transport.ts";
import { NODE_PREFERENCES, type NodePreference } from "./discovery/node_selection.ts";
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_DELAY_MS,
  type ReconnectionOptions,
  resolveCount,
  resolveReconnection,
} from "./reconnection_policy.ts";

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
  /** Default timeout of every operation, in ms (default 7000). */
  readonly operationTimeout?: number;
  /** Timeout of the TCP connect and handshake, in ms (default 7000). */
  readonly connectTimeout?: number;
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
  /** Timers (default: the system clock). */
  readonly clock?: Clock;
}

/** Normalised settings. */
export interface ConnectionSettings {
  /** Where to connect (ignored when `discovery` is set). */
  readonly endpoint: Endpoint;
  /** Default credentials. */
  readonly credentials: Credentials | undefined;
  /** Connection name, if given (else the connection makes one). */
  readonly name: string | undefined;
  /** TLS settings, or undefined for plain TCP. */
  readonly tls: TlsOptions | undefined;
  /** Default operation timeout in ms. */
  readonly operationTimeout: number;
  /** Connect timeout in ms. */
  readonly connectTimeout: number;
  /** Default requireLeader. */
  readonly requireLeader: boolean;
  /** Heartbeat interval in ms. */
  readonly heartbeatInterval: number;
  /** Heartbeat timeout in ms. */
  readonly heartbeatTimeout: number;
  /** Cluster discovery, if requested. */
  readonly discovery: DiscoveryOptions | undefined;
  /** The dialer. */
  readonly dialer: Dialer;
  /** The clock. */
  readonly clock: Clock;
  /** Reconnection options (checked), or false for a single connection. */
  readonly reconnection: ReconnectionOptions | false;
  /**
   * Re-sends allowed per operation (`Infinity` for forever); undefined: 10, or 0 when
   * `reconnection` is false.
   */
  readonly maxRetries: number | undefined;
  /** Pause before re-sending after NotHandled, in ms. */
  readonly retryDelay: number;
}

/** Defaults of the official clients. */
export const DEFAULTS = {
  host: "localhost",
  port: 1113,
  operationTimeout: 7000,
  connectTimeout: 7000,
  requireLeader: true,
  heartbeatInterval: 750,
  heartbeatTimeout: 1500,
} as const;

const OPTION_KEYS = new Set([
  "host",
  "port",
  "credentials",
  "name",
  "tls",
  "operationTimeout",
  "connectTimeout",
  "requireLeader",
  "heartbeatInterval",
  "heartbeatTimeout",
  "discovery",
  "transport",
  "clock",
  "reconnection",
  "maxRetries",
  "retryDelay",
]);

/** Query parameters of a connection URL and the option each sets. */
const QUERY_KEYS: Record<string, keyof ConnectOptions> = {
  tls: "tls",
  timeout: "operationTimeout",
  operationtimeout: "operationTimeout",
  connecttimeout: "connectTimeout",
  name: "name",
  connectionname: "name",
  requireleader: "requireLeader",
  heartbeatinterval: "heartbeatInterval",
  heartbeattimeout: "heartbeatTimeout",
  discovery: "discovery",
  gossipseeds: "discovery",
  nodepreference: "discovery",
  maxretries: "maxRetries",
  maxreconnections: "reconnection",
  reconnectiondelay: "reconnection",
  retrydelay: "retryDelay",
};

function parsePort(text: string, what: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new RangeError(`Invalid port "${text}" in ${what}: expected 1 to 65535`);
  }
  return port;
}

function parseBoolean(text: string, key: string): boolean {
  if (text === "true" || text === "1" || text === "") return true;
  if (text === "false" || text === "0") return false;
  throw new TypeError(`Invalid connection URL parameter "${key}": expected true or false`);
}

function parseMs(text: string, key: string): number {
  const value = Number(text);
  return checkPositive(value, `connection URL parameter "${key}"`);
}

/** A count parameter: an integer >= 0, or `-1`/`forever` for no limit (as .NET's KeepRetrying). */
function parseCount(text: string, key: string): number | "forever" {
  if (text === "-1" || text.toLowerCase() === "forever") return "forever";
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(
      `Invalid connection URL parameter "${key}": expected an integer >= 0, -1 or forever`,
    );
  }
  return value;
}

/** A delay parameter in ms (0 allowed). */
function parseDelay(text: string, key: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Invalid connection URL parameter "${key}": expected milliseconds >= 0`);
  }
  return value;
}

/** Node preferences by their URL names (lower-cased), including the 5.x and photon-pump ones. */
const PREFERENCE_ALIASES: Readonly<Record<string, NodePreference>> = {
  leader: "leader",
  master: "leader",
  follower: "follower",
  slave: "follower",
  replica: "follower",
  readonlyreplica: "readOnlyReplica",
  random: "random",
};

function parsePreference(text: string, key: string): NodePreference {
  const preference = PREFERENCE_ALIASES[text.toLowerCase()];
  if (preference === undefined) {
    throw new TypeError(
      `Invalid connection URL parameter "${key}": expected leader, follower, readOnlyReplica or random`,
    );
  }
  return preference;
}

/** Parses `"host"`, `"host:port"`, `"[::1]:port"`. */
function parseHostPort(text: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    return {
      host: bracketed[1],
      port: bracketed[2] ? parsePort(bracketed[2], "the target") : undefined,
    };
  }
  const colon = text.lastIndexOf(":");
  if (colon > 0 && text.indexOf(":") === colon) {
    return { host: text.slice(0, colon), port: parsePort(text.slice(colon + 1), "the target") };
  }
  if (text.length === 0 || /[\s/@]/.test(text)) {
    throw new TypeError(
      'Invalid connection target: expected "host", "host:port" or a tcp:// URL',
    );
  }
  return { host: text };
}

/** Parses a `tcp://`, `tls://` or `discover://` URL into options (credentials never echoed). */
function parseUrl(url: URL): ConnectOptions {
  const options: Record<string, unknown> = {};
  switch (url.protocol) {
    case "tcp:":
      break;
    case "tls:":
      options.tls = true;
      break;
    case "discover:":
      break;
    default:
      throw new TypeError(
        `Unsupported connection URL scheme "${url.protocol}": use tcp://, tls:// or discover://`,
      );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new TypeError("Invalid connection URL: no host");
  if (url.username || url.password) {
    options.credentials = {
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    };
  }
  const port = url.port ? parsePort(url.port, "the connection URL") : undefined;
  if (url.protocol === "discover:") {
    options.discovery = { dns: host, gossipPort: port };
  } else {
    options.host = host;
    if (port !== undefined) options.port = port;
  }
  for (const [rawKey, value] of url.searchParams) {
    const key = QUERY_KEYS[rawKey.toLowerCase()];
    switch (key) {
      case "tls":
        options.tls = parseBoolean(value, rawKey);
        break;
      case "requireLeader":
        options.requireLeader = parseBoolean(value, rawKey);
        break;
      case "name":
        options.name = value;
        break;
      case "discovery": {
        const current = options.discovery as DiscoveryOptions | undefined;
        options.discovery = rawKey.toLowerCase() === "nodepreference"
          ? { ...current, preference: parsePreference(value, rawKey) }
          : {
            ...current,
            seeds: value.split(",").map((s) => s.trim()).filter((s) => s.length > 0),
          };
        break;
      }
      case "reconnection": {
        const current = (options.reconnection ?? {}) as Record<string, unknown>;
        options.reconnection = rawKey.toLowerCase() === "maxreconnections"
          ? { ...current, maxAttempts: parseCount(value, rawKey) }
          : { ...current, delay: parseDelay(value, rawKey) };
        break;
      }
      case "maxRetries":
        options.maxRetries = parseCount(value, rawKey);
        break;
      case "retryDelay":
        options.retryDelay = parseDelay(value, rawKey);
        break;
      case "operationTimeout":
      case "connectTimeout":
      case "heartbeatInterval":
      case "heartbeatTimeout":
        options[key] = parseMs(value, rawKey);
        break;
      default:
        throw new TypeError(`Unknown connection URL parameter "${rawKey}"`);
    }
  }
  return options as ConnectOptions;
}

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
 * Normalises `connect()`'s arguments. A string is `"host"`, `"host:port"` or a URL; `options`
 * override what the target says.
 *
 * @throws {TypeError} for unknown options, malformed targets or wrongly typed values
 * @throws {RangeError} for out-of-range ports and timeouts
 *
 * @example
 * ```ts
 * import { resolveSettings } from "./settings.ts";
 * const settings = resolveSettings("tcp://admin:changeit@localhost:1113?tls=false");
 * console.log(settings.endpoint); // { hostname: "localhost", port: 1113 }
 * ```
 */
export function resolveSettings(
  target?: string | URL | ConnectOptions,
  options?: ConnectOptions,
): ConnectionSettings {
  let fromTarget: ConnectOptions = {};
  if (typeof target === "string") {
    fromTarget = /^[a-z][a-z0-9+.-]*:\/\//i.test(target)
      ? parseUrl(parseUrlSafely(target))
      : parseHostPort(target);
  } else if (target instanceof URL) {
    fromTarget = parseUrl(target);
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
  const retryDelay = merged.retryDelay ?? DEFAULT_RETRY_DELAY_MS;
  if (typeof retryDelay !== "number" || !Number.isFinite(retryDelay) || retryDelay < 0) {
    throw new RangeError(
      `Invalid option "retryDelay" ${String(retryDelay)}: expected milliseconds >= 0`,
    );
  }
  const reconnection = merged.reconnection ?? {};
  resolveReconnection(reconnection); // checks it
  const ms = (
    key: "operationTimeout" | "connectTimeout" | "heartbeatInterval" | "heartbeatTimeout",
  ) => merged[key] === undefined ? DEFAULTS[key] : checkPositive(merged[key], `option "${key}"`);
  return {
    endpoint: { hostname: host, port },
    credentials: merged.credentials === undefined
      ? undefined
      : checkCredentials(merged.credentials),
    name: merged.name,
    tls,
    operationTimeout: ms("operationTimeout"),
    connectTimeout: ms("connectTimeout"),
    requireLeader: merged.requireLeader ?? DEFAULTS.requireLeader,
    heartbeatInterval: ms("heartbeatInterval"),
    heartbeatTimeout: ms("heartbeatTimeout"),
    discovery: merged.discovery === undefined ? undefined : checkDiscovery(merged.discovery),
    dialer: merged.transport ?? tcpDialer,
    clock: merged.clock ?? systemClock,
    reconnection,
    maxRetries: merged.maxRetries === undefined
      ? undefined
      : resolveCount(merged.maxRetries, DEFAULT_MAX_RETRIES, "maxRetries"),
    retryDelay,
  };
}

function parseUrlSafely(text: string): URL {
  try {
    return new URL(text);
  } catch {
    // The text may hold a password: do not repeat it.
    throw new TypeError("Invalid connection URL: it could not be parsed");
  }
}
