import assert from "node:assert/strict";
import { MemoryStorage, type WriteOutcome } from "../../lib/memstore/storage.ts";
import { ev, evs, meta } from "./support/events.ts";

const ANY = -2n;
const NO_STREAM = -1n;
const STREAM_EXISTS = -4n;

function numbers(outcome: WriteOutcome): [bigint, bigint] {
  assert.equal(
    outcome.status,
    "success",
    JSON.stringify(outcome, (_, v) => typeof v === "bigint" ? `${v}` : v),
  );
  if (outcome.status !== "success") throw new Error("unreachable");
  return [outcome.firstEventNumber, outcome.lastEventNumber];
}

function wev(outcome: WriteOutcome, current: bigint): void {
  assert.deepEqual(outcome, { status: "wrong-expected-version", currentVersion: current });
}

/** A stream with events 0..last. */
function withEvents(storage: MemoryStorage, stream: string, count: number): void {
  numbers(storage.append(stream, ANY, evs(count)));
}

// ---- decision table, docs/protocol.md §4.5: stream never existed ------------------------------------

Deno.test("append with Any to a missing stream writes events 0..k-1", () => {
  const s = new MemoryStorage();
  assert.deepEqual(numbers(s.append("s", ANY, evs(3))), [0n, 2n]);
});

Deno.test("append with NoStream to a missing stream succeeds", () => {
  const s = new MemoryStorage();
  assert.deepEqual(numbers(s.append("s", NO_STREAM, evs(2))), [0n, 1n]);
});

Deno.test("append with StreamExists to a missing stream is WrongExpectedVersion, current -1", () => {
  wev(new MemoryStorage().append("s", STREAM_EXISTS, evs(1)), -1n);
});

Deno.test("append with an exact version to a missing stream is WrongExpectedVersion, current -1", () => {
  wev(new MemoryStorage().append("s", 0n, evs(1)), -1n);
  wev(new MemoryStorage().append("s", 5n, evs(1)), -1n);
});

// ---- stream with events 0..2 (L = 2) ------------------------------------------------------------

Deno.test("append with Any to a stream with events appends at L+1", () => {
  const s = new MemoryStorage();
  withEvents(s, "s", 3);
  assert.deepEqual(numbers(s.append("s", ANY, evs(2))), [3n, 4n]);
});

Deno.test("append with NoStream to a stream with events is WrongExpectedVersion(L)", () => {
  const s = new MemoryStorage();
  withEvents(s, "s", 3);
  wev(s.append("s", NO_STREAM, evs(1)), 2n);
});

Deno.test("append with StreamExists to a stream with events succeeds like Any", () => {
  const s = new MemoryStorage();
  withEvents(s, "s", 3);
  assert.deepEqual(numbers(s.append("s", STREAM_EXISTS, evs(1))), [3n, 3n]);
});

Deno.test("append with exact N = L succeeds; N > L and N < L are WrongExpectedVersion(L)", () => {
  const s = new MemoryStorage();
  withEvents(s, "s", 3);
  wev(s.append("s", 3n, evs(1)), 2n);
  wev(s.append("s", 1n, evs(1)), 2n);
  assert.deepEqual(numbers(s.append("s", 2n, evs(1))), [3n, 3n]);
});

// ---- only the metastream has events -------------------------------------------------------------

Deno.test("a stream with only metadata accepts Any, NoStream and StreamExists but not exact 0", () => {
  for (const expected of [ANY, NO_STREAM, STREAM_EXISTS]) {
    const s = new MemoryStorage();
    numbers(s.append("$$s", ANY, [meta({ custom: 1 })]));
    assert.deepEqual(numbers(s.append("s", expected, evs(1))), [0n, 0n], `expected ${expected}`);
  }
  const s = new MemoryStorage();
  numbers(s.append("$$s", ANY, [meta({ custom: 1 })]));
  wev(s.append("s", 0n, evs(1)), -1n);
});

// ---- soft-deleted stream (events 0..1 then soft delete) ----------------------------------------

function softDeleted(): MemoryStorage {
  const s = new MemoryStorage();
  withEvents(s, "s", 2);
  assert.equal(s.deleteStream("s", ANY, false).status, "success");
  return s;
}

Deno.test("append with Any, NoStream or exact L to a soft-deleted stream recreates it at L+1", () => {
  for (const expected of [ANY, NO_STREAM, 1n]) {
    const s = softDeleted();
    assert.deepEqual(numbers(s.append("s", expected, evs(3))), [2n, 4n], `expected ${expected}`);
    const read = s.readStreamForward("s", 0n, 100);
    assert.equal(read.status, "success");
    if (read.status !== "success") return;
    assert.deepEqual(read.events.map((e) => e.eventNumber), [2n, 3n, 4n]);
    assert.equal(read.lastEventNumber, 4n);
    assert.equal(s.metadataOf("s").truncateBefore, 2n);
    assert.equal(s.lastEventNumber("$$s"), 1n);
  }
});

Deno.test("append with StreamExists to a soft-deleted stream is StreamDeleted", () => {
  assert.deepEqual(softDeleted().append("s", STREAM_EXISTS, evs(1)), { status: "stream-deleted" });
});

Deno.test("append with a wrong exact version to a soft-deleted stream is WrongExpectedVersion(L)", () => {
  wev(softDeleted().append("s", 5n, evs(1)), 1n);
  wev(softDeleted().append("s", 0n, evs(1)), 1n);
});

Deno.test("only the first write recreates a soft-deleted stream; a second NoStream write is WEV", () => {
  const s = softDeleted();
  numbers(s.append("s", NO_STREAM, evs(1)));
  wev(s.append("s", NO_STREAM, evs(1)), 2n);
});

