/**
 * The idempotency cases of the real server's own ClientAPI tests (`append_to_stream` and
 * `appending_to_implicitly_created_stream` in EventStore.Core.Tests), with the versions the
 * server reports. Names follow the server's: `0em1` = event 0 written with expected version −1,
 * `1e0` = event 1 with expected version 0, `S_…_E` = one batch.
 */
import assert from "node:assert/strict";
import { MemoryStorage, type NewEventData, type WriteOutcome } from "../../lib/memstore/storage.ts";
import { ev } from "./support/events.ts";

const ANY = -2n;
const NO_STREAM = -1n;

function reported(outcome: WriteOutcome): bigint {
  assert.equal(outcome.status, "success", JSON.stringify(outcome, (_, v) => `${v}`));
  if (outcome.status !== "success") throw new Error("unreachable");
  return outcome.lastEventNumber;
}

function wrongExpectedVersion(outcome: WriteOutcome, current: bigint): void {
  assert.deepEqual(outcome, { status: "wrong-expected-version", currentVersion: current });
}

/** Writes `count` events one at a time with expected versions −1, 0, 1, … (a StreamWriter). */
function writeOneByOne(storage: MemoryStorage, stream: string, count: number): NewEventData[] {
  const events = Array.from({ length: count }, () => ev());
  events.forEach((e, i) =>
    assert.equal(reported(storage.append(stream, BigInt(i - 1), [e])), BigInt(i))
  );
  return events;
}

function total(storage: MemoryStorage, stream: string): number {
  const read = storage.readStreamForward(stream, 0n, 100);
  return read.status === "success" ? read.events.length : 0;
}

// ---- appending_to_implicitly_created_stream ---------------------------------------------------

Deno.test("sequence_0em1_1e0_2e1_3e2_4e3_5e4_0em1 is idempotent and reports 0", () => {
  const s = new MemoryStorage();
  const events = writeOneByOne(s, "s", 6);
  assert.equal(reported(s.append("s", NO_STREAM, [events[0]])), 0n);
  assert.equal(total(s, "s"), 6);
});

Deno.test("sequence_0em1_1e0_2e1_3e2_4e3_4e4_0any is idempotent and reports 0", () => {
  const s = new MemoryStorage();
  const events = writeOneByOne(s, "s", 6);
  assert.equal(reported(s.append("s", ANY, [events[0]])), 0n);
  assert.equal(total(s, "s"), 6);
});

Deno.test("sequence_0em1_1e0_2e1_3e2_4e3_5e4_0e5 is not idempotent: a 7th event, reported 6", () => {
  const s = new MemoryStorage();
  const events = writeOneByOne(s, "s", 6);
  assert.equal(reported(s.append("s", 5n, [events[0]])), 6n);
  assert.equal(total(s, "s"), 7);
});

Deno.test("sequence_0em1_1e0_2e1_3e2_4e3_5e4_0e6 is WrongExpectedVersion", () => {
  const s = new MemoryStorage();
  const events = writeOneByOne(s, "s", 6);
  wrongExpectedVersion(s.append("s", 6n, [events[0]]), 5n);
});

Deno.test("sequence_0em1_1e0_2e1_3e2_4e3_5e4_0e4 is WrongExpectedVersion", () => {
  const s = new MemoryStorage();
  const events = writeOneByOne(s, "s", 6);
  wrongExpectedVersion(s.append("s", 4n, [events[0]]), 5n);
  assert.equal(total(s, "s"), 6);
});

Deno.test("sequence_0em1_0e0 is not idempotent: a second event, reported 1", () => {
  const s = new MemoryStorage();
  const events = writeOneByOne(s, "s", 1);
  assert.equal(reported(s.append("s", 0n, [events[0]])), 1n);
  assert.equal(total(s, "s"), 2);
});

Deno.test("sequence_0em1_0any is idempotent and reports 0", () => {
  const s = new MemoryStorage();
  const events = writeOneByOne(s, "s", 1);
  assert.equal(reported(s.append("s", ANY, [events[0]])), 0n);
  assert.equal(total(s, "s"), 1);
});

Deno.test("sequence_0em1_0em1 is idempotent and reports 0", () => {
  const s = new MemoryStorage();
  const events = writeOneByOne(s, "s", 1);
  assert.equal(reported(s.append("s", NO_STREAM, [events[0]])), 0n);
  assert.equal(total(s, "s"), 1);
});

Deno.test("sequence_0em1_1e0_2e1_1any_1any is idempotent twice and reports 1", () => {
  const s = new MemoryStorage();
  const events = writeOneByOne(s, "s", 3);
  assert.equal(reported(s.append("s", ANY, [events[1]])), 1n);
  assert.equal(reported(s.append("s", ANY, [events[1]])), 1n);
  assert.equal(total(s, "s"), 3);
});

