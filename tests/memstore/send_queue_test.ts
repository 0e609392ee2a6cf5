import assert from "node:assert/strict";
import { MAX_WRITE_CHUNK, SendQueue } from "../../lib/memstore/send_queue.ts";

/** A transport whose writes complete only when the test says so. */
function stalledSink() {
  const writes: Uint8Array[] = [];
  const pending: (() => void)[] = [];
  let flowing = false;
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      writes.push(chunk);
      if (flowing) return Promise.resolve();
      return new Promise<void>((resolve) => pending.push(resolve));
    },
  }, { highWaterMark: 1 });
  return {
    writer: sink.getWriter(),
    writes,
    /** From now on every write completes at once. */
    release(): void {
      flowing = true;
      for (const resolve of pending.splice(0)) resolve();
    },
  };
}

Deno.test({
  name: "SendQueue: a peer that takes nothing is cut once the waiting bytes pass the bound",
  permissions: "none",
  async fn() {
    const sink = stalledSink();
    const queue = new SendQueue(sink.writer, { maxPackages: 1_000_000, maxBytes: 64 * 1024 });
    let reason: string | null = null;
    let pushed = 0;
    while (reason === null && pushed < 10_000) {
      reason = queue.push(new Uint8Array(1000));
      if (reason === null) pushed++;
    }
    assert.match(reason ?? "", /^Connection pending send bytes is too large: \d+\.$/);
    assert.ok(queue.queuedBytes <= 64 * 1024 + 2 * 1000 + MAX_WRITE_CHUNK, `${queue.queuedBytes}`);
    queue.clear();
    sink.release();
    await queue.idle();
  },
});

Deno.test({
  name: "SendQueue: one package far over the byte bound is queued and written, even behind others",
  permissions: "none",
  async fn() {
    const sink = stalledSink();
    const queue = new SendQueue(sink.writer, { maxPackages: 100, maxBytes: 1024 });
    assert.equal(queue.push(new Uint8Array(10)), null);
    assert.equal(queue.push(new Uint8Array(16 * 1024 * 1024)), null);
    assert.equal(queue.push(new Uint8Array(10)), null, "small packages may follow it");
    assert.equal(queue.push(new Uint8Array(10)), null);
    sink.release();
    await queue.flushed();
    const total = sink.writes.reduce((n, w) => n + w.length, 0);
    assert.equal(total, 16 * 1024 * 1024 + 30);
  },
});

Deno.test({
  name: "SendQueue: more packages than the bound waiting is refused with the server's text",
  permissions: "none",
  async fn() {
    const sink = stalledSink();
    const queue = new SendQueue(sink.writer, { maxPackages: 3, maxBytes: 1 << 30 });
    // The first counts as being written (its write starts on the next microtask); three more
    // may wait.
    for (let i = 0; i < 4; i++) assert.equal(queue.push(new Uint8Array(1)), null);
    assert.equal(queue.push(new Uint8Array(1)), "Connection queue size is too large: 4.");
    queue.clear();
    sink.release();
    await queue.idle();
  },
});

Deno.test({
  name: "SendQueue: packages queued in one synchronous turn leave in one write, in order",
  permissions: "none",
  async fn() {
    const sink = stalledSink();
    const queue = new SendQueue(sink.writer, { maxPackages: 1000, maxBytes: 1 << 30 });
    for (let i = 0; i < 5; i++) queue.push(new Uint8Array([i]));
    assert.equal(sink.writes.length, 0);
    assert.equal(queue.empty, false);
    sink.release();
    await queue.flushed();
    assert.deepEqual(sink.writes.map((w) => [...w]), [[0, 1, 2, 3, 4]]);
  },
});

Deno.test({
  name:
    "SendQueue: packages queued while a write is in progress go out coalesced after it, in order",
  permissions: "none",
  async fn() {
    const sink = stalledSink();
    const queue = new SendQueue(sink.writer, { maxPackages: 1000, maxBytes: 1 << 30 });
    queue.push(new Uint8Array([0]));
    await Promise.resolve();
    assert.equal(sink.writes.length, 1);
    for (let i = 1; i < 5; i++) queue.push(new Uint8Array([i]));
    sink.release();
    await queue.flushed();
    assert.deepEqual(sink.writes.map((w) => [...w]), [[0], [1, 2, 3, 4]]);
  },
});

Deno.test({
  name: "SendQueue: the byte bound exempts the first package of a write that has not started yet",
  permissions: "none",
  async fn() {
    const sink = stalledSink();
    const queue = new SendQueue(sink.writer, { maxPackages: 1000, maxBytes: 100 });
    // 1000 bytes about to be written, then 1000 more waiting (the largest, exempt), then 101.
    assert.equal(queue.push(new Uint8Array(1000)), null);
    assert.equal(queue.push(new Uint8Array(1000)), null);
    assert.equal(queue.push(new Uint8Array(101)), null);
    assert.equal(
      queue.push(new Uint8Array(1)),
      "Connection pending send bytes is too large: 1101.",
    );
    queue.clear();
    sink.release();
    await queue.idle();
  },
});
