/**
 * The write rules: expected version and idempotency checks of a commit, as the real server decides
 * them (docs/protocol.md §4.5), over the {@linkcode EventLog}.
 *
 * @module
 */

import type { EventLog } from "./event_log.ts";
import { EXPECTED_ANY, EXPECTED_NO_STREAM, EXPECTED_STREAM_EXISTS } from "./expected_version.ts";
import { DELETED_STREAM, metastreamOf } from "./stream_metadata.ts";

/** What a commit does. */
export type CommitDecision =
  | {
    readonly kind: "ok";
    readonly current: bigint;
    /** The stream is soft-deleted: the write revives it. */
    readonly softDeleted: boolean;
  }
  | {
    readonly kind: "idempotent";
    readonly current: bigint;
    /** The number of the event the first id matched. */
    readonly first: bigint;
    /** The number of the event the last id matched. */
    readonly last: bigint;
  }
  | { readonly kind: "wrong-expected-version"; readonly current: bigint }
  | { readonly kind: "deleted" };

/**
 * The server's `IndexWriter.CheckCommit` (docs/protocol.md §4.5): what a write of events with
 * `ids` to `stream` at `expected` does, decided before anything is written.
 */
export function checkCommit(
  log: EventLog,
  stream: string,
  expected: bigint,
  ids: readonly string[],
): CommitDecision {
  const current = log.lastEventNumber(stream);
  if (current === DELETED_STREAM) return { kind: "deleted" };
  if (expected === EXPECTED_STREAM_EXISTS) {
    if (log.isSoftDeleted(stream)) return { kind: "deleted" };
    if (current < 0n && log.lastEventNumber(metastreamOf(stream)) < 0n) {
      return { kind: "wrong-expected-version", current };
    }
  }
  if (expected === EXPECTED_ANY || expected === EXPECTED_STREAM_EXISTS) {
    let first = -1n;
    let last = -1n;
    for (let i = 0; i < ids.length; i++) {
      const known = log.firstWithId(ids[i]);
      if (!known || known.stream !== stream) {
        return i === 0
          ? { kind: "ok", current, softDeleted: log.isSoftDeleted(stream) }
          : { kind: "wrong-expected-version", current };
      }
      if (i === 0) first = known.eventNumber;
      last = known.eventNumber;
    }
    if (ids.length === 0) return { kind: "ok", current, softDeleted: log.isSoftDeleted(stream) };
    return { kind: "idempotent", current, first, last };
  }
  if (expected < current) {
    let number = expected;
    for (const id of ids) {
      number += 1n;
      const known = log.firstWithId(id);
      if (known && known.stream === stream && known.eventNumber === number) continue;
      if (log.eventAt(stream, number)?.eventId === id) continue;
      if (number !== expected + 1n) return { kind: "wrong-expected-version", current };
      if (expected === EXPECTED_NO_STREAM && log.isSoftDeleted(stream)) {
        return { kind: "ok", current, softDeleted: true };
      }
      return { kind: "wrong-expected-version", current };
    }
    return number === expected
      ? { kind: "wrong-expected-version", current }
      : { kind: "idempotent", current, first: expected + 1n, last: number };
  }
  if (expected > current) return { kind: "wrong-expected-version", current };
  return { kind: "ok", current, softDeleted: log.isSoftDeleted(stream) };
}
