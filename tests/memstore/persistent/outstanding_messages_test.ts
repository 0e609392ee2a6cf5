import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { EventRecordSchema } from "../../../gen/client_messages_pb.ts";
import type { GroupEvent } from "../../../lib/memstore/persistent/group_event.ts";
import { OutstandingMessages } from "../../../lib/memstore/persistent/outstanding_messages.ts";
import { guidToBytes } from "../../../lib/wire/guid.ts";
import { testId } from "./fake_group_storage.ts";

function entry(n: number): GroupEvent {
  return {
    event: create(EventRecordSchema, {
      eventStreamId: "s",
      eventNumber: BigInt(n),
      eventId: guidToBytes(testId(n + 1)),
    }),
  };
}

Deno.test("OutstandingMessages keys by id, refuses duplicates, expires by deadline", () => {
  const table = new OutstandingMessages();
  assert.equal(table.start(entry(4), 0, "a", 100), true);
  assert.equal(table.start(entry(4), 3, "b", 50), false, "duplicate id kept as first recorded");
  assert.equal(table.start(entry(2), 1, "b", 300), true);
  assert.equal(table.start(entry(9), 0, "b", Infinity), true);
  assert.equal(table.get(testId(5))?.clientKey, "a");
  assert.equal(table.lowestEventNumber(), 2n);
  assert.deepEqual(table.expiredAt(99), []);
  assert.deepEqual(table.expiredAt(300).map((m) => m.id), [testId(5), testId(3)]);
  assert.equal(table.remove(testId(3)), true);
  assert.equal(table.remove(testId(3)), false);
  assert.equal(table.size, 2);
  assert.equal(table.hasDeadlines, true);
  table.remove(testId(5));
  assert.equal(table.hasDeadlines, false, "Infinity is no deadline");
});

Deno.test("OutstandingMessages: the lowest number follows removals and a re-delivery of the same id", () => {
  const table = new OutstandingMessages();
  let seed = 11;
  const numbers = Array.from({ length: 500 }, () => (seed = (seed * 48271) % 2147483647) % 10_000);
  const live = new Set<number>();
  for (const n of numbers) if (table.start(entry(n), 0, "a", Infinity)) live.add(n);
  for (const n of [...live].slice(0, 300)) {
    table.remove(testId(n + 1));
    live.delete(n);
    assert.equal(table.lowestEventNumber(), BigInt(Math.min(...live)));
  }
  const lowest = Math.min(...live);
  table.remove(testId(lowest + 1));
  assert.equal(table.start(entry(lowest), 2, "b", 10), true);
  assert.equal(table.lowestEventNumber(), BigInt(lowest));
  assert.equal(table.hasDeadlines, true);
  table.remove(testId(lowest + 1));
  assert.equal(table.hasDeadlines, false);
  for (const n of live) if (n !== lowest) table.remove(testId(n + 1));
  assert.equal(table.lowestEventNumber(), undefined);
  assert.equal(table.size, 0);
});
