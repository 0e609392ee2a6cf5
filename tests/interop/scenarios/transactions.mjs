// Explicit transactions: start, write, commit. Run: node transactions.mjs <scenario> --host H --port P
import {
  allSlice,
  close,
  connect,
  error,
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

const { noStream, any } = es.expectedVersion;

function brief(s) {
  const { events: _events, ...rest } = slice(s);
  return rest;
}

main({
  /** Events written in a transaction become visible only at commit, with consecutive numbers. */
  async commit() {
    const conn = await connect();
    const stream = streamName("tx");
    step("start with noStream");
    const tx = await conn.startTransaction(stream, noStream);
    const transactionId = num(tx.transactionId);
    step("write 2 events");
    const events = jsonEvents(3);
    await tx.write(events.slice(0, 2));
    step("write 1 event");
    await tx.write(events[2]);
    step("read before commit");
    const before = brief(await conn.readStreamEventsForward(stream, 0, 10));
    step("commit");
    const committed = write(await tx.commit());
    step("read after commit");
    const after = slice(await conn.readStreamEventsForward(stream, 0, 10));
    step("$all backward: positions of the transaction's events");
    const all = allSlice(
      await conn.readAllEventsBackward(es.positions.end, 50),
    );
    const positions = all.events
      .filter((e) => e.originalStreamId === stream)
      .reverse()
      .map((e) => ({ number: e.originalEventNumber, ...e.position }));
    await close(conn);
    return {
      transactionId,
      before,
      committed,
      after: {
        ...after,
        ids: after.events.map((e) => e.event.id),
        events: undefined,
      },
      writtenIds: events.map((e) => e.eventId),
      positions,
    };
  },

  /** The expected version is checked at commit, not at start. */
  async wrong_expected_version() {
    const conn = await connect();
    const stream = streamName("txwev");
    step("start with expected 5 on a missing stream");
    let tx;
    try {
      tx = await conn.startTransaction(stream, 5);
    } catch (e) {
      await close(conn);
      return { start: { error: error(e) } };
    }
    const start = { value: num(tx.transactionId) };
    step("write 1 event");
    await tx.write(jsonEvents(1));
    step("commit");
    let commit;
    try {
      commit = { value: write(await tx.commit()) };
    } catch (e) {
      commit = { error: error(e) };
    }
    step("read");
    const read = brief(await conn.readStreamEventsForward(stream, 0, 10));
    await close(conn);
    return { start, commit, read };
  },

  /** An expected version that became right between start and commit succeeds. */
  async expected_version_at_commit_time() {
    const conn = await connect();
    const stream = streamName("txlate");
    step("start with expected 1 on a missing stream");
    const tx = await conn.startTransaction(stream, 1);
    step("write 1 event in the transaction");
    await tx.write(jsonEvents(1, "tx"));
    step("append events 0..1 outside the transaction");
    await conn.appendToStream(stream, noStream, jsonEvents(2));
    step("commit");
    const committed = await outcome(tx.commit(), write);
    const read = slice(await conn.readStreamEventsForward(stream, 0, 10));
    await close(conn);
    return {
      committed,
      numbers: read.numbers,
      types: read.events.map((e) => e.event.type),
    };
  },

  /** Committing an empty transaction on a missing stream. */
  async empty_commit() {
    const conn = await connect();
    const stream = streamName("txempty");
    step("start with noStream");
    const tx = await conn.startTransaction(stream, noStream);
    step("commit without writes");
    const committed = await outcome(tx.commit(), write);
    const read = brief(await conn.readStreamEventsForward(stream, 0, 10));
    step("start with any, write, commit");
    const tx2 = await conn.startTransaction(stream, any);
    await tx2.write(jsonEvents(2));
    const second = await outcome(tx2.commit(), write);
    await close(conn);
    return { committed, readStatus: read.status, second };
  },
  /** A stream hard-deleted between start and commit fails the commit with StreamDeletedError. */
  async deleted_before_commit() {
    const conn = await connect();
    const stream = streamName("txdeleted");
    step("write event 0");
    await conn.appendToStream(stream, noStream, jsonEvents(1));
    step("start with any and write");
    const tx = await conn.startTransaction(stream, any);
    await tx.write(jsonEvents(1, "tx"));
    step("hard delete the stream");
    await conn.deleteStream(stream, 0, true);
    step("commit");
    let commit;
    try {
      commit = { value: write(await tx.commit()) };
    } catch (e) {
      commit = { error: error(e) };
    }
    await close(conn);
    return { commit };
  },
});
