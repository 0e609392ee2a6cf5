// Stream reads forward/backward at slice boundaries, data round trip, readEvent.
// Run: node reads.mjs <scenario> --host H --port P
import { createHash } from "node:crypto";
import {
  close,
  connect,
  es,
  jsonEvents,
  main,
  num,
  randomUUID,
  resolved,
  slice,
  step,
  streamName,
} from "./lib.mjs";

const { noStream } = es.expectedVersion;

/** Slice fields without the full event records (the numbers say which events came back). */
function brief(s) {
  const { events: _events, ...rest } = slice(s);
  return rest;
}

main({
  /** Forward reads of a stream with events 0..9 (docs/protocol.md §4.8 worked examples). */
  async forward_slices() {
    const conn = await connect();
    const stream = streamName("fwd");
    step("write events 0..9");
    await conn.appendToStream(stream, noStream, jsonEvents(10));
    const rows = {};
    for (
      const [from, count] of [[0, 5], [5, 5], [8, 5], [10, 5], [15, 5], [
        0,
        4096,
      ]]
    ) {
      step(`forward from ${from} count ${count}`);
      rows[`${from}:${count}`] = brief(
        await conn.readStreamEventsForward(stream, from, count),
      );
    }
    await close(conn);
    return rows;
  },

  /** Backward reads of a stream with events 0..9 (docs/protocol.md §4.8 worked examples). */
  async backward_slices() {
    const conn = await connect();
    const stream = streamName("bwd");
    step("write events 0..9");
    await conn.appendToStream(stream, noStream, jsonEvents(10));
    const rows = {};
    for (
      const [from, count] of [[-1, 3], [2, 5], [15, 3], [15, 10], [9, 10], [
        0,
        1,
      ]]
    ) {
      step(`backward from ${from} count ${count}`);
      rows[`${from}:${count}`] = brief(
        await conn.readStreamEventsBackward(stream, from, count),
      );
    }
    await close(conn);
    return rows;
  },

  /** Reads of a stream that never existed. */
  async missing_stream() {
    const conn = await connect();
    const stream = streamName("missing");
    step("forward");
    const forward = brief(await conn.readStreamEventsForward(stream, 0, 10));
    step("backward");
    const backward = brief(await conn.readStreamEventsBackward(stream, -1, 10));
    step("readEvent -1");
    const event = await conn.readEvent(stream, -1);
    await close(conn);
    return {
      forward,
      backward,
      readEvent: { status: event.status, event: event.event },
    };
  },

  /** Ids, types, JSON and binary data and metadata come back exactly as written. */
  async round_trip() {
    const conn = await connect();
    const stream = streamName("roundtrip");
    const jsonId = randomUUID();
    const binaryId = randomUUID();
    const binary = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80, 0x7f, 10, 13]);
    const binaryMeta = Buffer.from("meta\u0000data", "utf8");
    const unicode = {
      text: "Grüße, 世界 🌍",
      nested: { list: [1, 2.5, true, null] },
    };
    const written = [
      es.createJsonEventData(
        jsonId,
        unicode,
        { causation: "test" },
        "UnicodeHappened",
      ),
      es.createEventData(binaryId, "BinaryHappened", false, binary, binaryMeta),
      es.createEventData(
        randomUUID(),
        "EmptyHappened",
        false,
        Buffer.alloc(0),
        Buffer.alloc(0),
      ),
    ];
    step("write a JSON, a binary and an empty event");
    const before = Date.now();
    await conn.appendToStream(stream, noStream, written);
    const after = Date.now();
    step("read forward");
    const read = slice(await conn.readStreamEventsForward(stream, 0, 10));
    step("readEvent 1");
    const single = await conn.readEvent(stream, 1);
    await close(conn);
    return {
      stream,
      clock: { before, after },
      written: written.map((e) => ({
        id: e.eventId,
        type: e.type,
        isJson: e.isJson,
        dataHex: Buffer.from(e.data ?? []).toString("hex"),
        metadataHex: Buffer.from(e.metadata ?? []).toString("hex"),
      })),
      read: read.events.map((e) => e.event),
      single: { status: single.status, event: resolved(single.event).event },
    };
  },

  /** readEvent of numbers 0, 5, -1 (last), 10 (past the end). */
  async read_event() {
    const conn = await connect();
    const stream = streamName("readevent");
    step("write events 0..9");
    const events = jsonEvents(10);
    await conn.appendToStream(stream, noStream, events);
    const results = {};
    for (const n of [0, 5, -1, 10]) {
      step(`readEvent ${n}`);
      const r = await conn.readEvent(stream, n);
      results[n] = {
        status: r.status,
        stream: r.stream,
        eventNumber: num(r.eventNumber),
        event: r.event ? resolved(r.event) : null,
      };
    }
    await close(conn);
    return { stream, ids: events.map((e) => e.eventId), results };
  },
  /** Links (`$>` events, data "N@stream") are resolved on request, unresolvable ones stay links. */
  async links() {
    const conn = await connect();
    const target = streamName("linktarget");
    const links = streamName("links");
    step("write target events 0..1");
    const targetEvents = jsonEvents(2, "t");
    await conn.appendToStream(target, noStream, targetEvents);
    step("write links to 1@target and 5@target");
    const linkEvents = [
      es.createEventData(randomUUID(), "$>", false, Buffer.from(`1@${target}`)),
      es.createEventData(randomUUID(), "$>", false, Buffer.from(`5@${target}`)),
    ];
    await conn.appendToStream(links, noStream, linkEvents);
    step("read links resolved");
    const resolvedRead = slice(await conn.readStreamEventsForward(links, 0, 10, true));
    step("read links unresolved");
    const rawRead = slice(await conn.readStreamEventsForward(links, 0, 10, false));
    step("readEvent 0 resolved");
    const single = await conn.readEvent(links, 0, true);
    step("read links backward resolved");
    const backward = slice(await conn.readStreamEventsBackward(links, -1, 10, true));
    await close(conn);
    return {
      target,
      links,
      targetIds: targetEvents.map((e) => e.eventId),
      linkIds: linkEvents.map((e) => e.eventId),
      resolved: resolvedRead.events,
      raw: rawRead.events,
      single: { status: single.status, event: resolved(single.event) },
      backward: backward.events,
    };
  },

  /** A 3 MiB event and 1000 events in one append come back intact. */
  async large_and_many() {
    const conn = await connect();
    const big = streamName("big");
    const many = streamName("many");
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + (i >> 8)) & 0xff;
    const sha = (b) => createHash("sha256").update(b).digest("hex");
    step("append a 3 MiB event");
    await conn.appendToStream(big, noStream, [
      es.createEventData(randomUUID(), "Big", false, payload),
    ]);
    step("read it back");
    const bigRead = await conn.readEvent(big, 0);
    step("append 1000 events in one write");
    const written = await conn.appendToStream(many, noStream, jsonEvents(1000));
    step("read forward 4096");
    const forward = slice(await conn.readStreamEventsForward(many, 0, 4096));
    step("read backward 500 from the end");
    const backward = slice(await conn.readStreamEventsBackward(many, -1, 500));
    await close(conn);
    const brief = (sl) => ({
      count: sl.numbers.length,
      first: sl.numbers[0],
      last: sl.numbers.at(-1),
      ascending: sl.numbers.every((n, i) => i === 0 || n === sl.numbers[i - 1] + 1),
      descending: sl.numbers.every((n, i) => i === 0 || n === sl.numbers[i - 1] - 1),
      indices: sl.events.every((e) => JSON.parse(e.event.data).index === e.event.number),
      nextEventNumber: sl.nextEventNumber,
      lastEventNumber: sl.lastEventNumber,
      isEndOfStream: sl.isEndOfStream,
    });
    return {
      big: {
        status: bigRead.status,
        length: bigRead.event?.event?.data.length ?? null,
        sha256: bigRead.event?.event ? sha(bigRead.event.event.data) : null,
        expectedSha256: sha(payload),
      },
      manyWritten: num(written.nextExpectedVersion),
      forward: brief(forward),
      backward: brief(backward),
    };
  },
  /** Stream names and event types outside ASCII round-trip. */
  async unicode_names() {
    const conn = await connect();
    const stream = `${streamName("uni")}-ünïcødé-流-🙂`;
    step("append");
    await conn.appendToStream(stream, noStream, [
      es.createJsonEventData(randomUUID(), { ok: true }, null, "Événement🙂"),
    ]);
    step("read");
    const read = slice(await conn.readStreamEventsForward(stream, 0, 10));
    await close(conn);
    return { stream, events: read.events.map((e) => e.event) };
  },
});
