// Appends: every expected-version constant, exact versions, WrongExpectedVersionError details,
// idempotent re-appends, zero-event appends. Run: node append.mjs <scenario> --host H --port P
import {
  close,
  connect,
  es,
  jsonEvent,
  jsonEvents,
  main,
  outcome,
  randomUUID,
  slice,
  step,
  streamName,
  write,
} from "./lib.mjs";

const { any, noStream, emptyStream, streamExists } = es.expectedVersion;

async function readAll(conn, stream) {
  return slice(await conn.readStreamEventsForward(stream, 0, 100, false));
}

main({
  /** any on a new stream, then any again: numbers continue, positions grow. */
  async any_appends() {
    const conn = await connect();
    const stream = streamName("any");
    step("append 2 with any to a new stream");
    const first = write(await conn.appendToStream(stream, any, jsonEvents(2)));
    step("append 1 with any");
    const second = write(
      await conn.appendToStream(stream, any, jsonEvents(1, "e", 2)),
    );
    step("read back");
    const read = await readAll(conn, stream);
    await close(conn);
    return {
      first,
      second,
      numbers: read.numbers,
      lastEventNumber: read.lastEventNumber,
    };
  },

  /** noStream succeeds on a new stream and fails with WrongExpectedVersionError afterwards. */
  async no_stream() {
    const conn = await connect();
    const stream = streamName("nostream");
    step("append 3 with noStream to a new stream");
    const first = write(
      await conn.appendToStream(stream, noStream, jsonEvents(3)),
    );
    step("append 1 (new id) with noStream to the existing stream");
    const second = await outcome(
      conn.appendToStream(stream, noStream, jsonEvents(1)),
      write,
    );
    step("emptyStream (= -1) on a second new stream");
    const other = streamName("emptystream");
    const empty = write(
      await conn.appendToStream(other, emptyStream, jsonEvents(1)),
    );
    const read = await readAll(conn, stream);
    await close(conn);
    return { stream, first, second, empty, numbers: read.numbers };
  },

  /** streamExists fails on a missing stream and succeeds (like any) on an existing one. */
  async stream_exists() {
    const conn = await connect();
    const stream = streamName("exists");
    step("streamExists on a missing stream");
    const missing = await outcome(
      conn.appendToStream(stream, streamExists, jsonEvents(1)),
      write,
    );
    step("create the stream");
    const created = write(
      await conn.appendToStream(stream, noStream, jsonEvents(2)),
    );
    step("streamExists on the existing stream");
    const existing = write(
      await conn.appendToStream(stream, streamExists, jsonEvents(1, "e", 2)),
    );
    const read = await readAll(conn, stream);
    await close(conn);
    return { stream, missing, created, existing, numbers: read.numbers };
  },

  /** Exact expected versions on a stream at 3: 5 and 2 fail, 3 succeeds at 4. */
  async exact_versions() {
    const conn = await connect();
    const stream = streamName("exact");
    step("create events 0..3");
    const created = write(
      await conn.appendToStream(stream, noStream, jsonEvents(4)),
    );
    step("expected 5 on a stream at 3");
    const ahead = await outcome(
      conn.appendToStream(stream, 5, jsonEvents(1, "x")),
      write,
    );
    step("expected 2 on a stream at 3 (new id)");
    const behind = await outcome(
      conn.appendToStream(stream, 2, jsonEvents(1, "y")),
      write,
    );
    step("expected 3 on a stream at 3");
    const exact = write(
      await conn.appendToStream(stream, 3, jsonEvents(1, "e", 4)),
    );
    step("expected 0 on a missing stream");
    const missing = await outcome(
      conn.appendToStream(streamName("exact-missing"), 0, jsonEvents(1)),
      write,
    );
    const read = await readAll(conn, stream);
    await close(conn);
    return {
      stream,
      created,
      ahead,
      behind,
      exact,
      missing,
      numbers: read.numbers,
      types: read.events.map((e) => e.event.type),
    };
  },

  /** Re-sending the same event ids is idempotent; a partial match is a WrongExpectedVersion. */
  async idempotent() {
    const conn = await connect();
    const stream = streamName("idem");
    const events = jsonEvents(3);
    const fourth = jsonEvent(3);
    step("first append (ids A B C) with noStream");
    const first = write(await conn.appendToStream(stream, noStream, events));
    step("append D with expected 2");
    const next = write(await conn.appendToStream(stream, 2, [fourth]));
    step("A B C again with noStream");
    const againNoStream = write(await conn.appendToStream(stream, noStream, events));
    step("A B C again with any");
    const againAny = write(await conn.appendToStream(stream, any, events));
    step("B C again with expected 0");
    const againFrom0 = write(await conn.appendToStream(stream, 0, events.slice(1)));
    step("D again with expected 2");
    const againD = write(await conn.appendToStream(stream, 2, [fourth]));
    step("A plus a new id with noStream");
    const partialNoStream = await outcome(
      conn.appendToStream(stream, noStream, [events[0], jsonEvent(9, "new")]),
      write,
    );
    step("A plus a new id with any");
    const partialAny = await outcome(
      conn.appendToStream(stream, any, [events[0], jsonEvent(9, "new")]),
      write,
    );
    step("C D plus a new id with expected 1 (runs past the end)");
    const pastEnd = await outcome(
      conn.appendToStream(stream, 1, [events[2], fourth, jsonEvent(9, "new")]),
      write,
    );
    step("read back");
    const read = await readAll(conn, stream);
    await close(conn);
    return {
      first,
      next,
      againNoStream,
      againAny,
      againFrom0,
      againD,
      partialNoStream,
      partialAny,
      pastEnd,
      numbers: read.numbers,
      ids: read.events.map((e) => e.event.id),
      writtenIds: [...events, fourth].map((e) => e.eventId),
    };
  },

  /** Appending zero events succeeds and creates nothing. */
  async zero_events() {
    const conn = await connect();
    const stream = streamName("zero");
    step("zero events with any on a missing stream");
    const anyMissing = write(await conn.appendToStream(stream, any, []));
    step("zero events with noStream on a missing stream");
    const noStreamMissing = write(
      await conn.appendToStream(stream, noStream, []),
    );
    step("read the missing stream");
    const read = await readAll(conn, stream);
    step("create 2 events, then zero events with expected 1");
    await conn.appendToStream(stream, noStream, jsonEvents(2));
    const exact = write(await conn.appendToStream(stream, 1, []));
    const after = await readAll(conn, stream);
    await close(conn);
    return {
      anyMissing,
      noStreamMissing,
      readStatus: read.status,
      exact,
      numbers: after.numbers,
    };
  },
  /**
   * Requests the server cannot accept (expected version -3 or -5, all-zero event id) are
   * answered with BadRequest; the connection stays usable. (NEC itself refuses an empty type.)
   */
  async bad_requests() {
    const conn = await connect();
    const stream = streamName("bad");
    const results = {};
    step("expected version -3");
    results.expectedMinus3 = await outcome(conn.appendToStream(stream, -3, jsonEvents(1)), write);
    step("expected version -5");
    results.expectedMinus5 = await outcome(conn.appendToStream(stream, -5, jsonEvents(1)), write);
    step("all-zero event id");
    results.zeroId = await outcome(
      conn.appendToStream(stream, any, [
        es.createEventData("00000000-0000-0000-0000-000000000000", "T", false, Buffer.from("x")),
      ]),
      write,
    );
    step("a valid append on the same connection");
    const valid = write(await conn.appendToStream(stream, noStream, jsonEvents(1)));
    const read = await readAll(conn, stream);
    const stats = { ...conn.stats, closed: [...conn.stats.closed] };
    await close(conn);
    return { results, valid, numbers: read.numbers, stats };
  },
});
