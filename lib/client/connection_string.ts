/**
 * The connection-string parser: `"host"`, `"host:port"`, `"[::1]:port"` and `tcp://`, `tls://`,
 * `discover://` URLs with their query parameters, turned into {@linkcode ConnectOptions}. It
 * applies no defaults (that is `settings.ts`'s job) and never echoes credentials.
 *
 * @module
 */

import { checkPositive } from "./call_options.ts";
import type { NodePreference } from "./discovery/node_selection.ts";
import type { ConnectOptions, DiscoveryOptions } from "./settings.ts";

/** Query parameters of a connection URL and the option each sets. */
const QUERY_KEYS: Record<string, keyof ConnectOptions> = {
  tls: "tls",
  timeout: "operationTimeout",
  operationtimeout: "operationTimeout",
  connecttimeout: "connectTimeout",
  connectdeadline: "connectDeadline",
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
  if (text.includes("@")) {
    // It may hold a password: do not repeat it.
    throw new TypeError(
      "Invalid connection target: credentials go in a URL such as tcp://user:password@host:1113",
    );
  }
  const colon = text.lastIndexOf(":");
  const single = colon > 0 && text.indexOf(":") === colon;
  const host = single ? text.slice(0, colon) : text;
  if (host.length === 0 || /[\s/\\?#]/.test(host)) {
    throw new TypeError(
      `Invalid connection target "${text}": expected "host", "host:port" or a URL such as tcp://host:1113`,
    );
  }
  return single ? { host, port: parsePort(text.slice(colon + 1), "the target") } : { host };
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
      case "connectDeadline":
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

/**
 * Parses a connection target string into options: a URL when it has a scheme, else
 * `"host"`/`"host:port"`.
 *
 * @throws {TypeError} for a malformed target, an unknown scheme or parameter
 * @throws {RangeError} for an out-of-range port or value
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConnectionString } from "./connection_string.ts";
 * assert.deepEqual(parseConnectionString("db:1114"), { host: "db", port: 1114 });
 * ```
 */
export function parseConnectionString(target: string | URL): ConnectOptions {
  if (target instanceof URL) return parseUrl(target);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target)
    ? parseUrl(parseUrlSafely(target))
    : parseHostPort(target);
}

function parseUrlSafely(text: string): URL {
  try {
    return new URL(text);
  } catch {
    // The text may hold a password: do not repeat it.
    throw new TypeError("Invalid connection URL: it could not be parsed");
  }
}