// ---- hard-deleted stream ------------------------------------------------------------------------

Deno.test("append with any expected version to a hard-deleted stream is StreamDeleted", () => {
  for (const expected of [ANY, NO_STREAM, STREAM_EXISTS, 0n, 1n]) {
    const s = new MemoryStorage();
    withEvents(s, "s", 2);
    assert.equal(s.deleteStream("s", ANY, true).status, "success");
    assert.deepEqual(s.append("s", expected, evs(1)), { status: "stream-deleted" }, `${expected}`);
  }
});

// ---- idempotency ---------------------------------------------------------------------------------

Deno.test("repeating a write with Any and the same ids succeeds without writing", () => {
  const s = new MemoryStorage();
  const events = evs(3);
  assert.deepEqual(numbers(s.append("s", ANY, events)), [0n, 2n]);
  const again = s.append("s", ANY, events);
  assert.deepEqual(numbers(again), [0n, 2n]);
  assert.equal(again.status === "success" && again.idempotent, true);
  assert.equal(s.lastEventNumber("s"), 2n);
  assert.equal(s.allCount, 3);
});

Deno.test("Any with the first id known but a later one new is WrongExpectedVersion", () => {
  const s = new MemoryStorage();
  const events = evs(2);
  numbers(s.append("s", ANY, events));
  wev(s.append("s", ANY, [events[0], ev()]), 1n);
});

Deno.test("Any with an id known only in another stream writes normally", () => {
  const s = new MemoryStorage();
  const e = ev();
  numbers(s.append("a", ANY, [e]));
  assert.deepEqual(numbers(s.append("b", ANY, [e])), [0n, 0n]);
});

Deno.test("NoStream repeated with the same ids is idempotent (sequence 0em1 0em1)", () => {
  const s = new MemoryStorage();
  const events = evs(2);
  numbers(s.append("s", NO_STREAM, events));
  const again = s.append("s", NO_STREAM, events);
  assert.deepEqual(numbers(again), [0n, 1n]);
  assert.equal(s.lastEventNumber("s"), 1n);
});

Deno.test("exact N < current with matching ids is idempotent; a mismatch is WEV", () => {
  // appending_to_implicitly_created_stream: 0em1 1e0 2e1 3e2 4e3 5e4, then 1e0 again is idempotent.
  const s = new MemoryStorage();
  const events = evs(6);
  events.forEach((e, i) => numbers(s.append("s", BigInt(i) - 1n, [e])));
  assert.deepEqual(numbers(s.append("s", 0n, [events[1]])), [1n, 1n]);
  // ... and 0e6 ("wrong expected version" for a new id at an old position).
  wev(s.append("s", 0n, [ev()]), 5n);
});

Deno.test("exact N < current where the request runs past the end is WEV", () => {
  const s = new MemoryStorage();
  const events = evs(2);
  numbers(s.append("s", NO_STREAM, events));
  wev(s.append("s", NO_STREAM, [...events, ev()]), 1n);
});

Deno.test("Any then Any with the same events twice returns the same numbers (multiple_idempotent_writes)", () => {
  const s = new MemoryStorage();
  const events = evs(4);
  assert.deepEqual(numbers(s.append("s", ANY, events)), [0n, 3n]);
  assert.deepEqual(numbers(s.append("s", ANY, events)), [0n, 3n]);
});

Deno.test("an idempotent success reports the position of the last matching event", () => {
  const s = new MemoryStorage();
  const events = evs(2);
  const first = s.append("s", ANY, events);
  const again = s.append("s", ANY, events);
  assert.equal(first.status === "success" && again.status === "success", true);
  if (first.status !== "success" || again.status !== "success") return;
  assert.equal(again.position, first.position);
});

// ---- writes with zero events --------------------------------------------------------------------

Deno.test("empty writes follow the expected-version rules and write nothing", () => {
  const s = new MemoryStorage();
  assert.deepEqual(numbers(s.append("s", ANY, [])), [0n, -1n]);
  assert.deepEqual(numbers(s.append("s", NO_STREAM, [])), [0n, -1n]);
  wev(s.append("s", STREAM_EXISTS, []), -1n);
  assert.equal(s.allCount, 0);
  withEvents(s, "s", 2);
  assert.deepEqual(numbers(s.append("s", 1n, [])), [2n, 1n]);
  wev(s.append("s", 0n, []), 1n);
  wev(s.append("s", NO_STREAM, []), 1n);
  assert.equal(s.allCount, 2);
});

// ---- positions ----------------------------------------------------------------------------------

Deno.test("every write gets strictly increasing positions with commit = prepare", () => {
  const s = new MemoryStorage();
  let previous = -1;
  for (let i = 0; i < 5; i++) {
    const outcome = s.append(`s-${i % 2}`, ANY, evs(2));
    assert.equal(outcome.status, "success");
    if (outcome.status !== "success") return;
    assert.ok(outcome.position > previous);
    previous = outcome.position;
  }
  const all = s.readAllForward({ commit: 0, prepare: 0 }, 100);
  assert.equal(all.status, "success");
  if (all.status !== "success") return;
  for (const e of all.events) assert.equal(e.commitPosition, e.preparePosition);
});

Deno.test("commit listeners receive each committed batch in log order", () => {
  const s = new MemoryStorage();
  const batches: string[][] = [];
  const stop = s.onCommit((events) =>
    batches.push(events.map((e) => `${e.stream}@${e.eventNumber}`))
  );
  s.append("a", ANY, evs(2));
  s.append("a", NO_STREAM, evs(1)); // WEV: no batch
  s.deleteStream("b", ANY, true);
  stop();
  s.append("a", ANY, evs(1));
  assert.deepEqual(batches, [["a@0", "a@1"], ["b@9223372036854775807"]]);
});
