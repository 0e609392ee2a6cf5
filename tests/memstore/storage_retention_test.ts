import assert from "node:assert/strict";
import { DEDICATED_RECORD_SIZE, SLAB_SIZE } from "../../lib/memstore/record_arena.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { MemoryStorage, type NewEventData, type StoredEvent } from "../../lib/memstore/storage.ts";
import { WireClient } from "./support/wire_client.ts";

/** Socket reads arrive in chunks of up to this size; a view into one keeps all of it alive. */
const CHUNK = 64 * 1024;
/** The growing slabs and the slab being filled. */
const ARENA_CONSTANT = 2 * SLAB_SIZE;

/** An event whose data and metadata are views into a fresh 64 KiB "socket chunk". */
function chunkedEvent(dataSize: number, metadataSize = 0): NewEventData {
  const chunk = new Uint8Array(Math.max(CHUNK, dataSize + metadataSize + 100));
  chunk.fill(0x61);
  return {
    eventId: crypto.randomUUID(),
    eventType: "Chunked",
    isJson: false,
    data: chunk.subarray(50, 50 + dataSize),
    metadata: chunk.subarray(50 + dataSize, 50 + dataSize + metadataSize),
  };
}

/** Every record of `$all`, in order. */
function allRecords(storage: MemoryStorage): StoredEvent[] {
  const out: StoredEvent[] = [];
  let position = { commit: 0, prepare: 0 };
  for (;;) {
    const page = storage.readAllForward(position, 4096, () => true);
    if (page.status !== "success") throw new Error(page.message);
    out.push(...page.events);
    if (page.isEndOfStream) return out;
    position = page.next;
  }
}

/** Sums the distinct ArrayBuffers that the records' bytes reference. */
function retained(records: readonly StoredEvent[]): { buffers: number; encoded: number } {
  const seen = new Set<ArrayBufferLike>();
  let buffers = 0;
  let encoded = 0;
  for (const r of records) {
    encoded += r.encoded.length;
    for (const view of [r.encoded, r.data, r.metadata]) {
      if (seen.has(view.buffer)) continue;
      seen.add(view.buffer);
      buffers += view.buffer.byteLength;
    }
  }
  return { buffers, encoded };
}

Deno.test("stored records keep no 64 KiB socket chunk alive per event", () => {
  const storage = new MemoryStorage();
  for (let i = 0; i < 2_000; i++) storage.append(`s-${i % 10}`, -2n, [chunkedEvent(100, 20)]);
  const records = allRecords(storage);
  assert.equal(records.length, 2_000);
  const { buffers, encoded } = retained(records);
  assert.ok(buffers <= 1.25 * encoded + ARENA_CONSTANT, `${buffers} bytes for ${encoded}`);
  assert.ok(buffers < 2_000 * CHUNK / 100, `${buffers} bytes retained`);
});

Deno.test("retained bytes stay within 1.25x the encoded records plus a constant", () => {
  const storage = new MemoryStorage();
  for (let i = 0; i < 30_000; i++) storage.append("bulk", -2n, [chunkedEvent(800, 80)]);
  const { buffers, encoded } = retained(allRecords(storage));
  assert.ok(encoded > 5 * ARENA_CONSTANT / 2, `the test needs more than the constant: ${encoded}`);
  assert.ok(buffers <= 1.25 * encoded + ARENA_CONSTANT, `${buffers} bytes for ${encoded}`);
  assert.equal(storage.recordBytes, buffers);
});

Deno.test("mixed record sizes, dedicated ones included, stay within 1.25x plus a constant", () => {
  const storage = new MemoryStorage();
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const sizes = [
    10,
    1_000,
    40_000,
    DEDICATED_RECORD_SIZE - 300,
    DEDICATED_RECORD_SIZE + 1,
    2 << 20,
  ];
  for (let i = 0; i < 300; i++) {
    const size = sizes[Math.floor(random() * sizes.length)];
    storage.append(`m-${i % 7}`, -2n, [chunkedEvent(size, i % 3 === 0 ? 500 : 0)]);
  }
  const { buffers, encoded } = retained(allRecords(storage));
  assert.ok(buffers <= 1.25 * encoded + ARENA_CONSTANT, `${buffers} bytes for ${encoded}`);
});

Deno.test("an encoded record costs its data and metadata plus a small header", () => {
  const storage = new MemoryStorage();
  storage.append("orders-1", -2n, [chunkedEvent(100, 20)]);
  const [record] = allRecords(storage);
  const header = record.stream.length + record.eventType.length + 64;
  assert.ok(record.encoded.length <= 120 + header, `${record.encoded.length} bytes`);
});

Deno.test("events of an open transaction do not pin their request's chunk", () => {
  const storage = new MemoryStorage();
  const id = storage.startTransaction("tx", -2n);
  const event = chunkedEvent(100);
  storage.writeTransaction(id, [event]);
  event.data.fill(0x62);
  storage.commitTransaction(id);
  const [record] = allRecords(storage);
  assert.ok(record.data.every((b) => b === 0x61), "the transaction kept its own copy");
  assert.notEqual(record.data.buffer, event.data.buffer);
});

Deno.test("events appended one at a time over a loopback socket keep no socket chunk alive", async () => {
  await using store = await startMemoryStore({ port: 0, heartbeat: false });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: store.port });
  await using client = new WireClient({
    readable: conn.readable,
    writable: conn.writable,
    close: () => {
      try {
        conn.close();
      } catch {
        // already closed by its streams
      }
    },
  });
  for (let i = 0; i < 1_000; i++) {
    await client.write(`tcp-${i % 10}`, -2n, [{
      data: JSON.stringify({ i, pad: "p".repeat(90) }),
    }]);
  }
  const storage = (store as unknown as { services: { storage: MemoryStorage } }).services.storage;
  const records = allRecords(storage);
  assert.equal(records.length, 1_000);
  const { buffers, encoded } = retained(records);
  assert.ok(buffers <= 1.25 * encoded + ARENA_CONSTANT, `${buffers} bytes for ${encoded}`);
  assert.ok(buffers < 100 * CHUNK, `${buffers} bytes retained by 1,000 events`);
});
