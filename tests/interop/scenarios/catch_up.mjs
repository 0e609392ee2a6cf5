// Catch-up subscriptions (NEC's client-side history + live algorithm, docs/protocol.md §6.5).
// Run: node catch_up.mjs <scenario> --host H --port P
import {
  allSlice,
  close,
  connect,
  deferred,
  es,
  jsonEvents,
  main,
  step,
  streamName,
  until,
} from "./lib.mjs";

const { noStream, any } = es.expectedVersion;

function brief(ev) {
  return {
    stream: ev.originalStreamId,
    number: ev.originalEventNumber.toNumber(),
    id: ev.originalEvent.eventId,
    index: JSON.parse(ev.originalEvent.data.toString("utf8")).index,
    position: ev.originalPosition
      ? {
        commit: ev.originalPosition.commitPosition.toString(),
        prepare: ev.originalPosition.preparePosition.toString(),
      }
      : null,
  };
}

/** Runs a catch-up subscription: `start` creates it, live events are written once live. */
async function runCatchUp({ conn, start, writeLive, expected, accept }) {
  const sequence = [];
  const live = deferred();
  const dropped = deferred();
  let liveAt = null;
  step("start the catch-up subscription");
  const sub = start(
    (_s, ev) => {
      if (accept(ev)) sequence.push(brief(ev));
    },
    () => {
      liveAt = sequence.length;
      live.resolve();
    },
    (_s, reason, err) => dropped.resolve({ reason, error: err ? String(err.message) : null }),
  );
  step("wait for live processing");
  await Promise.race([
    live.promise,
    dropped.promise.then((d) => {
      throw new Error(
        `catch-up subscription dropped before going live: ${JSON.stringify(d)}`,
      );
    }),
  ]);
  step("write live events");
  await writeLive();
  step(`wait for ${expected} events`);
  await until(`${expected} events`, () => sequence.length >= expected);
  step("stop");
  sub.stop();
  const drop = await dropped.promise;
  await close(conn);
  return { sequence, liveAt, drop };
}

main({
  /** From the start: 5 history events read in batches of 2, then 3 live events, each once. */
  async stream_from_start() {
    const conn = await connect();
    const stream = streamName("catchup");
    step("write history 0..4");
    await conn.appendToStream(stream, noStream, jsonEvents(5));
    return await runCatchUp({
      conn,
      expected: 8,
      accept: () => true,
      start: (appeared, liveStarted, dropped) =>
        conn.subscribeToStreamFrom(
          stream,
          null,
          false,
          appeared,
          liveStarted,
          dropped,
          undefined,
          2,
        ),
      writeLive: async () => {
        await conn.appendToStream(stream, 4, jsonEvents(2, "e", 5));
        await conn.appendToStream(stream, any, jsonEvents(1, "e", 7));
      },
    });
  },

  /** From checkpoint 2: only events after number 2. */
  async stream_from_checkpoint() {
    const conn = await connect();
    const stream = streamName("catchupcp");
    step("write history 0..4");
    await conn.appendToStream(stream, noStream, jsonEvents(5));
    return await runCatchUp({
      conn,
      expected: 3,
      accept: () => true,
      start: (appeared, liveStarted, dropped) =>
        conn.subscribeToStreamFrom(
          stream,
          2,
          false,
          appeared,
          liveStarted,
          dropped,
          undefined,
          500,
        ),
      writeLive: () => conn.appendToStream(stream, 4, jsonEvents(1, "e", 5)),
    });
  },

  /** A catch-up subscription to a stream that does not exist yet goes live and sees its creation. */
  async stream_missing() {
    const conn = await connect();
    const stream = streamName("catchupnew");
    return await runCatchUp({
      conn,
      expected: 2,
      accept: () => true,
      start: (appeared, liveStarted, dropped) =>
        conn.subscribeToStreamFrom(
          stream,
          null,
          false,
          appeared,
          liveStarted,
          dropped,
        ),
      writeLive: () => conn.appendToStream(stream, noStream, jsonEvents(2)),
    });
  },

  /** $all from a marker event's position: this run's history and live events, each once. */
  async all_from_position() {
    const conn = await connect();
    const marker = streamName("catchupall-marker");
    const a = streamName("catchupall-a");
    step("write the marker, then history a0..a2");
    await conn.appendToStream(marker, noStream, jsonEvents(1, "m"));
    await conn.appendToStream(a, noStream, jsonEvents(3, "a"));
    step("find the marker's position");
    const backward = allSlice(
      await conn.readAllEventsBackward(es.positions.end, 50),
    );
    const markerEvent = backward.events.find((e) => e.originalStreamId === marker);
    if (!markerEvent) {
      throw new Error("marker event not found in the last 50 events of $all");
    }
    const from = new es.Position(
      markerEvent.position.commit,
      markerEvent.position.prepare,
    );
    return await runCatchUp({
      conn,
      expected: 5,
      accept: (ev) => ev.originalStreamId === a || ev.originalStreamId === marker,
      start: (appeared, liveStarted, dropped) =>
        conn.subscribeToAllFrom(
          from,
          false,
          appeared,
          liveStarted,
          dropped,
          undefined,
          2,
        ),
      writeLive: () => conn.appendToStream(a, 2, jsonEvents(2, "a", 3)),
    });
  },
  /**
   * Events appended while the history is being read (triggered from the handler of history event
   * 1) are delivered exactly once, whichever side (history or live) they arrive on.
   */
  async stream_writes_during_catch_up() {
    const conn = await connect();
    const writer = await connect({}, "interop-catchup-writer");
    const stream = streamName("catchuprace");
    step("write history 0..5");
    await conn.appendToStream(stream, noStream, jsonEvents(6));
    let racing = null;
    const result = await runCatchUp({
      conn,
      expected: 10,
      accept: (ev) => {
        if (ev.originalEventNumber.toNumber() === 1 && racing === null) {
          racing = writer.appendToStream(stream, 5, jsonEvents(2, "e", 6));
        }
        return true;
      },
      start: (appeared, liveStarted, dropped) =>
        conn.subscribeToStreamFrom(
          stream,
          null,
          false,
          appeared,
          liveStarted,
          dropped,
          undefined,
          2,
        ),
      writeLive: async () => {
        await racing;
        await writer.appendToStream(stream, 7, jsonEvents(2, "e", 8));
      },
    });
    await close(writer);
    return result;
  },
});
