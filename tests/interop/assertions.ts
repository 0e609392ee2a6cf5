/**
 * Assertions shared by the interop test files (node-eventstore-client scenarios).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ScenarioResult } from "./harness.ts";

/** long.MaxValue, the hard-deleted stream marker, as NEC reports it (a decimal string). */
export const LONG_MAX = "9223372036854775807";

/** A position as the scenarios print it. */
export interface Pos {
  commit: string;
  prepare: string;
}

/** Orders two positions: -1, 0 or 1. */
export function comparePos(a: Pos, b: Pos): number {
  const ac = BigInt(a.commit), bc = BigInt(b.commit);
  if (ac !== bc) return ac < bc ? -1 : 1;
  const ap = BigInt(a.prepare), bp = BigInt(b.prepare);
  return ap === bp ? 0 : ap < bp ? -1 : 1;
}

/** Asserts that positions are strictly increasing. */
export function assertIncreasing(positions: Pos[], what: string): void {
  for (let i = 1; i < positions.length; i++) {
    assert.ok(
      comparePos(positions[i - 1], positions[i]) < 0,
      `${what}: position ${i} ${JSON.stringify(positions[i])} is not after ` +
        `${JSON.stringify(positions[i - 1])}`,
    );
  }
}

/** An `outcome()` that must be a NEC WrongExpectedVersionError with these details. */
export function assertWrongExpectedVersion(
  outcome: ScenarioResult,
  details: { action: string; stream?: string; expectedVersion?: number },
): void {
  assert.equal(
    outcome.value,
    undefined,
    `expected WrongExpectedVersionError, got success`,
  );
  assert.equal(
    outcome.error.name,
    "WrongExpectedVersionError",
    outcome.error.message,
  );
  assert.equal(outcome.error.action, details.action);
  if (details.stream !== undefined) {
    assert.equal(outcome.error.stream, details.stream);
  }
  if (details.expectedVersion !== undefined) {
    assert.equal(outcome.error.expectedVersion, details.expectedVersion);
  }
}

/** An `outcome()` that must be a NEC StreamDeletedError for `stream`. */
export function assertStreamDeleted(outcome: ScenarioResult, stream: string): void {
  assert.equal(
    outcome.value,
    undefined,
    `expected StreamDeletedError, got success`,
  );
  assert.equal(outcome.error.name, "StreamDeletedError", outcome.error.message);
  assert.equal(outcome.error.stream, stream);
}

/** An `outcome()` that must be a NEC AccessDeniedError for `action` on `stream`. */
export function assertAccessDenied(
  outcome: ScenarioResult,
  action: string,
  stream: string,
): void {
  assert.equal(
    outcome.value,
    undefined,
    `expected AccessDeniedError, got success`,
  );
  assert.equal(outcome.error.name, "AccessDeniedError", outcome.error.message);
  assert.equal(outcome.error.action, action);
  assert.equal(outcome.error.stream, stream);
}

/** Asserts a stream slice's status, event numbers, next and last event numbers and end flag. */
export function assertSlice(
  actual: ScenarioResult,
  expected: {
    status?: string;
    numbers: number[];
    next: number | string;
    last: number | string;
    end: boolean;
  },
  what: string,
): void {
  assert.deepEqual(
    {
      status: actual.status,
      numbers: actual.numbers,
      next: actual.nextEventNumber,
      last: actual.lastEventNumber,
      end: actual.isEndOfStream,
    },
    {
      status: expected.status ?? "success",
      numbers: expected.numbers,
      next: expected.next,
      last: expected.last,
      end: expected.end,
    },
    what,
  );
}

/** The integers from `from` to `to`, both included, ascending or descending. */
export const range = (from: number, to: number): number[] =>
  from <= to
    ? Array.from({ length: to - from + 1 }, (_, i) => from + i)
    : Array.from({ length: from - to + 1 }, (_, i) => from - i);

/** Parses the soft-delete metadata text keeping 64-bit numbers exact. */
export function parseExact(json: string): unknown {
  return JSON.parse(json.replace(/:\s*(-?\d{16,})/g, ':"$1"'));
}
