import assert from "node:assert/strict";
import { MemoryStorage, type WriteOutcome } from "../../lib/memstore/storage.ts";
import { DELETED_STREAM } from "../../lib/memstore/stream_metadata.ts";
import { evs, meta } from "./support/events.ts";

const ANY = -2n;
const NO_STREAM = -1n;
const STREAM_EXISTS = -4n;

function ok(outcome: WriteOutcome): Extract<WriteOutcome, { status: "success" }> {
  assert.equal(outcome.status, "success");
  return outcome as Extract<WriteOutcome, { status: "success" }>;
}

function twoEvents(): MemoryStorage {
  const s = new MemoryStorage();
  ok(s.append("s", ANY, evs(2)));
  return s;
}

Deno.test('a soft delete writes {"$tb": long.MaxValue} as a fresh $metadata event of $$s', () => {
  const s = twoEvents();
  ok(s.append("$$s", ANY, [meta({ $maxCount: 5, custom: "x" })]));
  const deleted = ok(s.deleteStream("s", ANY, false));
  assert.equal(deleted.currentVersion, 1n);
  const last = s.rawMetadataOf("s")!;
  assert.equal(last.eventType, "$metadata");
  assert.equal(new TextDecoder().decode(last.data), '{"$tb":9223372036854775807}');
  assert.equal(s.isSoftDeleted("s"), true);
});

Deno.test("a soft-deleted stream reads as NoStream with the old last number", () => {
  const s = twoEvents();
  ok(s.deleteStream("s", ANY, false));
  assert.deepEqual(s.readStreamForward("s", 0n, 10), { status: "no-stream", lastEventNumber: 1n });
  assert.deepEqual(s.readStreamBackward("s", -1n, 10), {
    status: "no-stream",
    lastEventNumber: 1n,
  });
  assert.deepEqual(s.readEvent("s", 0n), { status: "no-stream" });
});

Deno.test("recreating a soft-deleted stream keeps metadata keys set alongside a hand-written $tb", () => {
  const s = twoEvents();
  ok(s.append("$$s", ANY, [meta({ $tb: "x", $maxCount: 100, $acl: { $r: "$all" }, key: 1 })]));
  ok(s.append("$$s", ANY, [meta(`{"$tb":9223372036854775807,"$maxCount":100,"key":1}`)]));
  assert.equal(s.isSoftDeleted("s"), true);
  ok(s.append("s", ANY, evs(1)));
  const metadata = JSON.parse(new TextDecoder().decode(s.rawMetadataOf("s")!.data));
  assert.deepEqual(metadata, { $tb: 2, $maxCount: 100, key: 1 });
});

Deno.test("setting JSON metadata on a soft-deleted stream undeletes it with $tb = old last + 1", () => {
  const s = twoEvents();
  ok(s.deleteStream("s", ANY, false));
  ok(s.append("$$s", ANY, [meta({ custom: true })]));
  assert.equal(s.lastEventNumber("$$s"), 2n);
  assert.equal(s.metadataOf("s").truncateBefore, 2n);
  const read = s.readStreamForward("s", 0n, 10);
  assert.equal(read.status, "success");
  assert.equal(read.status === "success" && read.events.length, 0);
  assert.equal(read.status === "success" && read.lastEventNumber, 1n);
});

Deno.test("setting metadata on a soft-deleted stream that never had events sets $tb 0 and it stays NoStream", () => {
  const s = new MemoryStorage();
  ok(s.append("$$s", ANY, [meta({ a: 1 })]));
  ok(s.deleteStream("s", ANY, false));
  ok(s.append("$$s", ANY, [meta({ b: 1 })]));
  assert.equal(s.metadataOf("s").truncateBefore, 0n);
  assert.equal(s.readStreamForward("s", 0n, 10).status, "no-stream");
});

Deno.test("setting non-JSON metadata on a soft-deleted stream makes the old events readable", () => {
  const s = twoEvents();
  ok(s.deleteStream("s", ANY, false));
  ok(s.append("$$s", ANY, [meta("not json")]));
  assert.equal(s.lastEventNumber("$$s"), 1n);
  const read = s.readStreamForward("s", 0n, 10);
  assert.equal(read.status === "success" && read.events.length, 2);
});

Deno.test("soft-deleting a stream with neither events nor metadata is WrongExpectedVersion (21.10+)", () => {
  assert.deepEqual(new MemoryStorage().deleteStream("s", ANY, false), {
    status: "wrong-expected-version",
    currentVersion: -1n,
  });
});

Deno.test("a hard delete writes a $streamDeleted tombstone at long.MaxValue", () => {
  const s = twoEvents();
  const deleted = ok(s.deleteStream("s", 1n, true));
  assert.equal(deleted.currentVersion, DELETED_STREAM - 1n);
  const tombstone = s.eventAt("s", DELETED_STREAM)!;
  assert.equal(tombstone.eventType, "$streamDeleted");
  assert.equal(tombstone.data.length, 0);
  assert.equal(deleted.position, tombstone.preparePosition);
  assert.equal(s.lastEventNumber("s"), DELETED_STREAM);
});

