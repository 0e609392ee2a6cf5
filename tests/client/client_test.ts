import assert from "node:assert/strict";
import {
  AccessDeniedError,
  EventNotFoundError,
  NotAuthenticatedError,
  NotHandledError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from "../../lib/errors.ts";
import { connect } from "../../lib/client/client.ts";
import { ExpectedVersion } from "../../lib/client/expected_version.ts";
import { newEvent } from "../../lib/client/new_event.ts";
import { Position } from "../../lib/client/position.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { scenario } from "./support/targets.ts";

function numbers(events: { eventNumber: bigint }[]): number[] {
  return events.map((e) => Number(e.eventNumber));
}

async function seed(
  client: Awaited<ReturnType<typeof connect>>,
  stream: string,
  count: number,
): Promise<void> {
  await client.publish(
    stream,
    Array.from({ length: count }, (_, i) => newEvent("seeded", { body: { i } })),
  );
}

scenario(
  "the classic writer and reader: publishEvent then get returns the event's type and JSON body",
  async (client, ctx) => {
    const stream = ctx.stream("adventure");
    const written = await client.publishEvent(stream, "player_created", { body: { name: "Gil" } });
    assert.equal(written.firstEventNumber, 0n);
    assert.equal(written.lastEventNumber, 0n);
    assert.ok(written.position instanceof Position);
    const slice = await client.get(stream);
    assert.equal(slice.length, 1);
    assert.equal(slice[0].event?.type, "player_created");
    assert.deepEqual(slice[0].event?.json(), { name: "Gil" });
    assert.equal(slice[0].isJson, true);
    assert.equal(slice[0].stream, stream);
    assert.ok(slice[0].created instanceof Date);
  },
);

scenario(
  "publish() writes several events atomically and reports first and last numbers",
  async (client, ctx) => {
    const stream = ctx.stream("batch");
    await client.publishEvent(stream, "first", { body: 1 });
    const result = await client.publish(stream, [
      newEvent("a", { data: { n: 1 }, metadata: { by: "test" } }),
      newEvent("b", { body: new Uint8Array([1, 2, 3]) }),
    ]);
    assert.equal(result.firstEventNumber, 1n);
    assert.equal(result.lastEventNumber, 2n);
    const a = await client.getEvent(stream, 1);
    assert.deepEqual(a.json(), { n: 1 });
    assert.deepEqual(a.event?.metadataJson(), { by: "test" });
    const b = await client.getEvent(stream, 2n);
    assert.equal(b.isJson, false);
    assert.deepEqual([...b.data], [1, 2, 3]);
    const last = await client.getEvent(stream, -1);
    assert.equal(last.eventNumber, 2n);
  },
);

scenario("a write with the same event ids is idempotent", async (client, ctx) => {
  const stream = ctx.stream("idem");
  const event = newEvent("once", { body: {} });
  const first = await client.publish(stream, [event], {
    expectedVersion: ExpectedVersion.NoStream,
  });
  const again = await client.publish(stream, [event], {
    expectedVersion: ExpectedVersion.NoStream,
  });
  assert.equal(first.lastEventNumber, 0n);
  assert.equal(again.lastEventNumber, 0n);
  assert.equal((await client.get(stream)).length, 1);
});

scenario(
  "ExpectedVersion.NoStream and EmptyStream pass on a new stream and fail with the current version on an existing one",
  async (client, ctx) => {
    const stream = ctx.stream("nostream");
    await client.publishEvent(stream, "t", { body: 1, expectedVersion: ExpectedVersion.NoStream });
    await assert.rejects(
      client.publishEvent(stream, "t", { body: 2, expectedVersion: ExpectedVersion.EmptyStream }),
      (error) => {
        assert.ok(error instanceof WrongExpectedVersionError);
        assert.equal(error.stream, stream);
        assert.equal(error.expectedVersion, -1n);
        assert.equal(error.currentVersion, 0n);
        assert.match(error.message, new RegExp(`"${stream}"`));
        return true;
      },
    );
  },
);

scenario(
  "ExpectedVersion.StreamExists fails on a missing stream and passes on an existing one",
  async (client, ctx) => {
    const stream = ctx.stream("exists");
    await assert.rejects(
      client.publishEvent(stream, "t", { body: 1, expectedVersion: ExpectedVersion.StreamExists }),
      (error) => error instanceof WrongExpectedVersionError && error.currentVersion === -1n,
    );
    await client.publishEvent(stream, "t", { body: 1 });
    const result = await client.publishEvent(stream, "t", {
      body: 2,
      expectedVersion: ExpectedVersion.StreamExists,
    });
    assert.equal(result.lastEventNumber, 1n);
  },
);

scenario(
  "an exact expected version passes when it matches and fails with the current version when the stream moved on",
  async (client, ctx) => {
    const stream = ctx.stream("exact");
    await seed(client, stream, 3);
    const ok = await client.publishEvent(stream, "t", { body: 1, expectedVersion: 2 });
    assert.equal(ok.lastEventNumber, 3n);
    await assert.rejects(
      client.publishEvent(stream, "t", { body: 1, expectedVersion: 2n }),
      (error) => error instanceof WrongExpectedVersionError && error.currentVersion === 3n,
    );
    await assert.rejects(
      client.publishEvent(stream, "t", { body: 1, expectedVersion: 7 }),
      (error) => error instanceof WrongExpectedVersionError && error.currentVersion === 3n,
    );
    const any = await client.publishEvent(stream, "t", {
      body: 1,
      expectedVersion: ExpectedVersion.Any,
    });
    assert.equal(any.lastEventNumber, 4n);
  },
);

scenario(
  "getEvent() rejects with EventNotFoundError, StreamNotFoundError or StreamDeletedError",
  async (client, ctx) => {
    const stream = ctx.stream("readevent");
    await assert.rejects(
      client.getEvent(stream, 0),
      (e) => e instanceof StreamNotFoundError && e.stream === stream,
    );
    await seed(client, stream, 2);
    await assert.rejects(
      client.getEvent(stream, 5),
      (e) => e instanceof EventNotFoundError && e.stream === stream && e.eventNumber === 5n,
    );
    await client.deleteStream(stream, { hardDelete: true });
    await assert.rejects(client.getEvent(stream, 0), StreamDeletedError);
  },
);

scenario(
  "get() rejects with StreamNotFoundError for a missing or soft-deleted stream and StreamDeletedError for a hard-deleted one",
  async (client, ctx) => {
    const missing = ctx.stream("missing");
    await assert.rejects(
      client.get(missing),
      (e) => e instanceof StreamNotFoundError && e.stream === missing,
    );
    const soft = ctx.stream("soft");
    await seed(client, soft, 2);
    await client.deleteStream(soft);
    await assert.rejects(client.get(soft), StreamNotFoundError);
    const hard = ctx.stream("hard");
    await seed(client, hard, 2);
    await client.deleteStream(hard, { hardDelete: true });
    await assert.rejects(
      client.get(hard),
      (e) => e instanceof StreamDeletedError && e.stream === hard,
    );
    await assert.rejects(client.publishEvent(hard, "t", { body: 1 }), StreamDeletedError);
  },
);

scenario(
  "a soft-deleted stream is recreated by the next write, numbering on",
  async (client, ctx) => {
    const stream = ctx.stream("recreate");
    await seed(client, stream, 2);
    await client.deleteStream(stream, { expectedVersion: 1 });
    const result = await client.publishEvent(stream, "again", { body: 1 });
    assert.equal(result.lastEventNumber, 2n);
    const slice = await client.get(stream);
    assert.deepEqual(numbers(slice), [2]);
  },
);

scenario(
  "deleteStream() with a wrong expected version rejects with WrongExpectedVersionError",
  async (client, ctx) => {
    const stream = ctx.stream("delwev");
    await seed(client, stream, 2);
    await assert.rejects(
      client.deleteStream(stream, { expectedVersion: 0 }),
      (e) => e instanceof WrongExpectedVersionError && e.stream === stream,
    );
  },
);

scenario(
  "reads of a stream whose ACL excludes the caller reject with AccessDeniedError",
  async (client, ctx) => {
    const stream = ctx.stream("secret");
    await seed(client, stream, 1);
    await client.setStreamMetadata(stream, { acl: { readRoles: ["$admins"] } }, {
      credentials: ctx.admin,
    });
    await assert.rejects(
      client.get(stream),
      (e) => e instanceof AccessDeniedError && e.stream === stream,
    );
    await assert.rejects(client.getEvent(stream, 0), AccessDeniedError);
    const slice = await client.get(stream, { credentials: ctx.admin });
    assert.equal(slice.length, 1);
  },
);

scenario("get() pages at slice boundaries forwards and backwards", async (client, ctx) => {
  const stream = ctx.stream("paging");
  await seed(client, stream, 10);
  const first = await client.get(stream, { maxCount: 5 });
  assert.deepEqual(numbers(first), [0, 1, 2, 3, 4]);
  assert.equal(first.nextEventNumber, 5n);
  assert.equal(first.lastEventNumber, 9n);
  assert.equal(first.isEndOfStream, false);
  const second = await client.get(stream, { fromEvent: first.nextEventNumber, maxCount: 5 });
  assert.deepEqual(numbers(second), [5, 6, 7, 8, 9]);
  assert.equal(second.nextEventNumber, 10n);
  assert.equal(second.isEndOfStream, true);
  const past = await client.get(stream, { fromEvent: 10, maxCount: 5 });
  assert.equal(past.length, 0);
  assert.equal(past.isEndOfStream, true);
  const back = await client.get(stream, { direction: "backward", maxCount: 3 });
  assert.deepEqual(numbers(back), [9, 8, 7]);
  assert.equal(back.nextEventNumber, 6n);
  assert.equal(back.isEndOfStream, false);
  const start = await client.get(stream, { direction: "backward", fromEvent: 2, maxCount: 5 });
  assert.deepEqual(numbers(start), [2, 1, 0]);
  assert.equal(start.isEndOfStream, true);
});

scenario(
  "iter() yields every event in order across pages, in both directions",
  async (client, ctx) => {
    const stream = ctx.stream("iter");
    await seed(client, stream, 10);
    const forward: number[] = [];
    for await (const event of client.iter(stream, { batchSize: 3 })) {
      forward.push(Number(event.eventNumber));
    }
    assert.deepEqual(forward, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const backward: number[] = [];
    for await (const event of client.iter(stream, { direction: "backward", batchSize: 4 })) {
      backward.push(Number(event.eventNumber));
    }
    assert.deepEqual(backward, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const from: number[] = [];
    for await (const event of client.iter(stream, { fromEvent: 7, batchSize: 2 })) {
      from.push(Number(event.eventNumber));
    }
    assert.deepEqual(from, [7, 8, 9]);
  },
);

scenario("iter() over a missing stream errors with StreamNotFoundError", async (client, ctx) => {
  const stream = ctx.stream("nothing");
  await assert.rejects(async () => {
    for await (const _ of client.iter(stream)) throw new Error("no events expected");
  }, StreamNotFoundError);
});

scenario("stream metadata round-trips with typed fields and custom keys", async (client, ctx) => {
  const stream = ctx.stream("meta");
  const none = await client.getStreamMetadata(stream);
  assert.equal(none.metastreamVersion, -1n);
  assert.deepEqual(none.metadata, {});
  await client.setStreamMetadata(stream, {
    maxCount: 2,
    maxAge: 3600,
    truncateBefore: 1,
    cacheControl: 60,
    acl: { readRoles: ["$all"], writeRoles: ["$all", "ops"] },
    custom: { owner: "gil", level: 3 },
  }, { expectedVersion: ExpectedVersion.NoStream, credentials: ctx.admin });
  const read = await client.getStreamMetadata(stream, { credentials: ctx.admin });
  assert.equal(read.metastreamVersion, 0n);
  assert.deepEqual(read.metadata, {
    maxCount: 2n,
    maxAge: 3600,
    truncateBefore: 1n,
    cacheControl: 60,
    acl: { readRoles: ["$all"], writeRoles: ["$all", "ops"] },
    custom: { owner: "gil", level: 3 },
  });
  await assert.rejects(
    client.setStreamMetadata(stream, { maxCount: 5 }, {
      expectedVersion: 5,
      credentials: ctx.admin,
    }),
    WrongExpectedVersionError,
  );
});

scenario("$maxCount metadata limits what get() returns to the last events", async (client, ctx) => {
  const stream = ctx.stream("maxcount");
  await seed(client, stream, 5);
  await client.setStreamMetadata(stream, { maxCount: 2 });
  assert.deepEqual(numbers(await client.get(stream)), [3, 4]);
});

scenario(
  "a soft delete shows in the metadata as truncateBefore = long.MaxValue",
  async (client, ctx) => {
    const stream = ctx.stream("softmeta");
    await seed(client, stream, 1);
    await client.deleteStream(stream);
    const { metadata, isDeleted } = await client.getStreamMetadata(stream);
    assert.equal(metadata.truncateBefore, 9223372036854775807n);
    assert.equal(isDeleted, false);
    const hard = ctx.stream("hardmeta");
    await seed(client, hard, 1);
    await client.deleteStream(hard, { hardDelete: true });
    const deleted = await client.getStreamMetadata(hard);
    assert.equal(deleted.isDeleted, true);
    assert.deepEqual(deleted.metadata, {});
  },
);

scenario("a transaction's events become visible on commit", async (client, ctx) => {
  const stream = ctx.stream("tx");
  const tx = await client.startTransaction(stream, { expectedVersion: ExpectedVersion.NoStream });
  assert.equal(typeof tx.transactionId, "bigint");
  await tx.write([newEvent("a", { body: 1 })]);
  await tx.write([newEvent("b", { body: 2 }), newEvent("c", { body: 3 })]);
  await assert.rejects(client.get(stream), StreamNotFoundError);
  const result = await tx.commit();
  assert.equal(result.firstEventNumber, 0n);
  assert.equal(result.lastEventNumber, 2n);
  assert.deepEqual((await client.get(stream)).map((e) => e.type), ["a", "b", "c"]);
});

scenario("a transaction commit checks the expected version given at start", async (client, ctx) => {
  const stream = ctx.stream("txwev");
  const tx = await client.startTransaction(stream, { expectedVersion: ExpectedVersion.NoStream });
  await tx.write([newEvent("a", { body: 1 })]);
  await client.publishEvent(stream, "sneaky", { body: 0 });
  await assert.rejects(
    tx.commit(),
    (e) => e instanceof WrongExpectedVersionError && e.stream === stream,
  );
});

scenario(
  "getAll() and iterAll() read $all with admin credentials, forwards and backwards",
  async (client, ctx) => {
    const stream = ctx.stream("all");
    await seed(client, stream, 3);
    const back = await client.getAll({
      direction: "backward",
      maxCount: 3,
      credentials: ctx.admin,
    });
    assert.deepEqual(back.map((e) => [e.stream, Number(e.eventNumber)]), [
      [stream, 2],
      [stream, 1],
      [stream, 0],
    ]);
    assert.ok(back[0].position!.compareTo(back[1].position!) > 0);
    const next = await client.getAll({
      direction: "backward",
      fromPosition: back.nextPosition,
      maxCount: 1,
      credentials: ctx.admin,
    });
    assert.ok(next.length <= 1);
    const mine: number[] = [];
    for await (const event of client.iterAll({ batchSize: 50, credentials: ctx.admin })) {
      if (event.stream === stream) mine.push(Number(event.eventNumber));
    }
    assert.deepEqual(mine, [0, 1, 2]);
    await assert.rejects(
      client.getAll(),
      (e) => e instanceof AccessDeniedError && e.stream === "$all",
    );
  },
);

scenario(
  "1,000 concurrent reads and writes on one connection are all answered and routed to their caller",
  async (client, ctx) => {
    const prefix = ctx.stream("conc");
    await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) => client.publishEvent(`${prefix}-${i % 10}`, "n", { body: { i } }),
      ),
    );
    const reads = await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) => client.getEvent(`${prefix}-${i % 10}`, Math.floor(i / 10)),
      ),
    );
    const seen = new Set<number>();
    reads.forEach((event, i) => {
      assert.equal(event.stream, `${prefix}-${i % 10}`);
      assert.equal(event.eventNumber, BigInt(Math.floor(i / 10)));
      seen.add(event.json<{ i: number }>().i);
    });
    assert.equal(seen.size, 1000);
  },
);

