/**
 * The options every client method accepts last, and the argument checks that run before anything
 * is sent.
 *
 * @module
 */

import type { Credentials } from "../wire/package_codec.ts";
import { checkEventData, type EventData } from "./new_event.ts";
import { Position } from "./position.ts";
import type { AllFilter } from "./read_operations.ts";

/** Options every client method accepts as its last argument. */
export interface CallOptions {
  /** Credentials for this call, overriding the connection's default. */
  readonly credentials?: Credentials;
  /** Whether only the leader node may handle the request (default: the connection's, `true`). */
  readonly requireLeader?: boolean;
  /** Cancels the call. */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds to wait for the reply (default: the connection's operation timeout). It starts
   * when the call is sent, or when it starts waiting for a lost connection, not while it waits
   * behind the operations already in flight on a live connection; it runs across re-sends.
   */
  readonly timeout?: number;
}

/** The keys of {@linkcode CallOptions}. */
export const CALL_OPTION_KEYS: readonly string[] = [
  "credentials",
  "requireLeader",
  "signal",
  "timeout",
];

/** Largest page a read may ask for (docs/protocol.md §4.8). */
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

/**
 * Checks an optional boolean option.
 *
 * @throws {TypeError} unless it is a boolean or absent
 */
export function checkBoolean(value: unknown, key: string, method: string): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(`Invalid option "${key}" for ${method}(): expected a boolean`);
  }
  return value;
}

/**
 * Checks an optional callback option.
 *
 * @throws {TypeError} unless it is a function or absent
 */
export function checkCallback<T>(value: T, key: string, method: string): T {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`Invalid option "${key}" for ${method}(): expected a function`);
  }
  return value;
}

/**
 * Checks an optional count option: an integer >= 1, `fallback` when absent.
 *
 * @throws {RangeError} otherwise
 */
export function checkCount(value: unknown, key: string, method: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Invalid option "${key}" ${String(value)} for ${method}(): expected an integer >= 1`,
    );
  }
  return value;
}

/**
 * Checks an optional `Position` option.
 *
 * @throws {TypeError} unless it is a `Position` or absent
 */
export function checkPosition(value: unknown, key: string, method: string): Position | undefined {
  if (value !== undefined && !(value instanceof Position)) {
    throw new TypeError(`Invalid option "${key}" for ${method}(): expected a Position`);
  }
  return value;
}

/**
 * Checks a `$all` filter, for reads and subscriptions alike: a non-empty list of string prefixes
 * or one regular expression, on stream ids or event types.
 *
 * @throws {TypeError} for anything else (an empty prefix list included: it would match nothing)
 */
export function checkFilter(value: unknown, method: string): AllFilter | undefined {
  if (value === undefined) return undefined;
  const filter = value as Record<string, unknown>;
  const valid = typeof filter === "object" && filter !== null &&
    (filter.on === "streamId" || filter.on === "eventType") &&
    ((Array.isArray(filter.prefixes) && filter.prefixes.length > 0 &&
      filter.prefixes.every((p) => typeof p === "string") && filter.regex === undefined) ||
      (typeof filter.regex === "string" && filter.prefixes === undefined));
  if (!valid) {
    throw new TypeError(
      `Invalid option "filter" for ${method}(): expected { on: "streamId" | "eventType", prefixes: string[] } or { on, regex: string }`,
    );
  }
  return value as AllFilter;
}

/**
 * Checks the first event number of a stream read: >= 0 forward, -1 (the end) or >= 0 backward.
 *
 * @throws {RangeError} otherwise
 */
export function checkFrom(from: bigint, direction: Direction, method: string): bigint {
  if (direction === "forward" ? from < 0n : from < -1n) {
    throw new RangeError(
      `Invalid option "fromEvent" ${from} for ${method}(): expected ${
        direction === "forward" ? "a number >= 0" : "-1 (the end) or a number >= 0"
      }`,
    );
  }
  return from;
}

/**
 * Checks a list of events built with `newEvent()`.
 *
 * @throws {TypeError} for anything else
 */
export function checkEvents(events: unknown, method: string): EventData[] {
  if (!Array.isArray(events)) {
    throw new TypeError(`Invalid events for ${method}(): expected an array of newEvent() results`);
  }
  return events.map(checkEventData);
}

/**
 * Checks a persistent subscription group name.
 *
 * @throws {TypeError} unless it is a non-empty string
 */
export function checkGroup(group: unknown, method: string): string {
  if (typeof group !== "string" || group.length === 0) {
    throw new TypeError(`Invalid group name for ${method}(): expected a non-empty string`);
  }
  return group;
}

/**
 * Checks a stream whose metadata is read or written: not itself a metastream.
 *
 * @throws {TypeError} for an empty name or a `$$` metastream
 */
export function checkMetadataStream(stream: unknown, method: string): string {
  checkStream(stream, method);
  if ((stream as string).startsWith("$$")) {
    throw new TypeError(`Invalid stream name "${stream}": a metastream has no metadata`);
  }
  return stream as string;
}
