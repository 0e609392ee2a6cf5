import assert from "node:assert/strict";
import { MemoryStorage } from "../../lib/memstore/storage.ts";
import { ev, evs } from "./support/events.ts";

Deno.test({
  name: "a commit runs only the listeners of its own stream, and the $all listeners",
  permissions: "none",
  fn() {
    const storage = new MemoryStorage({ maxMemory: 64 * 1024 * 1024 });
    const calls = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      storage.onStreamCommit(`other-${i}`, () => calls.set(`other-${i}`, 1));
    }
    const seen: bigint[][] = [];
    storage.onStreamCommit("a", (events) => seen.push(events.map((e) => e.eventNumber)));
    let all = 0;
    storage.onCommit((events) => all += events.length);
    storage.append("a", -2n, evs(3));
    assert.deepEqual(seen, [[0n, 1n, 2n]]);
    assert.equal(all, 3);
    assert.equal(calls.size, 0);
  },
});

Deno.test({
  name: "a stream listener gets only its stream's events of a commit that touches two streams",
  permissions: "none",
  fn() {
    const storage = new MemoryStorage({ maxMemory: 64 * 1024 * 1024 });
    storage.append("s", -2n, [ev()]);
    storage.deleteStream("s", -2n, false);
    const streams: string[][] = [];
    storage.onStreamCommit("s", (events) => streams.push(events.map((e) => e.stream)));
    storage.onStreamCommit("$$s", (events) => streams.push(events.map((e) => e.stream)));
    // Writing to a soft-deleted stream also rewrites its metadata: one commit, two streams.
    storage.append("s", -2n, [ev()]);
    assert.deepEqual(streams.sort(), [["$$s"], ["s"]]);
  },
});

Deno.test({
  name: "listeners may remove themselves and others while a commit runs them",
  permissions: "none",
  fn() {
    const storage = new MemoryStorage({ maxMemory: 64 * 1024 * 1024 });
    const called: string[] = [];
    const removeB = storage.onStreamCommit("s", () => called.push("b"));
    const removeA = storage.onStreamCommit("s", () => {
      called.push("a");
      removeA();
      removeB();
    });
    storage.append("s", -2n, [ev()]);
    storage.append("s", -2n, [ev()]);
    assert.deepEqual(called, ["b", "a"]);
    removeA();
  },
});
