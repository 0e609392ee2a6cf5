import assert from "node:assert/strict";
import { connect } from "../../lib/client/client.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import type { Duplex } from "../../lib/wire/duplex.ts";

/** Wraps a duplex, recording the size of every chunk the client writes. */
function recordingWrites(duplex: Duplex): { duplex: Duplex; writes: number[] } {
  const writes: number[] = [];
  const recorder = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      writes.push(chunk.length);
      controller.enqueue(chunk);
    },
  });
  recorder.readable.pipeTo(duplex.writable).catch(() => {});
  return {
    duplex: { readable: duplex.readable, writable: recorder.writable, close: () => duplex.close() },
    writes,
  };
}

Deno.test("100 appends issued together share socket writes, reach the server in call order and each gets its own result", async () => {
  await using store = await startMemoryStore({ listen: false });
  let writes: number[] = [];
  await using client = await connect({
    transport: () => {
      const wrapped = recordingWrites(store.connectPipe());
      writes = wrapped.writes;
      return Promise.resolve(wrapped.duplex);
    },
  });
  const before = writes.length;
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => client.publishEvent("coalesced", "n", { body: { i } })),
  );
  const sent = writes.length - before;
  // Call order is stream order, and each call got the number of its own event.
  results.forEach((result, i) => assert.equal(result.firstEventNumber, BigInt(i)));
  const events = await client.get("coalesced", { maxCount: 100 });
  assert.deepEqual(events.map((e) => (e.json() as { i: number }).i), results.map((_, i) => i));
  // 100 packages, far fewer writes.
  assert.ok(sent < 100 && sent >= 1, `${sent} writes for 100 appends`);
});
