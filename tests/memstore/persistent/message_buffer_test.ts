import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { EventRecordSchema } from "../../../gen/client_messages_pb.ts";
import type { GroupEvent } from "../../../lib/memstore/persistent/group_event.ts";
import { MessageBuffer } from "../../../lib/memstore/persistent/message_buffer.ts";
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

const numbers = (buffer: MessageBuffer) =>
  buffer.scan().map((m) => [Number(m.entry.event!.eventNumber), m.retryCount]);

Deno.test("MessageBuffer offers retries first, ordered by event number, then reads in order", () => {
  const buffer = new MessageBuffer();
  buffer.addRead(entry(5));
  buffer.addRead(entry(6));
  buffer.addRetry(entry(3), 2);
  buffer.addRetry(entry(1), 1);
  buffer.addRetry(entry(2), 4);
  assert.deepEqual(numbers(buffer), [[1, 1], [2, 4], [3, 2], [5, 0], [6, 0]]);
  assert.equal(buffer.readCount, 2);
  assert.equal(buffer.size, 5);
  assert.equal(buffer.lowestEventNumber(), 1n);
  buffer.remove(buffer.scan()[0]);
  buffer.remove(buffer.scan()[3]);
  assert.deepEqual(numbers(buffer), [[2, 4], [3, 2], [5, 0]]);
  assert.equal(buffer.readCount, 1);
});

Deno.test("MessageBuffer.offer visits in delivery order, keeps skipped messages and stops when told", () => {
  const buffer = new MessageBuffer();
  for (const n of [10, 11, 12, 13]) buffer.addRead(entry(n));
  buffer.addRetry(entry(4), 1);
  buffer.addRetry(entry(2), 1);
  const visited: number[] = [];
  buffer.offer((m) => {
    const n = Number(m.entry.event!.eventNumber);
    visited.push(n);
    if (n === 4 || n === 11) return "skip";
    return n === 13 ? "stop" : "take";
  });
  assert.deepEqual(visited, [2, 4, 10, 11, 12, 13]);
  assert.deepEqual(numbers(buffer), [[4, 1], [11, 0], [13, 0]]);
  assert.equal(buffer.lowestEventNumber(), 4n);
  assert.equal(buffer.readCount, 2);
});

Deno.test("MessageBuffer: taking thousands of messages one offer at a time keeps order and lowest", () => {
  const buffer = new MessageBuffer();
  for (let n = 0; n < 5_000; n++) buffer.addRead(entry(n));
  for (let n = 0; n < 5_000; n++) {
    assert.equal(buffer.lowestEventNumber(), BigInt(n));
    let taken = -1;
    buffer.offer((m) => {
      if (taken >= 0) return "stop";
      taken = Number(m.entry.event!.eventNumber);
      return "take";
    });
    assert.equal(taken, n);
  }
  assert.equal(buffer.size, 0);
  assert.equal(buffer.lowestEventNumber(), undefined);
});