scenario("ping() measures a round trip", async (client) => {
  const ms = await client.ping();
  assert.equal(typeof ms, "number");
  assert.ok(ms >= 0);
});

scenario("bad arguments fail before anything is sent", async (client, ctx) => {
  const stream = ctx.stream("bad");
  await assert.rejects(client.get(""), TypeError);
  await assert.rejects(client.get(stream, { maxCount: -1 }), RangeError);
  await assert.rejects(client.get(stream, { maxCount: 4097 }), RangeError);
  await assert.rejects(client.get(stream, { fromEvent: -1 }), RangeError);
  await assert.rejects(client.get(stream, { colour: "red" } as never), /Unknown option "colour"/);
  await assert.rejects(client.publishEvent(stream, "t", { body: { n: 1n } }), TypeError);
  await assert.rejects(client.publishEvent(stream, "", { body: 1 }), TypeError);
  await assert.rejects(
    client.publishEvent(stream, "t", { body: 1, expectedVersion: -3 }),
    RangeError,
  );
  assert.throws(() => client.iter(stream, { batchSize: 0 }), RangeError);
  await assert.rejects(client.getEvent(stream, -2), RangeError);
  // Nothing was written by any of those.
  await assert.rejects(client.get(stream), StreamNotFoundError);
});

Deno.test("the client connects to the memstore over a loopback TCP port and reads what another connection wrote", async () => {
  await using store = await startMemoryStore({ port: 0 });
  await using writer = await connect(store.url);
  await using reader = await connect(`${store.hostname}:${store.port}`);
  await writer.publishEvent("adventure", "player_created", { body: { name: "Gil" } });
  const slice = await reader.get("adventure");
  assert.deepEqual(slice.map((e) => [e.type, e.json()]), [["player_created", { name: "Gil" }]]);
  assert.ok((await reader.ping()) >= 0);
});

