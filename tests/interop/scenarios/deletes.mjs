// Soft and hard deletes, and what reads, writes and metadata show afterwards.
// Run: node deletes.mjs <scenario> --host H --port P
import {
  allSlice,
  close,
  connect,
  es,
  jsonEvents,
  main,
  num,
  outcome,
  pos,
  slice,
  step,
  streamName,
  write,
} from "./lib.mjs";

const { any, noStream, streamExists } = es.expectedVersion;

function brief(s) {
  const { events: _events, ...rest } = slice(s);
  return rest;
}

async function readEvent(conn, stream, n) {
  const r = await conn.readEvent(stream, n);
  return { status: r.status, hasEvent: r.event !== null };
}

/** The raw JSON text of the last `$$stream` event (so 64-bit numbers stay exact). */
async function rawMetadata(conn, stream) {
  const r = await conn.readEvent(`$$${stream}`, -1);
  return {
    status: r.status,
    type: r.event?.originalEvent?.eventType ?? null,
    number: num(r.event?.originalEvent?.eventNumber ?? null),
    data: r.event?.originalEvent ? r.event.originalEvent.data.toString("utf8") : null,
  };
}

async function metadata(conn, stream) {
  const m = await conn.getStreamMetadataRaw(stream);
  return {
    isStreamDeleted: m.isStreamDeleted,
    metastreamVersion: num(m.metastreamVersion),
    streamMetadata: m.streamMetadata,
  };
}

main({
  /** Soft delete, reads afterwards, then recreation with any. */
  async soft_delete() {
    const conn = await connect();
    const stream = streamName("soft");
    step("write events 0..1");
    await conn.appendToStream(stream, noStream, jsonEvents(2));
    step("soft delete with any");
    const deleted = await outcome(
      conn.deleteStream(stream, any, false),
      (r) => pos(r.logPosition),
    );
    step("read forward after soft delete");
    const read = brief(await conn.readStreamEventsForward(stream, 0, 10));
    step("read backward after soft delete");
    const readBackward = brief(
      await conn.readStreamEventsBackward(stream, -1, 10),
    );
    step("readEvent 0 after soft delete");
    const event = await readEvent(conn, stream, 0);
    step("metastream after soft delete");
    const meta = await rawMetadata(conn, stream);
    step("streamExists append on the soft-deleted stream");
    const streamExistsWrite = await outcome(
      conn.appendToStream(stream, streamExists, jsonEvents(1)),
      write,
    );
    step("recreate with any: 3 events");
    const recreated = await outcome(
      conn.appendToStream(stream, any, jsonEvents(3, "r")),
      write,
    );
    step("read after recreation");
    const readAfter = brief(await conn.readStreamEventsForward(stream, 0, 10));
    step("metadata after recreation");
    const metaAfter = await metadata(conn, stream);
    await close(conn);
    return {
      deleted,
      read,
      readBackward,
      event,
      meta,
      streamExistsWrite,
      recreated,
      readAfter,
      metaAfter,
    };
  },

  /** After a soft delete, noStream recreates once; a second noStream write is a WEV. */
  async soft_delete_recreate_no_stream() {
    const conn = await connect();
    const stream = streamName("softns");
    step("write events 0..1 and soft delete");
    await conn.appendToStream(stream, noStream, jsonEvents(2));
    await conn.deleteStream(stream, 1, false);
    step("noStream write recreates");
    const first = await outcome(
      conn.appendToStream(stream, noStream, jsonEvents(1, "r")),
      write,
    );
    step("second noStream write");
    const second = await outcome(
      conn.appendToStream(stream, noStream, jsonEvents(1, "s")),
      write,
    );
    const read = brief(await conn.readStreamEventsForward(stream, 0, 10));
    await close(conn);
    return { first, second, read };
  },

  /** Hard delete: reads, readEvent, writes, deletes and metadata all report a deleted stream. */
  async hard_delete() {
    const conn = await connect();
    const stream = streamName("hard");
    step("write events 0..1");
    await conn.appendToStream(stream, noStream, jsonEvents(2));
    step("hard delete with expected 1");
    const deleted = await outcome(
      conn.deleteStream(stream, 1, true),
      (r) => pos(r.logPosition),
    );
    step("read forward");
    const read = brief(await conn.readStreamEventsForward(stream, 0, 10));
    step("read backward");
    const readBackward = brief(
      await conn.readStreamEventsBackward(stream, -1, 10),
    );
    step("readEvent -1");
    const event = await readEvent(conn, stream, -1);
    const writes = {};
    for (
      const [label, ev] of [["any", any], ["noStream", noStream], ["exact1", 1]]
    ) {
      step(`append with ${label}`);
      writes[label] = await outcome(
        conn.appendToStream(stream, ev, jsonEvents(1)),
        write,
      );
    }
    step("delete again");
    const deleteAgain = await outcome(
      conn.deleteStream(stream, any, true),
      (r) => pos(r.logPosition),
    );
    step("metadata");
    const meta = await metadata(conn, stream);
    step("$all backward from the end: the tombstone and the old events");
    const all = allSlice(
      await conn.readAllEventsBackward(es.positions.end, 50),
    );
    const ours = all.events.filter((e) => e.originalStreamId === stream);
    const tombstonePosition = ours[0]?.position ?? null;
    const inAll = ours
      .map((e) => ({
        number: e.event.number,
        type: e.event.type,
        data: e.event.data,
      }));
    await close(conn);
    return {
      deleted,
      read,
      readBackward,
      event,
      writes,
      deleteAgain,
      meta,
      inAll,
      tombstonePosition,
    };
  },

  /** Deletes check the expected version like writes do. */
  async delete_expected_version() {
    const conn = await connect();
    const stream = streamName("delwev");
    step("write events 0..2");
    await conn.appendToStream(stream, noStream, jsonEvents(3));
    step("delete with expected 1");
    const wrong = await outcome(
      conn.deleteStream(stream, 1, false),
      (r) => pos(r.logPosition),
    );
    step("delete with noStream");
    const noStreamDelete = await outcome(
      conn.deleteStream(stream, noStream, true),
      (r) => pos(r.logPosition),
    );
    step("read: still there");
    const read = brief(await conn.readStreamEventsForward(stream, 0, 10));
    step("delete with expected 2");
    const right = await outcome(
      conn.deleteStream(stream, 2, false),
      (r) => pos(r.logPosition),
    );
    await close(conn);
    return { wrong, noStreamDelete, read, right };
  },
  /** Deleting a stream that never existed: soft is a WEV (21.10+), hard leaves a tombstone. */
  async delete_never_created() {
    const conn = await connect();
    const soft = streamName("softnever");
    const hard = streamName("hardnever");
    step("soft delete a stream that never existed (any)");
    const softAny = await outcome(conn.deleteStream(soft, any, false), (r) => pos(r.logPosition));
    step("hard delete a stream that never existed (noStream)");
    const hardNoStream = await outcome(
      conn.deleteStream(hard, noStream, true),
      (r) => pos(r.logPosition),
    );
    step("read the hard-deleted stream");
    const hardRead = brief(await conn.readStreamEventsForward(hard, 0, 10));
    step("append to the hard-deleted stream");
    const hardWrite = await outcome(conn.appendToStream(hard, noStream, jsonEvents(1)), write);
    await close(conn);
    return { soft, hard, softAny, hardNoStream, hardRead, hardWrite };
  },
});
