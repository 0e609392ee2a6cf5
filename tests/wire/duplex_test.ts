import assert from "node:assert/strict";
import { createPipe } from "../../lib/wire/duplex.ts";

Deno.test("createPipe() carries bytes both ways", async () => {
  const [a, b] = createPipe();
  const wa = a.writable.getWriter();
  const wb = b.writable.getWriter();
  const ra = a.readable.getReader();
  const rb = b.readable.getReader();
  await wa.write(new Uint8Array([1, 2]));
  await wb.write(new Uint8Array([3]));
  assert.deepEqual([...(await rb.read()).value!], [1, 2]);
  assert.deepEqual([...(await ra.read()).value!], [3]);
  a.close();
});

Deno.test("close() ends both directions even while both ends are locked", async () => {
  const [a, b] = createPipe();
  const wa = a.writable.getWriter();
  const ra = a.readable.getReader();
  const wb = b.writable.getWriter();
  const rb = b.readable.getReader();
  const pending = rb.read();
  a.close();
  assert.deepEqual(await pending, { done: true, value: undefined });
  assert.equal((await ra.read()).done, true);
  await assert.rejects(wa.write(new Uint8Array([1])));
  await assert.rejects(wb.write(new Uint8Array([1])));
  a.close(); // closing twice is a no-op
  b.close();
});

Deno.test("a pipe direction applies backpressure at its high-water mark", async () => {
  const [a, b] = createPipe({ highWaterMark: 4 });
  const writer = a.writable.getWriter();
  await writer.write(new Uint8Array(4)); // fills the reading side's queue
  let secondWritten = false;
  const second = writer.write(new Uint8Array(4)).then(() => secondWritten = true);
  await Promise.resolve();
  assert.equal(secondWritten, false, "the second write must wait for the reader");
  assert.ok(writer.desiredSize! <= 0, `desiredSize ${writer.desiredSize}`);
  const reader = b.readable.getReader();
  assert.equal((await reader.read()).value?.length, 4);
  await second;
  assert.equal((await reader.read()).value?.length, 4);
  a.close();
});
