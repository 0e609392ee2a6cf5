import assert from "node:assert/strict";
import { DELETED_STREAM } from "../../lib/memstore/stream_metadata.ts";
import {
  MemoryStorage,
  type StoredEvent,
  type StreamReadOutcome,
} from "../../lib/memstore/storage.ts";
import { ev, evs, meta } from "./support/events.ts";

const ANY = -2n;

function tenEvents(metadata?: unknown): MemoryStorage {
  const s = new MemoryStorage();
  if (metadata !== undefined) s.append("$$s", ANY, [meta(metadata)]);
  s.append("s", ANY, evs(10));
  return s;
}

function slice(outcome: StreamReadOutcome): [number[], bigint, bigint, boolean] {
  assert.equal(outcome.status, "success");
  if (outcome.status !== "success") throw new Error("unreachable");
  return [
    outcome.events.map((e) => Number(e.eventNumber)),
    outcome.nextEventNumber,
    outcome.lastEventNumber,
    outcome.isEndOfStream,
  ];
}

// ---- docs/protocol.md §4.8 worked examples, stream with events 0..9 ---------------------------------

const TABLE: [string, unknown, "fwd" | "bwd", bigint, number, number[], bigint, boolean][] = [
  ["fwd from 0, count 5", undefined, "fwd", 0n, 5, [0, 1, 2, 3, 4], 5n, false],
  ["fwd from 5, count 5", undefined, "fwd", 5n, 5, [5, 6, 7, 8, 9], 10n, true],
  ["fwd from 8, count 5", undefined, "fwd", 8n, 5, [8, 9], 10n, true],
  ["fwd from 10, count 5", undefined, "fwd", 10n, 5, [], 10n, true],
  ["fwd from 15, count 5", undefined, "fwd", 15n, 5, [], 10n, true],
  ["bwd from -1, count 3", undefined, "bwd", -1n, 3, [9, 8, 7], 6n, false],
  ["bwd from 2, count 5", undefined, "bwd", 2n, 5, [2, 1, 0], -1n, true],
  ["bwd from 15, count 3", undefined, "bwd", 15n, 3, [], 9n, false],
  ["bwd from 15, count 10", undefined, "bwd", 15n, 10, [9, 8, 7, 6], 5n, false],
  ["$maxCount 3: fwd from 0, count 5", { $maxCount: 3 }, "fwd", 0n, 5, [], 7n, false],
  ["$maxCount 3: fwd from 0, count 100", { $maxCount: 3 }, "fwd", 0n, 100, [7, 8, 9], 10n, true],
  ["$maxCount 3: bwd from -1, count 100", { $maxCount: 3 }, "bwd", -1n, 100, [9, 8, 7], -1n, true],
];

for (const [name, metadata, direction, from, count, events, next, end] of TABLE) {
  Deno.test(`stream read ${name} returns ${JSON.stringify(events)}, next ${next}, end ${end}`, () => {
    const s = tenEvents(metadata);
    const outcome = direction === "fwd"
      ? s.readStreamForward("s", from, count)
      : s.readStreamBackward("s", from, count);
    assert.deepEqual(slice(outcome), [events, next, 9n, end]);
  });
}

Deno.test("$tb hides events below it from stream reads without changing last_event_number", () => {
  const s = tenEvents({ $tb: 4 });
  assert.deepEqual(slice(s.readStreamForward("s", 0n, 3)), [[], 4n, 9n, false]);
  assert.deepEqual(slice(s.readStreamForward("s", 0n, 10)), [[4, 5, 6, 7, 8, 9], 10n, 9n, true]);
  assert.deepEqual(slice(s.readStreamBackward("s", -1n, 100)), [[9, 8, 7, 6, 5, 4], -1n, 9n, true]);
  assert.deepEqual(s.readEvent("s", 3n), { status: "not-found" });
});

Deno.test("$maxAge hides events older than the limit", () => {
  let now = 1_000_000;
  const s = new MemoryStorage({ now: () => now });
  s.append("$$s", ANY, [meta({ $maxAge: 10 })]);
  s.append("s", ANY, evs(2));
  now += 20_000;
  s.append("s", ANY, evs(1));
  assert.deepEqual(slice(s.readStreamForward("s", 0n, 10))[0], [2]);
  assert.deepEqual(slice(s.readStreamBackward("s", -1n, 10))[0], [2]);
  assert.deepEqual(s.readEvent("s", 0n), { status: "not-found" });
});

