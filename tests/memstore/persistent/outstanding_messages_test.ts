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
