// Stream reads forward/backward at slice boundaries, data round trip, readEvent.
// Run: node reads.mjs <scenario> --host H --port P
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
  /** Forward reads of a stream with events 0..9 (PROTOCOL.md §4.8 worked examples). */
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

  /** Backward reads of a stream with events 0..9 (PROTOCOL.md §4.8 worked examples). */
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
});