Deno.test("NotHandled from the server fails the operation with NotHandledError (no retries at this layer)", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = await connect({
    transport: () => Promise.resolve(store.connectPipe()),
    reconnection: false,
  });
  store.setNotHandled("TooBusy");
  await assert.rejects(
    client.get("s"),
    (e) => e instanceof NotHandledError && e.reason === "TooBusy",
  );
  store.setNotHandled(null);
  await assert.rejects(client.get("s"), StreamNotFoundError);
});

Deno.test("a server dropping the connection fails pending calls with ConnectionClosedError and the state says closed", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = await connect({
    transport: () => Promise.resolve(store.connectPipe()),
    reconnection: false,
  });
  store.dropConnections();
  await assert.rejects(client.ping(), (e: Error) => e.name === "ConnectionClosedError");
  assert.equal(client.state.status, "closed");
});

scenario("links resolve to their target event, with the link alongside", async (client, ctx) => {
  const target = ctx.stream("target");
  const links = ctx.stream("links");
  await client.publishEvent(target, "real", { body: { n: 1 } });
  await client.publish(links, [
    newEvent("$>", { data: new TextEncoder().encode(`0@${target}`) }),
  ]);
  const [resolved] = await client.get(links);
  assert.equal(resolved.event?.type, "real");
  assert.equal(resolved.event?.stream, target);
  assert.equal(resolved.link?.type, "$>");
  assert.equal(resolved.originalStreamId, links);
  assert.deepEqual(resolved.json(), { n: 1 });
  const [raw] = await client.get(links, { resolveLinks: false });
  assert.equal(raw.type, "$>");
  assert.equal(raw.link, undefined);
  const single = await client.getEvent(links, 0);
  assert.equal(single.event?.stream, target);
});

scenario(
  "getAll() with a stream-prefix filter returns only matching events",
  async (client, ctx) => {
    const prefix = ctx.stream("filtered");
    await client.publishEvent(`${prefix}-a`, "x", { body: 1 });
    await client.publishEvent(ctx.stream("other"), "x", { body: 2 });
    await client.publishEvent(`${prefix}-b`, "x", { body: 3 });
    const streams: string[] = [];
    for await (
      const event of client.iterAll({
        filter: { on: "streamId", prefixes: [prefix] },
        batchSize: 10,
        credentials: ctx.admin,
      })
    ) streams.push(event.stream);
    assert.deepEqual(streams, [`${prefix}-a`, `${prefix}-b`]);
  },
);

scenario(
  "wrong credentials reject with NotAuthenticatedError without echoing the password",
  async (client, ctx) => {
    await assert.rejects(
      client.get(ctx.stream("auth"), {
        credentials: { username: "admin", password: "wrong-pw-123" },
      }),
      (error: Error) => {
        assert.ok(error instanceof NotAuthenticatedError);
        assert.doesNotMatch(`${error.message}\n${error.stack}`, /wrong-pw-123/);
        return true;
      },
    );
  },
);
