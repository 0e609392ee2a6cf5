// $all reads forward and backward (admin credentials), positions and paging.
// Run: node all_reads.mjs <scenario> --host H --port P
import {
  allSlice,
  close,
  connect,
  es,
  jsonEvents,
  main,
  outcome,
  step,
  streamName,
  write,
} from "./lib.mjs";

const { noStream, any } = es.expectedVersion;

function toPosition(p) {
  return new es.Position(
    BigInt(p.commit).toString(),
    BigInt(p.prepare).toString(),
  );
}

/** Only this run's events (a real server's $all holds other events too). */
function ours(slice, streams) {
  return slice.events.filter((e) => streams.includes(e.originalStreamId));
}

main({
  async read_all() {
    const conn = await connect();
    const a = streamName("all-a");
    const b = streamName("all-b");
    step("write a0 a1, b0, a2");
    const writes = [
      write(await conn.appendToStream(a, noStream, jsonEvents(2, "a"))),
      write(await conn.appendToStream(b, noStream, jsonEvents(1, "b"))),
      write(await conn.appendToStream(a, any, jsonEvents(1, "a", 2))),
    ];
    const streams = [a, b];

    step("backward from the end");
    const backward = allSlice(
      await conn.readAllEventsBackward(es.positions.end, 50),
    );
    const backwardOurs = ours(backward, streams);
    if (backwardOurs.length !== 4) {
      throw new Error(
        `expected this run's 4 events in the last 50 of $all, got ${backwardOurs.length}`,
      );
    }
    const firstPosition = backwardOurs[3].position;
    const b0Position = backwardOurs[1].position;

    step("forward from the first event's position");
    const forward = allSlice(
      await conn.readAllEventsForward(toPosition(firstPosition), 50),
    );

    step("forward from the first event's position, count 1");
    const forwardOne = allSlice(
      await conn.readAllEventsForward(toPosition(firstPosition), 1),
    );

    step("backward from b0's position, count 1");
    const backwardBeforeB0 = allSlice(
      await conn.readAllEventsBackward(toPosition(b0Position), 1),
    );

    step("page forward one event at a time");
    const pages = [];
    let from = toPosition(firstPosition);
    // Until this run's 4 events were seen plus one page more (the end, on an idle server).
    let seen = 0;
    for (let i = 0; i < 100; i++) {
      const page = allSlice(await conn.readAllEventsForward(from, 1));
      pages.push(page);
      if (page.isEndOfStream || seen === 4) break;
      seen += ours(page, streams).length;
      from = toPosition(page.nextPosition);
    }

    step("forward from the end");
    const fromEnd = allSlice(
      await conn.readAllEventsForward(es.positions.end, 10),
    );
    step("backward from the start");
    const fromStart = allSlice(
      await conn.readAllEventsBackward(es.positions.start, 10),
    );

    await close(conn);
    return {
      streams,
      writes,
      backward: { ...backward, events: backwardOurs },
      forward: { ...forward, events: ours(forward, streams) },
      forwardOne,
      backwardBeforeB0,
      pages: pages.map((p) => ({
        ...p,
        events: ours(p, streams),
        total: p.events.length,
      })),
      fromEnd,
      fromStart,
    };
  },
  /** A negative position other than (-1, -1) is an error ("Invalid position."). */
  async invalid_position() {
    const conn = await connect();
    step("forward from (-2, -2)");
    const forward = await outcome(
      conn.readAllEventsForward(new es.Position(-2, -2), 10),
      (s) => s.events.length,
    );
    step("backward from (-2, -2)");
    const backward = await outcome(
      conn.readAllEventsBackward(new es.Position(-2, -2), 10),
      (s) => s.events.length,
    );
    await close(conn);
    return { forward, backward };
  },
});
