import assert from "node:assert/strict";
import { waitForCommit } from "../../../lib/memstore/http/long_poll.ts";
import { MemoryStorage, utf8 } from "../../../lib/memstore/storage.ts";
import { ManualClock } from "../../support/manual_clock.ts";

function append(storage: MemoryStorage, stream: string): void {
  storage.append(stream, -2n, [{
    eventId: crypto.randomUUID(),
    eventType: "e",
    isJson: true,
    data: utf8("{}"),
  }]);
}

Deno.test(
  "waitForCommit on one stream's commits resolves on that stream's first commit and ignores others",
  {
    permissions: "none",
  },
  async () => {
    const storage = new MemoryStorage();
    const clock = new ManualClock();
    let done = false;
    const source = (l: Parameters<typeof storage.onCommit>[0]) => storage.onStreamCommit("mine", l);
    const waiting = waitForCommit(source, clock, 30_000, []).then(() => {
      done = true;
    });
    append(storage, "other");
    await Promise.resolve();
    assert.equal(done, false);
    append(storage, "mine");
    await waiting;
    assert.equal(done, true);
  },
);

Deno.test("waitForCommit resolves when the wait runs out on the clock", {
  permissions: "none",
}, async () => {
  const storage = new MemoryStorage();
  const clock = new ManualClock();
  const waiting = waitForCommit((l) => storage.onCommit(l), clock, 5_000, []);
  clock.advance(5_000);
  await waiting;
});

Deno.test(
  "waitForCommit resolves at once when a signal aborts (the listener closing), and is quiet afterwards",
  {
    permissions: "none",
  },
  async () => {
    const storage = new MemoryStorage();
    const clock = new ManualClock();
    const closing = new AbortController();
    const waiting = waitForCommit((l) => storage.onCommit(l), clock, 60_000, [closing.signal]);
    closing.abort();
    await waiting;
    // Neither a later commit nor the timer has anything left to call.
    append(storage, "s");
    clock.advance(60_000);
    await waitForCommit((l) => storage.onCommit(l), clock, 1, [closing.signal]);
  },
);
