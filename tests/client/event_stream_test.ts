import assert from "node:assert/strict";
import { type EventSource, EventStream } from "../../lib/client/event_stream.ts";
import { RecordedEvent, ResolvedEvent } from "../../lib/client/resolved_event.ts";

function event(n: number): ResolvedEvent {
  return new ResolvedEvent(
    new RecordedEvent({
      stream: "s",
      id: "00000000-0000-0000-0000-000000000000",
      eventNumber: BigInt(n),
      type: "t",
      data: new Uint8Array(0),
      isJson: false,
      created: new Date(0),
    }),
  );
}

/**
 * A source of events 0..count-1; every third one arrives later (a promise), so both kinds of
 * take are exercised. Records how often it was asked and cancelled.
 */
function counting(count: number, failAt?: number) {
  let next = 0;
  const state = { takes: 0, cancelled: [] as unknown[] };
  const source: EventSource = {
    take() {
      state.takes++;
      if (next === failAt) throw new RangeError(`Failed at ${next}`);
      if (next >= count) return undefined;
      const n = next++;
      return n % 3 === 2 ? Promise.resolve(event(n)) : event(n);
    },
    cancel(reason) {
      state.cancelled.push(reason);
    },
  };
  return { source, state };
}

const numbers = (events: ResolvedEvent[]) => events.map((e) => Number(e.eventNumber));

Deno.test("for await over an EventStream delivers the source's events in order and takes one per event", async () => {
  const { source, state } = counting(10);
  const stream = new EventStream(source);
  const seen: ResolvedEvent[] = [];
  for await (const e of stream) {
    assert.equal(stream.locked, true);
    seen.push(e);
  }
  assert.deepEqual(numbers(seen), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(state.takes, 11); // ten events and the end
  assert.equal(stream.locked, false);
  assert.deepEqual(state.cancelled, []);
});

Deno.test("leaving a for await over an EventStream early cancels its source and takes nothing more", async () => {
  const { source, state } = counting(10);
  const stream = new EventStream(source);
  for await (const e of stream) if (e.eventNumber === 3n) break;
  assert.equal(state.takes, 4);
  assert.equal(state.cancelled.length, 1);
  assert.equal(stream.locked, false);
});

Deno.test("an EventStream iterated with preventCancel, then read with a reader, continues where it stopped", async () => {
  const { source, state } = counting(6);
  const stream = new EventStream(source);
  const seen: ResolvedEvent[] = [];
  for await (const e of stream.values({ preventCancel: true })) {
    seen.push(e);
    if (seen.length === 3) break;
  }
  assert.deepEqual(state.cancelled, []);
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    seen.push(value);
  }
  assert.deepEqual(numbers(seen), [0, 1, 2, 3, 4, 5]);
});

Deno.test("an EventStream read with a reader first and then iterated loses no event", async () => {
  const { source } = counting(5);
  const stream = new EventStream(source);
  const reader = stream.getReader();
  const seen = [(await reader.read()).value!, (await reader.read()).value!];
  reader.releaseLock();
  for await (const e of stream) seen.push(e);
  assert.deepEqual(numbers(seen), [0, 1, 2, 3, 4]);
});

Deno.test("an error from an EventStream's source rejects the for await after the events before it and unlocks the stream", async () => {
  const { source, state } = counting(10, 4);
  const stream = new EventStream(source);
  const seen: ResolvedEvent[] = [];
  await assert.rejects(async () => {
    for await (const e of stream) seen.push(e);
  }, { name: "RangeError", message: "Failed at 4" });
  assert.deepEqual(numbers(seen), [0, 1, 2, 3]);
  assert.equal(stream.locked, false);
  assert.deepEqual(state.cancelled, []);
});

Deno.test("next() calls made before the previous one settled resolve in order, each with its own event", async () => {
  const { source } = counting(5);
  const iterator = new EventStream(source)[Symbol.asyncIterator]();
  const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => iterator.next()));
  assert.deepEqual(
    results.map((r) => r.done ? "done" : Number(r.value.eventNumber)),
    [0, 1, 2, 3, 4, "done"],
  );
});

Deno.test("a for await over a locked EventStream throws a TypeError", () => {
  const stream = new EventStream(counting(1).source);
  const reader = stream.getReader();
  assert.throws(() => stream[Symbol.asyncIterator](), TypeError);
  reader.releaseLock();
});
