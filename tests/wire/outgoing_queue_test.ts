import assert from "node:assert/strict";
import { ConnectionClosedError, PeerNotReadingError } from "../../lib/errors.ts";
import { OutgoingQueue } from "../../lib/wire/outgoing_queue.ts";
import { ManualClock } from "../support/manual_clock.ts";

/** A writable whose writes complete only when the test says so: a peer reading at will. */
function peer() {
  const written: Uint8Array[] = [];
  const pending: (() => void)[] = [];
  let fail: ((error: Error) => void) | undefined;
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      written.push(chunk.slice());
      return new Promise<void>((resolve, reject) => {
        pending.push(resolve);
        fail = reject;
      });
    },
  });
  return {
    writer: writable.getWriter(),
    written,
    /** Completes the write in progress, if any. */
    read: () => pending.shift()?.(),
    breakConnection: () => fail?.(new Error("connection reset")),
    get inFlight() {
      return pending.length;
    },
  };
}

/** Lets promise callbacks run; nothing here waits for I/O or timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function setup(maxBytes = 1000, stallTimeout = 1500) {
  const clock = new ManualClock();
  const p = peer();
  const events: string[] = [];
  const stalls: PeerNotReadingError[] = [];
  const queue = new OutgoingQueue(p.writer, {
    maxBytes,
    stallTimeout,
    clock,
    onStall: (error) => stalls.push(error),
    onError: (error) => events.push(`error: ${(error as Error).message}`),
  });
  return { clock, peer: p, queue, events, stalls };
}

const bytes = (size: number, fill = 1) => new Uint8Array(size).fill(fill);

Deno.test({
  name:
    "a peer that never reads: senders wait, the queue stays bounded, then a PeerNotReadingError",
  permissions: "none",
  async fn() {
    const { clock, queue, stalls, peer } = setup(1000);
    const admitted: number[] = [];
    const outcomes: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      outcomes.push(queue.send(bytes(100)).then(() => admitted.push(i)));
      assert.ok(queue.queuedBytes <= 1000, `${queue.queuedBytes} bytes queued`);
    }
    await settle();
    assert.equal(admitted.length, 10);
    assert.equal(queue.waiting, 40);
    assert.equal(queue.queuedBytes, 1000);
    assert.equal(peer.inFlight, 1, "one write reached the peer, which does not take it");
    clock.advance(1499);
    assert.equal(stalls.length, 0);
    clock.advance(1);
    assert.equal(stalls.length, 1);
    assert.ok(stalls[0] instanceof PeerNotReadingError);
    assert.ok(stalls[0] instanceof ConnectionClosedError, "handled like any connection loss");
    assert.equal(stalls[0].queuedBytes, 1000);
    assert.match(stalls[0].message, /read nothing for 1500 ms while 1000 bytes were waiting/);
    const results = await Promise.allSettled(outcomes);
    const rejected = results.filter((r) => r.status === "rejected");
    assert.equal(rejected.length, 40);
    assert.ok(rejected.every((r) => (r as PromiseRejectedResult).reason === stalls[0]));
    assert.equal(queue.queuedBytes, 0);
    assert.equal(clock.pending, 0);
    await assert.rejects(queue.send(bytes(1)), PeerNotReadingError);
  },
});

Deno.test({
  name: "heartbeat responses to a peer that does not read are dropped once the queue is full",
  permissions: "none",
  async fn() {
    const { queue } = setup(1000);
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) {
      if (queue.trySend(bytes(22))) accepted++;
      assert.ok(queue.queuedBytes <= 1000);
    }
    await settle();
    assert.equal(accepted, Math.floor(1000 / 22));
    queue.close(undefined);
  },
});

Deno.test({
  name:
    "a slow but steady reader is never taken as stalled, and bytes arrive in order in writes of at most 64 KiB",
  permissions: "none",
  async fn() {
    const { clock, queue, stalls, peer } = setup(256 * 1024);
    const sent: Uint8Array[] = [bytes(10, 1), bytes(1 << 20, 2), bytes(30, 3), bytes(40, 4)];
    const admitted = Promise.all(sent.map((part) => queue.send(part)));
    await settle();
    // One 64 KiB write per second: the whole takes 17 s, each write under the 1.5 s timeout.
    let guard = 0;
    while (peer.inFlight > 0 && guard++ < 100) {
      clock.advance(1000);
      peer.read();
      await settle();
    }
    await admitted;
    assert.equal(stalls.length, 0);
    assert.ok(clock.now() >= 16_000);
    assert.ok(peer.written.every((w) => w.length <= 64 * 1024));
    const all = new Uint8Array(peer.written.reduce((n, w) => n + w.length, 0));
    let at = 0;
    for (const w of peer.written) {
      all.set(w, at);
      at += w.length;
    }
    const expected = new Uint8Array(sent.reduce((n, s) => n + s.length, 0));
    at = 0;
    for (const s of sent) {
      expected.set(s, at);
      at += s.length;
    }
    assert.deepEqual(all, expected);
    assert.equal(queue.queuedBytes, 0);
    // The stall timer runs out by itself once the queue is empty, and takes nothing as stalled.
    assert.ok(clock.pending <= 1, "one stall timer at most");
    clock.advance(1500);
    assert.equal(clock.pending, 0, "no stall timer left once it found the queue empty");
    assert.equal(stalls.length, 0);
  },
});

Deno.test({
  name:
    "small packages queued together, or while a write is in progress, go out in one coalesced write",
  permissions: "none",
  async fn() {
    const { queue, peer } = setup(10_000);
    for (let i = 0; i < 5; i++) queue.trySend(bytes(10, i));
    await settle();
    assert.equal(peer.written.length, 1);
    assert.equal(peer.written[0].length, 50, "the five queued in one turn, in one write");
    for (let i = 5; i < 9; i++) queue.trySend(bytes(10, i));
    await settle();
    assert.equal(peer.written.length, 1, "nothing more while the write is in progress");
    peer.read();
    await settle();
    assert.equal(peer.written.length, 2);
    assert.equal(peer.written[1].length, 40, "the four that waited, in one write");
    assert.deepEqual([...peer.written[1]].filter((_, i) => i % 10 === 0), [5, 6, 7, 8]);
    peer.read();
    queue.close(undefined);
  },
});

/** Lets `count` microtask turns pass. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await undefined;
}

Deno.test({
  name:
    "sends spread over a run of microtasks (replies setting off the next calls) share the first write, in order",
  permissions: "none",
  async fn() {
    const { queue, peer } = setup(10_000);
    // 40 sends, each a few turns after the last: far more turns in all than any fixed delay.
    for (let i = 0; i < 40; i++) {
      queue.trySend(bytes(10, i));
      await turns(5);
    }
    await settle();
    assert.equal(peer.written.length, 1, "one write for the whole run");
    assert.equal(peer.written[0].length, 400);
    assert.deepEqual(
      [...peer.written[0]].filter((_, i) => i % 10 === 0),
      Array.from({ length: 40 }, (_, i) => i),
    );
    peer.read();
    queue.close(undefined);
  },
});

Deno.test({
  name: "a steady trickle of sends does not hold the first write back for ever",
  permissions: "none",
  async fn() {
    const { queue, peer } = setup(1_000_000);
    let sent = 0;
    while (peer.written.length === 0 && sent < 10_000) {
      queue.trySend(bytes(1, sent++ % 256));
      await undefined;
    }
    assert.equal(peer.written.length, 1, "written while sends were still arriving");
    assert.ok(sent < 10_000, `${sent} sends before the first write`);
    peer.read();
    queue.close(undefined);
  },
});

Deno.test({
  name: "a write's worth of small sends goes out without waiting for the run to end",
  permissions: "none",
  async fn() {
    const { queue, peer } = setup(1_000_000);
    let sent = 0;
    while (peer.written.length === 0 && sent < 200) {
      queue.trySend(bytes(1024, sent++ % 256));
      await undefined;
    }
    assert.equal(peer.written.length, 1);
    assert.ok(sent <= 66, `${sent} sends of 1 KiB before the first write`);
    assert.equal(peer.written[0].length, 64 * 1024, "one full 64 KiB write");
    peer.read();
    queue.close(undefined);
  },
});

Deno.test({
  name: "a package larger than the bound is admitted into an empty queue",
  permissions: "none",
  async fn() {
    const { queue, peer } = setup(1000);
    await queue.send(bytes(5000));
    assert.equal(queue.queuedBytes, 5000);
    let second = false;
    const next = queue.send(bytes(10)).then(() => second = true);
    await settle();
    assert.equal(second, false, "nothing else fits until it is written");
    peer.read();
    await settle();
    assert.equal(second, true);
    await next;
    queue.close(undefined);
  },
});

Deno.test({
  name:
    "a sender whose signal aborts while waiting is rejected with the reason and the next one gets its room",
  permissions: "none",
  async fn() {
    const { queue, peer } = setup(100);
    await queue.send(bytes(100));
    const controller = new AbortController();
    const big = queue.send(bytes(90), controller.signal);
    let small = false;
    const after = queue.send(bytes(5)).then(() => small = true);
    await settle();
    assert.equal(queue.waiting, 2);
    const reason = new Error("timed out");
    controller.abort(reason);
    await assert.rejects(big, (e) => e === reason);
    assert.equal(queue.waiting, 1, "the aborted sender left the line");
    peer.read();
    await after;
    assert.equal(small, true);
    await assert.rejects(queue.send(bytes(1), AbortSignal.abort(reason)), (e) => e === reason);
    queue.close(undefined);
  },
});

Deno.test({
  name: "a failed write is reported once and close() rejects waiting senders",
  permissions: "none",
  async fn() {
    const { queue, peer, events } = setup(10);
    await queue.send(bytes(10));
    const waiting = queue.send(bytes(10));
    await settle();
    peer.breakConnection();
    await settle();
    assert.deepEqual(events, ["error: connection reset"]);
    const reason = new ConnectionClosedError("closed for the test");
    queue.close(reason);
    queue.close(new Error("second close is a no-op"));
    await assert.rejects(waiting, (e) => e === reason);
    assert.equal(queue.queuedBytes, 0);
  },
});

Deno.test({
  name:
    "writes that empty and refill the queue arm no timer each, and a peer that stops reading later is still detected",
  permissions: "none",
  async fn() {
    const { clock, queue, stalls, peer } = setup(10_000, 1500);
    let timers = 0;
    const setTimeout = clock.setTimeout.bind(clock);
    clock.setTimeout = (callback, ms) => (timers++, setTimeout(callback, ms));
    for (let i = 0; i < 100; i++) {
      queue.trySend(bytes(10, i));
      await settle();
      peer.read();
      await settle();
      clock.advance(10);
    }
    assert.equal(peer.written.length, 100);
    assert.equal(timers, 1, "one stall timer for 100 writes within the stall timeout");
    assert.equal(stalls.length, 0);
    // Now the peer stops reading: the timer left running still catches it.
    queue.trySend(bytes(10));
    await settle();
    clock.advance(1499);
    assert.equal(stalls.length, 0);
    clock.advance(1);
    assert.equal(stalls.length, 1);
  },
});