Deno.test("sequence_S_0em1_1em1_E_S_0em1_E is idempotent and reports 0", () => {
  const s = new MemoryStorage();
  const events = [ev(), ev()];
  assert.equal(reported(s.append("s", NO_STREAM, events)), 1n);
  assert.equal(reported(s.append("s", NO_STREAM, [events[0]])), 0n);
  assert.equal(total(s, "s"), 2);
});

Deno.test("sequence_S_0em1_1em1_E_S_0any_E is idempotent and reports 0", () => {
  const s = new MemoryStorage();
  const events = [ev(), ev()];
  s.append("s", NO_STREAM, events);
  assert.equal(reported(s.append("s", ANY, [events[0]])), 0n);
  assert.equal(total(s, "s"), 2);
});

Deno.test("sequence_S_0em1_1em1_E_S_1e0_E is idempotent and reports 1", () => {
  const s = new MemoryStorage();
  const events = [ev(), ev()];
  s.append("s", NO_STREAM, events);
  assert.equal(reported(s.append("s", 0n, [events[1]])), 1n);
  assert.equal(total(s, "s"), 2);
});

Deno.test("sequence_S_0em1_1em1_E_S_1any_E is idempotent and reports 1", () => {
  const s = new MemoryStorage();
  const events = [ev(), ev()];
  s.append("s", NO_STREAM, events);
  assert.equal(reported(s.append("s", ANY, [events[1]])), 1n);
  assert.equal(total(s, "s"), 2);
});

Deno.test("sequence_S_0em1_1em1_E_S_0em1_1em1_2em1_E fails idempotency: WrongExpectedVersion", () => {
  const s = new MemoryStorage();
  const events = [ev(), ev()];
  s.append("s", NO_STREAM, events);
  wrongExpectedVersion(s.append("s", NO_STREAM, [...events, ev()]), 1n);
  assert.equal(total(s, "s"), 2);
});

// ---- append_to_stream ---------------------------------------------------------------------------

Deno.test("multiple_idempotent_writes: the same four events with Any report 3 both times", () => {
  const s = new MemoryStorage();
  const events = [ev(), ev(), ev(), ev()];
  assert.equal(reported(s.append("s", ANY, events)), 3n);
  assert.equal(reported(s.append("s", ANY, events)), 3n);
  assert.equal(total(s, "s"), 4);
});

Deno.test("multiple_idempotent_writes_with_same_id_bug_case: six events sharing one id with Any report 5", () => {
  const s = new MemoryStorage();
  const x = ev();
  assert.equal(reported(s.append("s", ANY, [x, x, x, x, x, x])), 5n);
  assert.equal(total(s, "s"), 6);
});

Deno.test("in_wtf_multiple_case_of_multiple_writes_expected_version_any_per_all_same_id: 5, then 0", () => {
  const s = new MemoryStorage();
  const x = ev();
  const events = [x, x, x, x, x, x];
  assert.equal(reported(s.append("s", ANY, events)), 5n);
  // Every id matches the first event the id was written as (number 0).
  assert.equal(reported(s.append("s", ANY, events)), 0n);
  assert.equal(total(s, "s"), 6);
});

Deno.test("in_slightly_reasonable_multiple_case_of_multiple_writes_with_expected_version_per_all_same_id: 5, then 5", () => {
  const s = new MemoryStorage();
  const x = ev();
  const events = [x, x, x, x, x, x];
  assert.equal(reported(s.append("s", NO_STREAM, events)), 5n);
  assert.equal(reported(s.append("s", NO_STREAM, events)), 5n);
  assert.equal(total(s, "s"), 6);
});

// ---- appending_to_implicitly_created_stream_using_transaction -----------------------------------

function commit(s: MemoryStorage, stream: string, expected: bigint, events: NewEventData[]) {
  const id = s.startTransaction(stream, expected);
  s.writeTransaction(id, events);
  return s.commitTransaction(id);
}

Deno.test("transaction sequence_0em1_1e0_2e1_3e2_4e3_5e4_0em1 is idempotent and reports 0", () => {
  const s = new MemoryStorage();
  const events = Array.from({ length: 6 }, () => ev());
  assert.equal(reported(commit(s, "s", NO_STREAM, events)), 5n);
  assert.equal(reported(commit(s, "s", NO_STREAM, [events[0]])), 0n);
  assert.equal(total(s, "s"), 6);
});

Deno.test("transaction sequence_0em1_0any is idempotent and reports 0", () => {
  const s = new MemoryStorage();
  const events = [ev()];
  assert.equal(reported(commit(s, "s", NO_STREAM, events)), 0n);
  assert.equal(reported(commit(s, "s", ANY, events)), 0n);
  assert.equal(total(s, "s"), 1);
});

Deno.test("transaction sequence_S_0em1_1em1_E_S_0em1_1em1_2em1_E fails idempotency: WrongExpectedVersion", () => {
  const s = new MemoryStorage();
  const events = [ev(), ev()];
  commit(s, "s", NO_STREAM, events);
  wrongExpectedVersion(commit(s, "s", NO_STREAM, [...events, ev()]), 1n);
});
