/**
 * Expected-version constants for optimistic concurrency (docs/protocol.md §4.5).
 *
 * @module
 */

/**
 * Expected versions: a special value, or the exact number of the stream's last event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, ExpectedVersion, WrongExpectedVersionError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await conn.publishEvent("orders-1", "order_placed", {
 *   body: {},
 *   expectedVersion: ExpectedVersion.NoStream, // the stream must not exist yet
 * });
 * await conn.publishEvent("orders-1", "order_paid", { body: {}, expectedVersion: 0n });
 * await assert.rejects(
 *   conn.publishEvent("orders-1", "order_paid", { body: {}, expectedVersion: 0n }),
 *   (error) => error instanceof WrongExpectedVersionError && error.currentVersion === 1n,
 * );
 * ```
 */
export const ExpectedVersion = {
  /** No concurrency check. */
  Any: -2n,
  /** The stream must not exist. */
  NoStream: -1n,
  /** The stream must exist and be empty (same wire value as `NoStream`, as in the .NET client). */
  EmptyStream: -1n,
  /** The stream must exist (it may be empty). */
  StreamExists: -4n,
} as const;

/** An expected version: one of {@linkcode ExpectedVersion} or an exact event number. */
export type ExpectedVersionValue = bigint | number;

/**
 * Normalises an expected version to the bigint sent on the wire.
 *
 * @throws {RangeError} for values the server does not accept (−3, below −4, non-integers)
 */
export function toExpectedVersion(value: ExpectedVersionValue, name = "expectedVersion"): bigint {
  const version = toBigInt(value, name);
  if (version < -4n || version === -3n) {
    throw new RangeError(
      `Invalid ${name} ${version}: use ExpectedVersion.Any, NoStream, StreamExists or a number >= 0`,
    );
  }
  return version;
}

/**
 * Converts an event number or version given as `number` or `bigint` to `bigint`.
 *
 * @throws {TypeError} if it is neither, or a non-integer number
 */
export function toBigInt(value: bigint | number, name: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new TypeError(`Invalid ${name} ${String(value)}: expected an integer or bigint`);
}