Deno.test("max_count outside 1..4096 is an Error result", () => {
  const s = tenEvents();
  assert.deepEqual(s.readStreamForward("s", 0n, 4097), {
    status: "error",
    message: "Read size too big, should be less than 4096 items",
  });
  assert.equal(s.readStreamBackward("s", 0n, 0).status, "error");
  assert.equal(slice(s.readStreamForward("s", 0n, 4096))[0].length, 10);
});

Deno.test("a forward read from a negative number is an Error result", () => {
  assert.equal(tenEvents().readStreamForward("s", -1n, 5).status, "error");
});

Deno.test("reading a missing stream is NoStream with last -1", () => {
  const s = new MemoryStorage();
  assert.deepEqual(s.readStreamForward("nope", 0n, 5), {
    status: "no-stream",
    lastEventNumber: -1n,
  });
  assert.deepEqual(s.readStreamBackward("nope", -1n, 5), {
    status: "no-stream",
    lastEventNumber: -1n,
  });
});

Deno.test("a metastream reads as $maxCount 1: only the latest metadata event", () => {
  const s = new MemoryStorage();
  s.append("$$s", ANY, [meta({ a: 1 }), meta({ a: 2 }), meta({ a: 3 })]);
  assert.deepEqual(slice(s.readStreamForward("$$s", 0n, 10)), [[2], 3n, 2n, true]);
  assert.deepEqual(s.readEvent("$$s", 0n), { status: "not-found" });
});

// ---- ReadEvent, docs/protocol.md §4.7 ------------------------------------------------------------------

Deno.test("ReadEvent -1 reads the last event; beyond the end is NotFound", () => {
  const s = tenEvents();
  const last = s.readEvent("s", -1n);
  assert.equal(last.status === "success" && last.event?.eventNumber, 9n);
  assert.deepEqual(s.readEvent("s", 10n), { status: "not-found" });
  assert.deepEqual(s.readEvent("missing", 0n), { status: "no-stream" });
});

Deno.test("ReadEvent of $$s without metadata is Success with no event when s exists", () => {
  const s = tenEvents();
  assert.deepEqual(s.readEvent("$$s", -1n), { status: "success", event: null });
  assert.deepEqual(s.readEvent("$$missing", -1n), { status: "no-stream" });
});

// ---- links, docs/protocol.md §4.10 ---------------------------------------------------------------------

function link(
  target: string,
): { eventId: string; eventType: string; isJson: boolean; data: Uint8Array } {
  return {
    eventId: crypto.randomUUID(),
    eventType: "$>",
    isJson: false,
    data: new TextEncoder().encode(target),
  };
}

Deno.test("resolve() follows N@stream links and leaves unresolvable ones as link only", () => {
  const s = tenEvents({ $tb: 2 });
  s.append("links", ANY, [link("3@s"), link("1@s"), link("0@missing"), link("abc@s"), link("5")]);
  const records = s.readStreamForward("links", 0n, 10);
  assert.equal(records.status, "success");
  if (records.status !== "success") return;
  const [ok, truncated, missing, notANumber, noAt] = records.events.map((e) => s.resolve(e));
  assert.equal(ok.event?.stream, "s");
  assert.equal(ok.event?.eventNumber, 3n);
  assert.equal(ok.link?.stream, "links");
  assert.equal(truncated.event, undefined);
  assert.equal(truncated.link?.eventNumber, 1n);
  assert.equal(missing.event, undefined);
  assert.equal(notANumber.event?.stream, "links");
  assert.equal(notANumber.link, undefined);
  assert.equal(noAt.event, undefined);
  assert.equal(noAt.link?.eventNumber, 4n);
});

// ---- $all, docs/protocol.md §4.9 --------------------------------------------------------------------

function positions(events: readonly StoredEvent[]): string[] {
  return events.map((e) => `${e.stream}@${e.eventNumber}`);
}

Deno.test("$all forward from the start returns every event in commit order with next after the last", () => {
  const s = new MemoryStorage();
  s.append("a", ANY, evs(2));
  s.append("b", ANY, evs(1));
  const page = s.readAllForward({ commit: 0, prepare: 0 }, 2);
  assert.equal(page.status, "success");
  if (page.status !== "success") return;
  assert.deepEqual(positions(page.events), ["a@0", "a@1"]);
  assert.equal(page.isEndOfStream, false);
  assert.deepEqual(page.next, { commit: page.events[1].nextCommitPosition, prepare: 0 });
  const rest = s.readAllForward(page.next, 10);
  assert.equal(rest.status === "success" && positions(rest.events).join(), "b@0");
});

