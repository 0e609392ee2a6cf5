import assert from "node:assert/strict";
import { DeadlineQueue } from "../../lib/client/deadline_queue.ts";
import { ManualClock } from "../support/manual_clock.ts";

/** A tiny seeded generator (mulberry32), so the random test is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test({
  name: "a deadline expires once its time has passed, not before",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    const deadlines = new DeadlineQueue(clock);
    const fired: number[] = [];
    deadlines.add(1000, () => fired.push(clock.now()));
    clock.advance(999);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [1000]);
    clock.advance(5000);
    assert.deepEqual(fired, [1000], "once");
    assert.equal(deadlines.size, 0);
  },
});

Deno.test({
  name:
    "many deadlines share one timer, which runs out without arming again once they are all cancelled",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    const deadlines = new DeadlineQueue(clock);
    const handles = Array.from({ length: 100 }, () => deadlines.add(1000, () => assert.fail()));
    assert.equal(clock.pending, 1);
    for (const handle of handles) deadlines.cancel(handle);
    assert.equal(deadlines.size, 0);
    assert.equal(clock.pending, 1, "left to run out: no clearTimeout per call");
    clock.advance(2000);
    assert.equal(clock.pending, 0);
  },
});

Deno.test({
  name: "calls one after the other reuse the one armed timer",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    const deadlines = new DeadlineQueue(clock);
    let armed = 0;
    const setTimeout = clock.setTimeout.bind(clock);
    clock.setTimeout = (fn: () => void, ms: number) => {
      armed++;
      return setTimeout(fn, ms);
    };
    for (let i = 0; i < 50; i++) {
      deadlines.cancel(deadlines.add(1000, () => assert.fail()));
      clock.advance(1);
    }
    assert.equal(armed, 1);
    const fired: number[] = [];
    deadlines.add(1000, () => fired.push(clock.now()));
    clock.advance(2000);
    assert.deepEqual(fired, [1050]);
    assert.equal(armed, 2, "re-armed once, when the first timer found the last deadline not due");
    assert.equal(clock.pending, 0);
  },
});

Deno.test({
  name: "a cancelled deadline never fires, and cancelling twice or after expiry is a no-op",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    const deadlines = new DeadlineQueue(clock);
    const fired: string[] = [];
    const a = deadlines.add(100, () => fired.push("a"));
    const b = deadlines.add(200, () => fired.push("b"));
    deadlines.cancel(a);
    deadlines.cancel(a);
    clock.advance(300);
    deadlines.cancel(b);
    assert.deepEqual(fired, ["b"]);
    assert.equal(deadlines.size, 0);
  },
});

Deno.test({
  name: "a shorter deadline added later expires first",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    const deadlines = new DeadlineQueue(clock);
    const fired: string[] = [];
    deadlines.add(5000, () => fired.push(`long at ${clock.now()}`));
    clock.advance(10);
    deadlines.add(100, () => fired.push(`short at ${clock.now()}`));
    clock.advance(10_000);
    assert.deepEqual(fired, ["short at 110", "long at 5000"]);
  },
});

Deno.test({
  name: "deadlines due at the same time expire in the order they were added",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    const deadlines = new DeadlineQueue(clock);
    const fired: number[] = [];
    for (let i = 0; i < 50; i++) deadlines.add(100, () => fired.push(i));
    clock.advance(100);
    assert.deepEqual(fired, Array.from({ length: 50 }, (_, i) => i));
  },
});

Deno.test({
  name: "a callback may add and cancel deadlines",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    const deadlines = new DeadlineQueue(clock);
    const fired: string[] = [];
    const later = deadlines.add(100, () => fired.push("cancelled one"));
    deadlines.add(50, () => {
      fired.push(`first at ${clock.now()}`);
      deadlines.cancel(later);
      deadlines.add(30, () => fired.push(`added at ${clock.now()}`));
    });
    clock.advance(1000);
    assert.deepEqual(fired, ["first at 50", "added at 80"]);
    assert.equal(clock.pending, 0);
  },
});

Deno.test({
  name: "clear() cancels every deadline and leaves no timer",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    const deadlines = new DeadlineQueue(clock);
    for (let i = 0; i < 10; i++) deadlines.add(100 * i, () => assert.fail());
    deadlines.clear();
    assert.equal(clock.pending, 0);
    assert.equal(deadlines.size, 0);
    clock.advance(10_000);
  },
});

Deno.test({
  name: "random adds, cancels and time steps fire exactly the uncancelled deadlines, each on time",
  permissions: "none",
  fn() {
    const next = random(12);
    const clock = new ManualClock();
    const deadlines = new DeadlineQueue(clock);
    const expected = new Map<number, number>(); // id -> due time, for the ones not cancelled
    const open: { id: number; handle: ReturnType<DeadlineQueue["add"]> }[] = [];
    const fired: { id: number; at: number }[] = [];
    for (let id = 0; id < 5000; id++) {
      const ms = Math.floor(next() * 300);
      expected.set(id, clock.now() + ms);
      open.push({ id, handle: deadlines.add(ms, () => fired.push({ id, at: clock.now() })) });
      if (next() < 0.6 && open.length > 0) {
        const [victim] = open.splice(Math.floor(next() * open.length), 1);
        if (!fired.some((f) => f.id === victim.id)) expected.delete(victim.id);
        deadlines.cancel(victim.handle);
      }
      if (next() < 0.1) clock.advance(Math.floor(next() * 50));
      assert.ok(clock.pending <= 1, "one timer at most");
    }
    clock.advance(1000);
    assert.equal(fired.length, expected.size);
    for (const { id, at } of fired) assert.equal(at, expected.get(id), `deadline ${id}`);
    assert.equal(deadlines.size, 0);
    assert.equal(clock.pending, 0);
  },
});
