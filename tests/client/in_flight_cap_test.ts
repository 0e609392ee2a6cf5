import assert from "node:assert/strict";
import { connect } from "../../lib/client/client.ts";
import { DEFAULTS } from "../../lib/client/defaults.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import type { Duplex } from "../../lib/wire/duplex.ts";

/** Calls `onPackage` with the command byte of every package in the byte stream passing through. */
function commandTap(onPackage: (command: number) => void): TransformStream<Uint8Array, Uint8Array> {
  let pending = new Uint8Array(0);
  return new TransformStream({
    transform(chunk, controller) {
      const bytes = new Uint8Array(pending.length + chunk.length);
      bytes.set(pending);
      bytes.set(chunk, pending.length);
      let at = 0;
      // Each package: a 4-byte little-endian length, then the command byte.
      while (bytes.length - at >= 5) {
        const length = new DataView(bytes.buffer, at, 4).getUint32(0, true);
        if (bytes.length - at < 4 + length) break;
        onPackage(bytes[at + 4]);
        at += 4 + length;
      }
      pending = bytes.slice(at);
      controller.enqueue(chunk);
    },
  });
}

/**
 * Wraps a duplex, tracking the appends sent and not yet answered (as the client sees them). The
 * server's replies to appends are held back until `hold` appends are outstanding, so a client
 * without a cap would put every call on the wire first.
 */
function countingAppends(
  duplex: Duplex,
  hold: number,
): { duplex: Duplex; stats: { now: number; max: number } } {
  const stats = { now: 0, max: 0 };
  const gate = Promise.withResolvers<void>();
  const out = commandTap((command) => {
    if (command !== TcpCommand.WriteEvents) return;
    stats.now++;
    stats.max = Math.max(stats.max, stats.now);
    if (stats.now >= hold) gate.resolve();
  });
  const counter = commandTap((command) => {
    if (command === TcpCommand.WriteEventsCompleted) stats.now--;
  });
  let open = false;
  const held = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      if (!open && stats.now > 0) {
        await gate.promise;
        open = true;
      }
      controller.enqueue(chunk);
    },
  });
  const back = { writable: held.writable, readable: held.readable.pipeThrough(counter) };
  out.readable.pipeTo(duplex.writable).catch(() => {});
  return {
    duplex: {
      readable: duplex.readable.pipeThrough(back),
      writable: out.writable,
      close: () => duplex.close(),
    },
    stats,
  };
}

Deno.test("a burst of 30,000 appends started together all succeed, with never more than the in-flight cap on the wire", async () => {
  await using store = await startMemoryStore({ listen: false });
  let stats = { now: 0, max: 0 };
  await using client = await connect({
    transport: () => {
      const wrapped = countingAppends(store.connectPipe(), DEFAULTS.maxInFlightOperations);
      stats = wrapped.stats;
      return Promise.resolve(wrapped.duplex);
    },
    // Generous: a loaded machine must not turn waiting for a slot into a failure.
    operationTimeout: 120_000,
  });
  const count = 30_000;
  const results = await Promise.all(
    Array.from(
      { length: count },
      (_, i) => client.publishEvent(`burst-${i % 10}`, "n", { body: { i } }),
    ),
  );
  assert.equal(results.length, count);
  const perStream = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const stream = `burst-${i % 10}`;
    const next = perStream.get(stream) ?? 0;
    // Call order is stream order: the queue keeps it.
    assert.equal(results[i].firstEventNumber, BigInt(next));
    perStream.set(stream, next + 1);
  }
  assert.ok(stats.max > 0, "no append was seen on the wire");
  assert.ok(
    stats.max <= DEFAULTS.maxInFlightOperations,
    `${stats.max} appends in flight, cap ${DEFAULTS.maxInFlightOperations}`,
  );
  // Replies were held until the cap was reached: exactly the cap went out, no more.
  assert.equal(stats.max, DEFAULTS.maxInFlightOperations);
  assert.equal(stats.now, 0);
});