Deno.test("$all backward from the end returns the newest first; next is the oldest returned position", () => {
  const s = new MemoryStorage();
  s.append("a", ANY, evs(3));
  const page = s.readAllBackward({ commit: -1, prepare: -1 }, 2);
  assert.equal(page.status, "success");
  if (page.status !== "success") return;
  assert.deepEqual(page.from, { commit: s.writerCheckpoint, prepare: s.writerCheckpoint });
  assert.deepEqual(positions(page.events), ["a@2", "a@1"]);
  const oldest = page.events[1];
  assert.deepEqual(page.next, { commit: oldest.commitPosition, prepare: oldest.preparePosition });
  const rest = s.readAllBackward(page.next, 10);
  assert.equal(rest.status === "success" && positions(rest.events).join(), "a@0");
});

Deno.test("$all forward from the end and backward from the start return nothing", () => {
  const s = new MemoryStorage();
  s.append("a", ANY, evs(3));
  const fwd = s.readAllForward({ commit: -1, prepare: -1 }, 10);
  assert.equal(fwd.status === "success" && fwd.events.length, 0);
  assert.equal(fwd.status === "success" && fwd.next.commit, s.writerCheckpoint);
  const bwd = s.readAllBackward({ commit: 0, prepare: 0 }, 10);
  assert.equal(bwd.status === "success" && bwd.events.length, 0);
});

Deno.test("$all rejects negative positions other than (-1, -1)", () => {
  assert.deepEqual(new MemoryStorage().readAllForward({ commit: -1, prepare: 0 }, 10), {
    status: "error",
    message: "Invalid position.",
  });
});

Deno.test("$all keeps tombstones, soft-delete metadata and truncated events", () => {
  const s = new MemoryStorage();
  s.append("a", ANY, evs(2));
  s.deleteStream("a", ANY, false);
  s.append("b", ANY, evs(1));
  s.deleteStream("b", ANY, true);
  const page = s.readAllForward({ commit: 0, prepare: 0 }, 100);
  assert.equal(page.status, "success");
  if (page.status !== "success") return;
  assert.deepEqual(positions(page.events), ["a@0", "a@1", "$$a@0", "b@0", `b@${DELETED_STREAM}`]);
  assert.equal(page.events[4].eventType, "$streamDeleted");
  assert.equal(new TextDecoder().decode(page.events[2].data), '{"$tb":9223372036854775807}');
});

Deno.test("filtered $all reads scan at most max_search_window records and report end of stream", () => {
  const s = new MemoryStorage();
  for (let i = 0; i < 5; i++) {
    s.append("noise", ANY, evs(1));
    s.append("wanted-1", ANY, [ev(undefined, "Wanted")]);
  }
  const filter = (e: StoredEvent) => e.stream.startsWith("wanted");
  const first = s.readAllForward({ commit: 0, prepare: 0 }, 10, filter, 4);
  assert.equal(first.status, "success");
  if (first.status !== "success") return;
  assert.equal(first.events.length, 2);
  assert.equal(first.isEndOfStream, false);
  const rest = s.readAllForward(first.next, 10, filter, 100);
  assert.equal(rest.status === "success" && rest.events.length, 3);
  assert.equal(rest.status === "success" && rest.isEndOfStream, true);
  const backward = s.readAllBackward({ commit: -1, prepare: -1 }, 2, filter, 100);
  assert.equal(backward.status === "success" && backward.events.length, 2);
  assert.equal(backward.status === "success" && backward.isEndOfStream, false);
});

Deno.test("transaction events share the commit position of their commit record", () => {
  const s = new MemoryStorage();
  const id = s.startTransaction("t", -1n);
  s.writeTransaction(id, evs(2));
  s.append("other", ANY, evs(1));
  const committed = s.commitTransaction(id);
  assert.equal(committed.status, "success");
  const page = s.readAllForward({ commit: 0, prepare: 0 }, 10);
  assert.equal(page.status, "success");
  if (page.status !== "success" || committed.status !== "success") return;
  assert.deepEqual(positions(page.events), ["other@0", "t@0", "t@1"]);
  const [, t0, t1] = page.events;
  assert.equal(t0.commitPosition, committed.position);
  assert.equal(t1.commitPosition, committed.position);
  assert.ok(t0.preparePosition < t1.preparePosition);
  assert.ok(t0.preparePosition < page.events[0].preparePosition);
  // Reading on from an event inside the transaction continues with the next one.
  const after = s.readAllForward(
    { commit: t0.nextCommitPosition, prepare: t0.nextPreparePosition },
    10,
  );
  assert.equal(after.status === "success" && positions(after.events).join(), "t@1");
});
