import assert from "node:assert/strict";
import {
  DeleteStreamCompletedSchema,
  DeleteStreamSchema,
  OperationResult,
  ReadEventCompleted_ReadEventResult,
  ReadEventCompletedSchema,
  ReadEventSchema,
} from "../../gen/client_messages_pb.ts";
import {
  defaultMaxMemory,
  INDEX_BYTES_PER_RECORD,
  MAX_RECORDS,
  MemoryBudget,
  parseByteSize,
} from "../../lib/memstore/memory_budget.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { SLAB_SIZE } from "../../lib/memstore/record_arena.ts";
import { MemoryStorage, type NewEventData } from "../../lib/memstore/storage.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { WireClient } from "./support/wire_client.ts";

const MiB = 1024 * 1024;

function body(size: number): NewEventData {
  return {
    eventId: crypto.randomUUID(),
    eventType: "Fill",
    isJson: false,
    data: new Uint8Array(size),
  };
}

/** Appends 10 KiB events until the store refuses one; returns the refusal and the ids written. */
function fill(storage: MemoryStorage, stream = "fill"): { message: string; ids: string[] } {
  const ids: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const event = body(10 * 1024);
    const outcome = storage.append(stream, -2n, [event]);
    if (outcome.status === "memory-full") return { message: outcome.message, ids };
    assert.equal(outcome.status, "success");
    ids.push(event.eventId);
  }
  throw new Error("the store never filled up");
}

Deno.test("writes past maxMemory are refused with a memory-full outcome naming the budget", () => {
  const storage = new MemoryStorage({ maxMemory: 8 * MiB });
  const { message, ids } = fill(storage);
  assert.match(message, /^Memory store full: \d+ of its 8388608 bytes \(maxMemory\) are in use/);
  assert.ok(ids.length > 300, `${ids.length} events held`);
  assert.ok(storage.memoryUsed <= storage.maxMemory + SLAB_SIZE, `${storage.memoryUsed} used`);
  assert.ok(storage.recordBytes <= 8 * MiB + SLAB_SIZE, `${storage.recordBytes} bytes of slabs`);
});

Deno.test("a full store still serves reads, idempotent retries, empty writes and deletes", () => {
  const storage = new MemoryStorage({ maxMemory: 4 * MiB });
  storage.append("other", -2n, [body(10)]);
  const { ids } = fill(storage);
  const read = storage.readStreamForward("fill", 0n, 10);
  assert.equal(read.status, "success");
  if (read.status === "success") assert.equal(read.events.length, 10);
  const retry = storage.append("fill", -2n, [{ ...body(10 * 1024), eventId: ids[0] }]);
  assert.equal(retry.status, "success");
  if (retry.status === "success") assert.equal(retry.idempotent, true);
  assert.equal(storage.append("fill", -2n, []).status, "success");
  assert.equal(storage.append("fill", 0n, [body(1)]).status, "wrong-expected-version");
  assert.equal(storage.deleteStream("other", -2n, true).status, "success");
  assert.equal(storage.deleteStream("fill", -2n, false).status, "success");
});

Deno.test("a transaction commit past maxMemory is refused", () => {
  const storage = new MemoryStorage({ maxMemory: 4 * MiB });
  const id = storage.startTransaction("tx", -2n);
  storage.writeTransaction(id, [body(10)]);
  fill(storage);
  assert.equal(storage.commitTransaction(id).status, "memory-full");
});

Deno.test("the index may take at most half of the heap limit", () => {
  const budget = new MemoryBudget(1024 ** 4, 100 * INDEX_BYTES_PER_RECORD);
  const use = { recordBytes: 0, records: 49, streams: 0 };
  assert.equal(budget.refusal(use, 10, 1, 0), null);
  assert.match(
    budget.refusal({ ...use, records: 50 }, 10, 1, 0)!,
    /half of the JavaScript heap limit/,
  );
});

Deno.test("the store refuses records past the most a Map can index", () => {
  const budget = new MemoryBudget(1024 ** 5, 1024 ** 5);
  const use = { recordBytes: 0, records: MAX_RECORDS, streams: 1 };
  assert.match(budget.refusal(use, 10, 1, 0)!, /the most records it can index/);
});

Deno.test("maxMemory must be a positive number of bytes", () => {
  assert.throws(() => new MemoryStorage({ maxMemory: 0 }), RangeError);
  assert.throws(() => new MemoryStorage({ maxMemory: Number.NaN }), /Invalid maxMemory NaN/);
});

Deno.test("WriteEvents to a full store is answered PrepareTimeout with the reason, reads go on", async () => {
  const lines: string[] = [];
  await using store = await startMemoryStore({
    listen: false,
    maxMemory: 2 * MiB,
    log: (line) => lines.push(line),
  });
  await using client = new WireClient(store.connectPipe());
  const big = "x".repeat(60 * 1024);
  let refused = null;
  for (let i = 0; i < 200 && refused === null; i++) {
    const reply = await client.write("full", -2n, [{ data: big, isJson: false }]);
    if (reply.result !== OperationResult.Success) refused = reply;
  }
  assert.ok(refused !== null, "the store never refused a write");
  assert.equal(refused.result, OperationResult.PrepareTimeout);
  assert.match(refused.message ?? "", /^Prepare phase timeout\. Memory store full: /);
  assert.ok(
    lines.some((l) => /^Write to "full" refused: Memory store full/.test(l)),
    lines.join("\n"),
  );
  const read = await client.call(
    TcpCommand.ReadEvent,
    ReadEventSchema,
    { eventStreamId: "full", eventNumber: 0n, resolveLinkTos: false },
    TcpCommand.ReadEventCompleted,
    ReadEventCompletedSchema,
  );
  assert.equal(read.result, ReadEventCompleted_ReadEventResult.Success);
  const deleted = await client.call(
    TcpCommand.DeleteStream,
    DeleteStreamSchema,
    { eventStreamId: "full", expectedVersion: -2n, hardDelete: true },
    TcpCommand.DeleteStreamCompleted,
    DeleteStreamCompletedSchema,
  );
  assert.equal(deleted.result, OperationResult.Success);
});

Deno.test({
  name: "parseByteSize reads bytes and binary units, and rejects what is not a positive size",
  permissions: "none",
  fn() {
    assert.equal(parseByteSize("1048576"), MiB);
    assert.equal(parseByteSize("512MiB"), 512 * MiB);
    assert.equal(parseByteSize("1g"), 1024 * MiB);
    assert.equal(parseByteSize("1.5 GB"), 1536 * MiB);
    assert.equal(parseByteSize("64k"), 64 * 1024);
    for (const bad of ["", "0", "-1", "12 parsecs", "1e9", "MiB"]) {
      assert.equal(parseByteSize(bad), null, bad);
    }
  },
});

Deno.test({
  name: "defaultMaxMemory is 1 GiB without sys access, and never asks for it",
  permissions: "none",
  fn() {
    assert.equal(defaultMaxMemory(), 1024 * MiB);
  },
});

Deno.test({
  name: "defaultMaxMemory with sys access is a quarter of the machine's memory, at most 4 GiB",
  permissions: { sys: ["systemMemoryInfo"] },
  fn() {
    const expected = Math.min(Math.floor(Deno.systemMemoryInfo().total / 4), 4 * 1024 * MiB);
    assert.equal(defaultMaxMemory(), expected);
  },
});
