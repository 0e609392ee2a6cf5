// Stream metadata get/set and the effect of $maxCount and $tb on reads.
// Run: node metadata.mjs <scenario> --host H --port P
import {
  close,
  connect,
  es,
  jsonEvents,
  main,
  num,
  outcome,
  slice,
  step,
  streamName,
  write,
} from "./lib.mjs";

const { noStream } = es.expectedVersion;

function brief(s) {
  const { events: _events, ...rest } = slice(s);
  return rest;
}

async function metadata(conn, stream) {
  const m = await conn.getStreamMetadataRaw(stream);
  return {
    stream: m.stream,
    isStreamDeleted: m.isStreamDeleted,
    metastreamVersion: num(m.metastreamVersion),
    streamMetadata: m.streamMetadata,
  };
}

main({
  /** Get of a missing stream, set with expected -1, get, set with a stale expected version. */
  async get_set() {
    const conn = await connect();
    const stream = streamName("meta");
    step("get metadata of a missing stream");
    const initial = await metadata(conn, stream);
    step("set metadata with expected -1");
    const value = { $maxCount: 3, custom: "x", nested: { a: [1, 2] } };
    const set = write(await conn.setStreamMetadataRaw(stream, -1, value));
    step("get metadata");
    const got = await metadata(conn, stream);
    step("set metadata with stale expected -1");
    const stale = await outcome(
      conn.setStreamMetadataRaw(stream, -1, { custom: "y" }),
      write,
    );
    step("set metadata with expected 0");
    const second = write(
      await conn.setStreamMetadataRaw(stream, 0, { custom: "z" }),
    );
    step("get metadata");
    const latest = await metadata(conn, stream);
    step("read the metastream (only the latest metadata event is readable)");
    const metastream = brief(
      await conn.readStreamEventsForward(`$$${stream}`, 0, 10),
    );
    await close(conn);
    return { stream, initial, set, got, stale, second, latest, metastream };
  },

  /** $maxCount 3 on a stream with events 0..9 (docs/protocol.md §4.8 worked examples). */
  async max_count() {
    const conn = await connect();
    const stream = streamName("maxcount");
    step("write events 0..9");
    await conn.appendToStream(stream, noStream, jsonEvents(10));
    step("set $maxCount 3");
    await conn.setStreamMetadataRaw(stream, -1, { $maxCount: 3 });
    const rows = {};
    step("forward from 0 count 5");
    rows.fwd0_5 = brief(await conn.readStreamEventsForward(stream, 0, 5));
    step("forward from 0 count 100");
    rows.fwd0_100 = brief(await conn.readStreamEventsForward(stream, 0, 100));
    step("backward from -1 count 100");
    rows.bwd_100 = brief(await conn.readStreamEventsBackward(stream, -1, 100));
    step("readEvent 0 and 7");
    const event0 = (await conn.readEvent(stream, 0)).status;
    const event7 = await conn.readEvent(stream, 7);
    step("append one more (numbering continues at 10)");
    const appended = write(
      await conn.appendToStream(stream, 9, jsonEvents(1, "e", 10)),
    );
    rows.afterAppend = brief(
      await conn.readStreamEventsForward(stream, 0, 100),
    );
    await close(conn);
    return {
      rows,
      event0,
      event7: {
        status: event7.status,
        number: num(event7.event?.originalEventNumber),
      },
      appended,
    };
  },

  /** $tb 5 hides events 0..4 from reads. */
  async truncate_before() {
    const conn = await connect();
    const stream = streamName("tb");
    step("write events 0..9");
    await conn.appendToStream(stream, noStream, jsonEvents(10));
    step("set $tb 5");
    await conn.setStreamMetadataRaw(stream, -1, { $tb: 5 });
    step("forward from 0 count 100");
    const forward = brief(await conn.readStreamEventsForward(stream, 0, 100));
    step("backward from -1 count 100");
    const backward = brief(
      await conn.readStreamEventsBackward(stream, -1, 100),
    );
    step("readEvent 4");
    const event4 = (await conn.readEvent(stream, 4)).status;
    await close(conn);
    return { forward, backward, event4 };
  },
  /** Metadata of a stream that exists but has none: empty, metastream version -1. */
  async existing_without_metadata() {
    const conn = await connect();
    const stream = streamName("nometa");
    step("write one event");
    await conn.appendToStream(stream, noStream, jsonEvents(1));
    step("get metadata");
    const got = await outcome(metadata(conn, stream));
    step("readEvent of the metastream, -1");
    const raw = await conn.readEvent(`$$${stream}`, -1);
    await close(conn);
    return {
      stream,
      got,
      rawStatus: raw.status,
      rawHasEvent: raw.event?.originalEvent != null,
    };
  },
});
