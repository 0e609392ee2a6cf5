/**
 * Logging: a console-compatible {@linkcode Logger} the client reports to, silent unless the
 * caller gives one or sets `PHOTONPUMP_LOG`. At `info`: connecting, connected, reconnecting,
 * closed. At `debug`: one line per package sent or received, summarised as command, correlation
 * id and size — never credentials, never event data.
 *
 * @module
 */

import { commandName } from "./wire/tcp_command.ts";

/** Where the client's log lines go: `console` or any object with these four methods. */
export interface Logger {
  /** Per-package detail (sent, received). */
  debug(message: string): void;
  /** Connection lifecycle: connecting, connected, reconnecting, closed. */
  info(message: string): void;
  /** Something went wrong but the client carries on (a retry, a dropped subscription). */
  warn(message: string): void;
  /** The client gave up on something (a connection closed for good with an error). */
  error(message: string): void;
}

/** The levels of `PHOTONPUMP_LOG`, most detailed first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** The environment variable read when `connect()` is given no `logger`. */
export const LOG_ENV_VARIABLE = "PHOTONPUMP_LOG";

const noop = (): void => {};

/** A logger that drops everything: the default. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * A logger that passes `level` and the levels above it to `sink` and drops the rest; each line
 * is prefixed with `photonpump`. A sink method that throws is ignored: logging never breaks a
 * connection.
 */
export function levelLogger(level: LogLevel, sink: Logger = console): Logger {
  const threshold = LEVELS.indexOf(level);
  if (threshold < 0) {
    throw new TypeError(`Invalid log level "${level}": expected ${LEVELS.join(", ")}`);
  }
  const method = (name: LogLevel): (message: string) => void =>
    LEVELS.indexOf(name) < threshold ? noop : (message) => {
      try {
        sink[name](`photonpump ${name}: ${message}`);
      } catch {
        // A broken sink must not break the client.
      }
    };
  return {
    debug: method("debug"),
    info: method("info"),
    warn: method("warn"),
    error: method("error"),
  };
}

/**
 * Wraps a caller's logger so that a method that throws (or is missing) is ignored. Lines are
 * passed on unchanged, at every level: the caller's logger does its own filtering.
 */
export function safeLogger(logger: Logger): Logger {
  const method = (name: LogLevel): (message: string) => void => (message) => {
    try {
      logger[name]?.(message);
    } catch {
      // A broken logger must not break the client.
    }
  };
  return {
    debug: method("debug"),
    info: method("info"),
    warn: method("warn"),
    error: method("error"),
  };
}

/** Reads an environment variable when env access to it is already granted; never prompts. */
export function readGrantedEnv(variable: string): string | undefined {
  try {
    const { state } = Deno.permissions.querySync({ name: "env", variable });
    return state === "granted" ? Deno.env.get(variable) : undefined;
  } catch {
    // No permissions API (another runtime) or a sandbox that refuses the query: as not granted.
    return undefined;
  }
}

/**
 * The logger to use: the caller's (made safe), else one at the level named by `PHOTONPUMP_LOG`
 * (`debug`, `info`, `warn` or `error`, writing to `console`) when env access to it is granted,
 * else {@linkcode silentLogger}. An unknown level is reported once on `console.warn` and ignored.
 */
export function resolveLogger(logger: Logger | undefined, sink: Logger = console): Logger {
  if (logger !== undefined) return safeLogger(logger);
  const value = readGrantedEnv(LOG_ENV_VARIABLE)?.trim().toLowerCase();
  if (value === undefined || value === "") return silentLogger;
  if ((LEVELS as readonly string[]).includes(value)) return levelLogger(value as LogLevel, sink);
  warnUnknownLevel(value, sink);
  return silentLogger;
}

let warnedLevel: string | undefined;
function warnUnknownLevel(value: string, sink: Logger): void {
  if (warnedLevel === value) return;
  warnedLevel = value;
  sink.warn(
    `photonpump: ignoring ${LOG_ENV_VARIABLE}="${value}": expected ${LEVELS.join(", ")}`,
  );
}

/** What {@linkcode describePackage} reads: a package, or a frame known only by its claimed size. */
export type PackageSummary =
  | { readonly command: number; readonly correlationId: string; readonly payload: Uint8Array }
  | { readonly command: number; readonly correlationId: string; readonly size: number };

/**
 * One line about a package: direction, command name and code, correlation id and payload size
 * (for a frame over the maximum package size, the size its length prefix claimed). Credentials
 * and payload bytes are never included.
 *
 * @example
 * ```ts
 * import { describePackage } from "./logger.ts";
 * const line = describePackage("sent", {
 *   command: 0x82,
 *   correlationId: "00112233-4455-6677-8899-aabbccddeeff",
 *   payload: new Uint8Array(120),
 * });
 * console.log(line); // sent WriteEvents (0x82) 00112233-4455-6677-8899-aabbccddeeff, 120 bytes
 * ```
 */
export function describePackage(direction: "sent" | "received", pkg: PackageSummary): string {
  const code = `0x${pkg.command.toString(16).padStart(2, "0")}`;
  const size = "payload" in pkg
    ? `${pkg.payload.byteLength} bytes`
    : `${pkg.size} bytes, over the maximum package size (skipped)`;
  return `${direction} ${commandName(pkg.command)} (${code}) ${pkg.correlationId}, ${size}`;
}