Deno.test("a hard-deleted stream and its metastream read as StreamDeleted and refuse deletes", () => {
  const s = twoEvents();
  ok(s.deleteStream("s", ANY, true));
  assert.deepEqual(s.readStreamForward("s", 0n, 10), {
    status: "stream-deleted",
    lastEventNumber: DELETED_STREAM,
  });
  assert.deepEqual(s.readEvent("s", 0n), { status: "stream-deleted" });
  assert.deepEqual(s.readEvent("$$s", -1n), { status: "stream-deleted" });
  assert.deepEqual(s.append("$$s", ANY, [meta({})]), { status: "stream-deleted" });
  assert.deepEqual(s.deleteStream("s", ANY, true), { status: "stream-deleted" });
  assert.deepEqual(s.deleteStream("s", ANY, false), { status: "stream-deleted" });
});

Deno.test("hard-deleting a stream that never existed succeeds and leaves a tombstone", () => {
  const s = new MemoryStorage();
  ok(s.deleteStream("s", NO_STREAM, true));
  assert.deepEqual(s.append("s", ANY, evs(1)), { status: "stream-deleted" });
});

Deno.test("a soft-deleted stream can later be hard-deleted", () => {
  const s = twoEvents();
  ok(s.deleteStream("s", ANY, false));
  ok(s.deleteStream("s", ANY, true));
  assert.equal(s.isHardDeleted("s"), true);
});

Deno.test("deletes check the expected version like writes", () => {
  const s = twoEvents();
  assert.deepEqual(s.deleteStream("s", 0n, true), {
    status: "wrong-expected-version",
    currentVersion: 1n,
  });
  assert.deepEqual(s.deleteStream("s", NO_STREAM, true), {
    status: "wrong-expected-version",
    currentVersion: 1n,
  });
  assert.deepEqual(new MemoryStorage().deleteStream("s", STREAM_EXISTS, true), {
    status: "wrong-expected-version",
    currentVersion: -1n,
  });
  ok(s.deleteStream("s", STREAM_EXISTS, false));
});

// ---- transactions, docs/protocol.md §4.12 -------------------------------------------------------------

Deno.test("a transaction started with NoStream on a missing stream commits events 0..k-1", () => {
  const s = new MemoryStorage();
  const id = s.startTransaction("t", NO_STREAM);
  assert.equal(s.writeTransaction(id, evs(1)), true);
  assert.equal(s.readStreamForward("t", 0n, 10).status, "no-stream");
  const committed = ok(s.commitTransaction(id));
  assert.deepEqual([committed.firstEventNumber, committed.lastEventNumber], [0n, 0n]);
});

Deno.test("a transaction checks the expected version at commit time", () => {
  const s = new MemoryStorage();
  const wrong = s.startTransaction("t", 0n);
  s.writeTransaction(wrong, evs(1));
  assert.deepEqual(s.commitTransaction(wrong), {
    status: "wrong-expected-version",
    currentVersion: -1n,
  });
  const later = s.startTransaction("t", 0n);
  s.writeTransaction(later, evs(1));
  ok(s.append("t", ANY, evs(1)));
  assert.equal(ok(s.commitTransaction(later)).firstEventNumber, 1n);
});

Deno.test("an empty transaction commits with last = current", () => {
  const s = new MemoryStorage();
  const id = s.startTransaction("t", NO_STREAM);
  const committed = ok(s.commitTransaction(id));
  assert.deepEqual([committed.firstEventNumber, committed.lastEventNumber], [0n, -1n]);
});

Deno.test("committing an unknown or already committed transaction is InvalidTransaction", () => {
  const s = new MemoryStorage();
  assert.deepEqual(s.commitTransaction(12345), { status: "invalid-transaction" });
  const id = s.startTransaction("t", ANY);
  ok(s.commitTransaction(id));
  assert.deepEqual(s.commitTransaction(id), { status: "invalid-transaction" });
  assert.equal(s.writeTransaction(id, evs(1)), false);
});

Deno.test("explicit transactions with Any are idempotent by event id", () => {
  const s = new MemoryStorage();
  const events = evs(2);
  const a = s.startTransaction("t", ANY);
  s.writeTransaction(a, events);
  ok(s.commitTransaction(a));
  const b = s.startTransaction("t", ANY);
  s.writeTransaction(b, events);
  const again = ok(s.commitTransaction(b));
  assert.equal(again.idempotent, true);
  assert.equal(s.lastEventNumber("t"), 1n);
});

Deno.test("a stream hard-deleted between start and commit fails the commit with StreamDeleted", () => {
  const s = new MemoryStorage();
  const id = s.startTransaction("t", ANY);
  s.writeTransaction(id, evs(1));
  ok(s.deleteStream("t", ANY, true));
  assert.deepEqual(s.commitTransaction(id), { status: "stream-deleted" });
});
