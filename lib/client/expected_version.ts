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
 * import { ExpectedVersion } from "./expected_version.ts";
 * const expectation = ExpectedVersion.NoStream; // the stream must not exist yet
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
