/**
 * The options every client method accepts last, and the argument checks that run before anything
 * is sent.
 *
 * @module
 */

import type { Credentials } from "../wire/package_codec.ts";

/** Options every client method accepts as its last argument. */
export interface CallOptions {
  /** Credentials for this call, overriding the connection's default. */
  readonly credentials?: Credentials;
  /** Whether only the leader node may handle the request (default: the connection's, `true`). */
  readonly requireLeader?: boolean;
  /** Cancels the call. */
  readonly signal?: AbortSignal;
  /** Milliseconds to wait for the reply (default: the connection's operation timeout). */
  readonly timeout?: number;
}

/** The keys of {@linkcode CallOptions}. */
export const CALL_OPTION_KEYS: readonly string[] = [
  "credentials",
  "requireLeader",
  "signal",
  "timeout",
];

/** Largest page a read may ask for (PROTOCOL.md §4.8). */
export const MAX_READ_BATCH = 4096;

/**
 * Checks an options object: it must be an object with only the allowed keys, and the call options
 * among them must have the right types.
 *
 * @throws {TypeError} for a non-object, an unknown key or a wrongly typed call option
 */
export function checkOptions<T extends object>(
  method: string,
  options: T | undefined,
  allowed: readonly string[],
): T {
  if (options === undefined) return {} as T;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`Invalid options for ${method}(): expected an object`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key) && !CALL_OPTION_KEYS.includes(key)) {
      throw new TypeError(`Unknown option "${key}" for ${method}()`);
    }
  }
  const call = options as CallOptions;
  if (call.credentials !== undefined) checkCredentials(call.credentials);
  if (call.requireLeader !== undefined && typeof call.requireLeader !== "boolean") {
    throw new TypeError(`Invalid option "requireLeader" for ${method}(): expected a boolean`);
  }
  if (call.signal !== undefined && !(call.signal instanceof AbortSignal)) {
    throw new TypeError(`Invalid option "signal" for ${method}(): expected an AbortSignal`);
  }
  if (call.timeout !== undefined) checkPositive(call.timeout, `option "timeout" for ${method}()`);
  return options;
}

/**
 * Checks credentials without ever echoing them.
 *
 * @throws {TypeError} when they are not `{username: string, password: string}`
 */
export function checkCredentials(value: unknown): Credentials {
  const credentials = value as Credentials;
  if (
    typeof credentials !== "object" || credentials === null ||
    typeof credentials.username !== "string" || typeof credentials.password !== "string"
  ) {
    throw new TypeError("Invalid credentials: expected { username: string, password: string }");
  }
  return credentials;
}

/**
 * Checks a stream name.
 *
 * @throws {TypeError} when it is not a non-empty string
 */
export function checkStream(stream: unknown, method: string): string {
  if (typeof stream !== "string" || stream.length === 0) {
    throw new TypeError(`Invalid stream name for ${method}(): expected a non-empty string`);
  }
  return stream;
}

/**
 * Checks a positive finite number of milliseconds.
 *
 * @throws {RangeError} otherwise
 */
export function checkPositive(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Invalid ${what} ${String(value)}: expected a positive number`);
  }
  return value;
}

/**
 * Checks a page size: an integer from 1 to 4096.
 *
 * @throws {RangeError} otherwise
 */
export function checkBatch(value: unknown, what: string): number {
  if (
    typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_READ_BATCH
  ) {
    throw new RangeError(
      `Invalid ${what} ${String(value)}: expected an integer from 1 to ${MAX_READ_BATCH}`,
    );
  }
  return value;
}

/** Read direction. */
export type Direction = "forward" | "backward";

/**
 * Checks a direction.
 *
 * @throws {TypeError} unless it is "forward" or "backward"
 */
export function checkDirection(value: unknown, method: string): Direction {
  if (value === undefined) return "forward";
  if (value !== "forward" && value !== "backward") {
    throw new TypeError(
      `Invalid option "direction" for ${method}(): expected "forward" or "backward"`,
    );
  }
  return value;
}
