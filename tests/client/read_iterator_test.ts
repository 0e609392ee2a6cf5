import assert from "node:assert/strict";
import {
  ReadStreamEventsCompleted_ReadStreamResult,
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
} from "../../gen/client_messages_pb.ts";
import { connect } from "../../lib/client/client.ts";
import { newEvent } from "../../lib/client/new_event.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import type { Duplex } from "../../lib/wire/duplex.ts";
import { guidToBytes } from "../../lib/wire/guid.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { connectFake } from "./support/fake_peer.ts";

/** Wraps a duplex, counting the packages of one command the client sends (one write = one package). */
function countingSends(duplex: Duplex, command: number): { duplex: Duplex; count: () => number } {
  let count = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (chunk[4] === command) count++;
      controller.enqueue(chunk);
    },
  });
  counter.readable.pipeTo(duplex.writable).catch(() => {});
  return {
    duplex: { readable: duplex.readable, writable: counter.writable, close: () => duplex.close() },
    count: () => count,
  };
}

Deno.test("iter() over a 100,000-event stream reads one page at a time: never more than one page ahead", async () => {
  await using store = await startMemoryStore({ listen: false });
  let reads = () => 0;
  await using client = await connect({
    transport: () => {
      const wrapped = countingSends(store.connectPipe(), TcpCommand.ReadStreamEventsForward);
      reads = wrapped.count;
      return Promise.resolve(wrapped.duplex);
    },
  });
  const total = 100_000;
  const batch = 500;
  for (let start = 0; start < total; start += 1000) {
    await client.publish(
      "big",
      Array.from({ length: 1000 }, (_, i) => newEvent("n", { body: start + i })),
    );
  }
  let seen = 0;
  for await (const event of client.iter("big", { batchSize: batch })) {
    assert.equal(event.eventNumber, BigInt(seen));
    seen++;
    // The page holding event `seen` has been read, and not one more.
    assert.equal(reads(), Math.ceil(seen / batch));
  }
  assert.equal(seen, total);
  // The last page said end-of-stream: no extra read for an empty page.
  assert.equal(reads(), total / batch);
});

function page(stream: string, from: number, count: number, last: number): Uint8Array {
  const events = Array.from({ length: count }, (_, i) => ({
    event: {
      eventStreamId: stream,
      eventNumber: BigInt(from + i),
      eventId: guidToBytes(crypto.randomUUID()),
      eventType: "t",
      dataContentType: 1,
      data: new TextEncoder().encode("{}"),
    },
  }));
  const next = from + count;
  return encodeMessage(ReadStreamEventsCompletedSchema, {
    events,
    result: ReadStreamEventsCompleted_ReadStreamResult.Success,
    nextEventNumber: BigInt(next),
    lastEventNumber: BigInt(last),
    isEndOfStream: next > last,
  });
}

Deno.test("leaving a for-await loop over iter() stops the reads", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const iteration = (async () => {
    let n = 0;
    for await (const _event of client.iter("s", { batchSize: 2 })) {
      if (++n === 3) break;
    }
    return n;
  })();
  const first = await peer.receive();
  assert.equal(decodeMessage(ReadStreamEventsSchema, first.payload).fromEventNumber, 0n);
  await peer.reply(first, TcpCommand.ReadStreamEventsForwardCompleted, page("s", 0, 2, 9));
  const second = await peer.receive();
  assert.equal(decodeMessage(ReadStreamEventsSchema, second.payload).fromEventNumber, 2n);
  await peer.reply(second, TcpCommand.ReadStreamEventsForwardCompleted, page("s", 2, 2, 9));
  assert.equal(await iteration, 3);
  // The next package the server sees is this ping, not a third read.
  const ping = client.ping();
  assert.equal((await peer.receive()).command, TcpCommand.Ping);
  peer.close();
  await assert.rejects(ping);
});

Deno.test("cancelling iter() while a page is in flight abandons that read; its late reply is ignored", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const stream = client.iter("s", { batchSize: 2 });
  const reader = stream.getReader();
  const pending = reader.read();
  const request = await peer.receive();
  await reader.cancel(new Error("not interested"));
  assert.deepEqual(await pending, { done: true, value: undefined });
  await peer.reply(request, TcpCommand.ReadStreamEventsForwardCompleted, page("s", 0, 2, 9));
  const ping = client.ping();
  const next = await peer.receive();
  assert.equal(next.command, TcpCommand.Ping);
  await peer.reply(next, TcpCommand.Pong);
  await ping;
  peer.close();
});
