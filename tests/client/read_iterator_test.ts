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
import { type Page, pagedStream, type PageReader } from "../../lib/client/read_iterator.ts";
import { RecordedEvent, ResolvedEvent } from "../../lib/client/resolved_event.ts";
import type { ClientContext } from "../../lib/client/client_context.ts";
import { keepingResults } from "./support/keeping_results.ts";
import { iter, iterAll } from "../../lib/client/reads.ts";
import { publish } from "../../lib/client/writes.ts";
import { systemClock } from "../../lib/clock.ts";
import { openExecutor } from "./resilience/support.ts";

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

Deno.test("iter() over a 100,000-event stream reads at most one page ahead of the consumer", async () => {
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
    // The page holding event `seen` has been read, and at most the one after it.
    const consumed = Math.ceil(seen / batch);
    assert.ok(
      reads() >= consumed && reads() <= Math.min(consumed + 1, total / batch),
      `${reads()} reads after ${seen} events`,
    );
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

Deno.test("leaving a for-await loop over iter() abandons the page read ahead and stops the reads", async () => {
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
  // The page after event 3 was requested ahead; the loop left before needing it.
  const ahead = await peer.receive();
  assert.equal(decodeMessage(ReadStreamEventsSchema, ahead.payload).fromEventNumber, 4n);
  assert.equal(await iteration, 3);
  await peer.reply(ahead, TcpCommand.ReadStreamEventsForwardCompleted, page("s", 4, 2, 9));
  // The next package the server sees is this ping, not a fourth read.
  const ping = client.ping();
  assert.equal((await peer.receive()).command, TcpCommand.Ping);
  peer.close();
  await assert.rejects(ping);
});

Deno.test("iter() requests the next page while the current one is consumed, and not the one after", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const reader = client.iter("s", { batchSize: 2 }).getReader();
  const firstEvent = reader.read();
  const first = await peer.receive();
  await peer.reply(first, TcpCommand.ReadStreamEventsForwardCompleted, page("s", 0, 2, 9));
  assert.equal((await firstEvent).value?.eventNumber, 0n);
  // Only event 0 was taken, yet page 2-3 is already on its way.
  const second = await peer.receive();
  assert.equal(decodeMessage(ReadStreamEventsSchema, second.payload).fromEventNumber, 2n);
  await peer.reply(second, TcpCommand.ReadStreamEventsForwardCompleted, page("s", 2, 2, 9));
  // With page 2-3 arrived and nothing more consumed, nothing more is read: the ping comes next.
  const ping = client.ping();
  const next = await peer.receive();
  assert.equal(next.command, TcpCommand.Ping);
  await peer.reply(next, TcpCommand.Pong);
  await ping;
  await reader.cancel();
  peer.close();
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

function fakeEvent(n: number): ResolvedEvent {
  return new ResolvedEvent(
    new RecordedEvent({
      stream: "s",
      id: crypto.randomUUID(),
      eventNumber: BigInt(n),
      type: "t",
      data: new Uint8Array(0),
      isJson: false,
      created: new Date(0),
    }),
  );
}

/** Lets every pending promise callback run (no timers involved). */
async function settleMicrotasks(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

interface ManualRead {
  readonly from: number;
  readonly signal: AbortSignal;
  settled: boolean;
  settle(page: Page<number> | Error): void;
}

/** A page reader whose reads the test settles by hand, recording each cursor and signal. */
function manualPages() {
  const reads: ManualRead[] = [];
  const readPage: PageReader<number> = (from, _count, signal) => {
    const { promise, resolve, reject } = Promise.withResolvers<Page<number>>();
    const read: ManualRead = {
      from,
      signal,
      settled: false,
      settle(page) {
        read.settled = true;
        if (page instanceof Error) reject(page);
        else resolve(page);
      },
    };
    reads.push(read);
    return promise;
  };
  const pageAt = (from: number, size: number, last: number): Page<number> => ({
    events: Array.from({ length: size }, (_, i) => fakeEvent(from + i)),
    next: from + size,
    done: from + size > last,
  });
  return { reads, readPage, pageAt };
}

/** Reads a stream with a reader, or with its async iterator (what `for await` uses). */
type Way = "a reader" | "its iterator";
function consumer(stream: ReadableStream<ResolvedEvent>, way: Way) {
  if (way === "a reader") {
    const reader = stream.getReader();
    return {
      read: () => reader.read(),
      cancel: (reason?: unknown) => reader.cancel(reason),
    };
  }
  const iterator = stream[Symbol.asyncIterator]();
  return {
    read: () => iterator.next(),
    cancel: async (reason?: unknown) => void await iterator.return!(reason),
  };
}

for (const way of ["a reader", "its iterator"] as const) {
  Deno.test(`pagedStream() read with ${way} holds at most one page ahead however slowly the consumer reads`, async () => {
    const { reads, readPage, pageAt } = manualPages();
    const reader = consumer(pagedStream(0, 100, readPage), way);
    const taken: bigint[] = [];
    for (let n = 0; n < 10; n++) {
      const next = reader.read();
      // Answer every read issued so far at once: a stream that ran ahead would issue more.
      for (let round = 0; round < 3; round++) {
        await settleMicrotasks();
        for (const read of reads) if (!read.settled) read.settle(pageAt(read.from, 3, 29));
      }
      taken.push((await next).value!.eventNumber);
      await settleMicrotasks();
      const pagesConsumed = Math.floor(n / 3) + 1;
      assert.ok(reads.length <= pagesConsumed + 1, `${reads.length} reads after ${n + 1} events`);
    }
    assert.deepEqual(taken, Array.from({ length: 10 }, (_, i) => BigInt(i)));
    assert.equal(reads.length, 5);
    await reader.cancel();
  });

  Deno.test(`cancelling pagedStream() read with ${way} aborts the page read ahead`, async () => {
    const { reads, readPage, pageAt } = manualPages();
    const reader = consumer(pagedStream(0, 100, readPage), way);
    const first = reader.read();
    await settleMicrotasks();
    reads[0].settle(pageAt(0, 2, 9));
    assert.equal((await first).value?.eventNumber, 0n);
    assert.equal(reads.length, 2);
    assert.equal(reads[1].from, 2);
    assert.equal(reads[1].signal.aborted, false);
    await reader.cancel(new Error("enough"));
    assert.equal(reads[1].signal.aborted, true);
    assert.equal((reads[1].signal.reason as Error).message, "enough");
  });

  Deno.test(`pagedStream() read with ${way} surfaces a failed page read ahead after the current page's events`, async () => {
    const { reads, readPage, pageAt } = manualPages();
    const reader = consumer(pagedStream(0, 100, readPage), way);
    const first = reader.read();
    await settleMicrotasks();
    reads[0].settle(pageAt(0, 2, 9));
    assert.equal((await first).value?.eventNumber, 0n);
    reads[1].settle(new Error("page 2 failed"));
    await settleMicrotasks();
    assert.equal((await reader.read()).value?.eventNumber, 1n);
    await assert.rejects(reader.read(), /page 2 failed/);
  });
}

Deno.test("pagedStream() does not read past a page that says it is the last", async () => {
  const { reads, readPage, pageAt } = manualPages();
  const events: bigint[] = [];
  const done = (async () => {
    for await (const event of pagedStream(0, 100, readPage)) events.push(event.eventNumber);
  })();
  await settleMicrotasks();
  reads[0].settle(pageAt(0, 2, 3));
  await settleMicrotasks();
  reads[1].settle(pageAt(2, 2, 3));
  await done;
  assert.deepEqual(events, [0n, 1n, 2n, 3n]);
  assert.equal(reads.length, 2);
});

Deno.test("an error from iterAll() carries the stack of the call that made the stream", async () => {
  await using store = await startMemoryStore({ port: 0 });
  await using client = await connect(store.url);
  // Reading $all needs admin rights: the first page is refused with AccessDeniedError.
  function openEverythingStream(): ReadableStream<unknown> {
    return client.iterAll();
  }
  const stream = openEverythingStream();
  const error = await (async () => {
    for await (const _ of stream) assert.fail("read an event");
  })().then(() => assert.fail("no error"), (e: Error) => e);
  assert.equal(error.name, "AccessDeniedError", String(error));
  assert.match(String(error.stack), /openEverythingStream/);
  assert.match(String(error.stack), /^AccessDeniedError: Access denied/);
});

Deno.test("iter() and iterAll() take each page out of the finished read, so a read that stays reachable holds no events", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using executor = await openExecutor({
    endpoint: { hostname: "memstore", port: 1113 },
    dialer: () => Promise.resolve(store.connectPipe()),
  });
  const { executor: spy, results } = keepingResults(executor);
  const context: ClientContext = {
    executor: spy,
    calls: { credentials: { username: "admin", password: "changeit" }, requireLeader: true },
    clock: systemClock,
  };
  const events = Array.from({ length: 25 }, (_, i) => newEvent("n", { body: i }));
  await publish(context, "pages", events);
  const streamed: number[] = [];
  for await (const event of iter(context, "pages", { batchSize: 10 })) streamed.push(event.json());
  assert.deepEqual(streamed, Array.from({ length: 25 }, (_, i) => i));
  let fromAll = 0;
  for await (const event of iterAll(context, { batchSize: 10 })) {
    if (event.stream === "pages") fromAll++;
  }
  assert.equal(fromAll, 25);
  assert.ok(results.length >= 6, `${results.length} page reads`);
  for (const [i, slice] of results.entries()) {
    assert.equal(slice.length, 0, `read ${i} still holds ${slice.length} events`);
  }
});
