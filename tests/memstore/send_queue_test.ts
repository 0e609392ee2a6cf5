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
    // The first is taken by the transport at once; three more may wait.
    for (let i = 0; i < 4; i++) assert.equal(queue.push(new Uint8Array(1)), null);
    assert.equal(queue.push(new Uint8Array(1)), "Connection queue size is too large: 4.");
    queue.clear();
    sink.release();
    await queue.idle();
  },
});

Deno.test({
  name: "SendQueue: small packages waiting together go out coalesced, in order",
  permissions: "none",
  async fn() {
    const sink = stalledSink();
    const queue = new SendQueue(sink.writer, { maxPackages: 1000, maxBytes: 1 << 30 });
    for (let i = 0; i < 5; i++) queue.push(new Uint8Array([i]));
    sink.release();
    await queue.flushed();
    assert.deepEqual(sink.writes.map((w) => [...w]), [[0], [1, 2, 3, 4]]);
  },
});
