/**
 * The independent referee: node-eventstore-client 23.10.1 (a port of the official .NET TCP
 * client) under Node.js against the memstore, and against a real EventStore when EVENTSTORE_URL
 * is set. This file: stream reads, readEvent and $all reads.
 * Expected values come from docs/protocol.md §4 (server semantics) and §6 (client behaviour), never
 * from what the memstore happens to answer.
 */

import assert from "node:assert/strict";
import { assertIncreasing, assertSlice, comparePos, range } from "./assertions.ts";
import { interopTest, type ScenarioResult, type TargetKind } from "./harness.ts";

// ---------------------------------------------------------------------------------------------
// Stream reads (docs/protocol.md §4.7, §4.8)

interopTest(
  "readStreamEventsForward reports nextEventNumber, lastEventNumber and isEndOfStream at slice boundaries",
  "reads.mjs",
  "forward_slices",
  (r) => {
    assertSlice(r["0:5"], {
      numbers: range(0, 4),
      next: 5,
      last: 9,
      end: false,
    }, "from 0 count 5");
    assertSlice(r["5:5"], {
      numbers: range(5, 9),
      next: 10,
      last: 9,
      end: true,
    }, "from 5 count 5");
    assertSlice(
      r["8:5"],
      { numbers: [8, 9], next: 10, last: 9, end: true },
      "from 8 count 5",
    );
    assertSlice(
      r["10:5"],
      { numbers: [], next: 10, last: 9, end: true },
      "from 10 count 5",
    );
    assertSlice(
      r["15:5"],
      { numbers: [], next: 10, last: 9, end: true },
      "from 15 count 5",
    );
    assertSlice(r["0:4096"], {
      numbers: range(0, 9),
      next: 10,
      last: 9,
      end: true,
    }, "from 0 count 4096");
  },
);

interopTest(
  "readStreamEventsBackward reports nextEventNumber, lastEventNumber and isEndOfStream at slice boundaries",
  "reads.mjs",
  "backward_slices",
  (r) => {
    assertSlice(
      r["-1:3"],
      { numbers: [9, 8, 7], next: 6, last: 9, end: false },
      "from end count 3",
    );
    assertSlice(
      r["2:5"],
      { numbers: [2, 1, 0], next: -1, last: 9, end: true },
      "from 2 count 5",
    );
    assertSlice(
      r["15:3"],
      { numbers: [], next: 9, last: 9, end: false },
      "from 15 count 3",
    );
    assertSlice(r["15:10"], {
      numbers: [9, 8, 7, 6],
      next: 5,
      last: 9,
      end: false,
    }, "from 15 count 10");
    assertSlice(r["9:10"], {
      numbers: range(9, 0),
      next: -1,
      last: 9,
      end: true,
    }, "from 9 count 10");
    assertSlice(
      r["0:1"],
      { numbers: [0], next: -1, last: 9, end: true },
      "from 0 count 1",
    );
  },
);

interopTest(
  "reads of a stream that never existed return StreamNotFound and readEvent NoStream",
  "reads.mjs",
  "missing_stream",
  (r) => {
    const missing = {
      status: "streamNotFound",
      numbers: [],
      next: -1,
      last: -1,
      end: true,
    };
    assertSlice(r.forward, missing, "forward");
    assertSlice(r.backward, missing, "backward");
    assert.deepEqual(r.readEvent, { status: "noStream", event: null });
  },
);

interopTest(
  "events round-trip exactly: ids, types, JSON and binary data and metadata, created time",
  "reads.mjs",
  "round_trip",
  (r) => {
    assert.equal(r.read.length, 3);
    r.written.forEach((w: ScenarioResult, i: number) => {
      const e = r.read[i];
      assert.equal(e.stream, r.stream);
      assert.equal(e.number, i);
      assert.equal(e.id, w.id, `event ${i} id`);
      assert.equal(e.type, w.type, `event ${i} type`);
      assert.equal(e.isJson, w.isJson, `event ${i} isJson`);
      assert.equal(e.dataHex, w.dataHex, `event ${i} data`);
      assert.equal(e.metadataHex, w.metadataHex, `event ${i} metadata`);
      // Same machine (or a server in a container on it): created is the write time, give or
      // take clock resolution; a missing or mis-scaled created_epoch is far outside this window.
      assert.ok(
        e.createdEpoch >= r.clock.before - 300_000 &&
          e.createdEpoch <= r.clock.after + 300_000,
        `event ${i} createdEpoch ${e.createdEpoch} is not the write time ${r.clock.before}`,
      );
    });
    assert.deepEqual(JSON.parse(r.read[0].data), {
      text: "Grüße, 世界 🌍",
      nested: { list: [1, 2.5, true, null] },
    });
    assert.equal(r.single.status, "success");
    assert.equal(r.single.event.id, r.written[1].id);
    assert.equal(r.single.event.dataHex, r.written[1].dataHex);
  },
);

interopTest(
  "readEvent returns events 0 and 5, the last event for -1, and NotFound past the end",
  "reads.mjs",
  "read_event",
  (r) => {
    for (const [n, number] of [["0", 0], ["5", 5], ["-1", 9]] as const) {
      const res = r.results[n];
      assert.equal(res.status, "success", `readEvent ${n}`);
      assert.equal(res.event.event.number, number, `readEvent ${n}`);
      assert.equal(res.event.event.id, r.ids[number], `readEvent ${n}`);
      assert.equal(res.event.originalEventNumber, number, `readEvent ${n}`);
      assert.equal(res.event.event.stream, r.stream);
    }
    assert.equal(r.results["10"].status, "notFound");
    assert.equal(r.results["10"].event, null);
  },
);

interopTest(
  "readStreamEventsForward/Backward and readEvent with resolveLinkTos resolve $> links and keep unresolvable ones as links",
  "reads.mjs",
  "links",
  (r) => {
    const [resolvedLink, danglingLink] = r.resolved;
    assert.equal(resolvedLink.isResolved, true);
    assert.equal(resolvedLink.event.stream, r.target);
    assert.equal(resolvedLink.event.number, 1);
    assert.equal(resolvedLink.event.id, r.targetIds[1]);
    assert.equal(resolvedLink.event.data, '{"index":1,"tag":"t"}');
    assert.equal(resolvedLink.link.stream, r.links);
    assert.equal(resolvedLink.link.number, 0);
    assert.equal(resolvedLink.link.id, r.linkIds[0]);
    assert.equal(resolvedLink.link.type, "$>");
    assert.equal(resolvedLink.originalStreamId, r.links, "the original event is the link");
    assert.equal(resolvedLink.originalEventNumber, 0);

    assert.equal(danglingLink.isResolved, false);
    assert.equal(danglingLink.event, null, "5@target does not exist");
    assert.equal(danglingLink.link.id, r.linkIds[1]);
    assert.equal(danglingLink.link.data, `5@${r.target}`);
    assert.equal(danglingLink.originalEventNumber, 1);

    for (const [i, e] of r.raw.entries()) {
      assert.equal(e.link, null, "not resolved when not asked");
      assert.equal(e.event.type, "$>");
      assert.equal(e.event.id, r.linkIds[i]);
    }
    assert.equal(r.single.status, "success");
    assert.equal(r.single.event.event.id, r.targetIds[1]);
    assert.equal(r.single.event.link.id, r.linkIds[0]);
    assert.deepEqual(
      r.backward.map((e: ScenarioResult) => [e.event?.id ?? null, e.link.id]),
      [[null, r.linkIds[1]], [r.targetIds[1], r.linkIds[0]]],
    );
  },
);

interopTest(
  "a 3 MiB event and 1000 events in one append come back intact",
  "reads.mjs",
  "large_and_many",
  (r) => {
    assert.equal(r.big.status, "success");
    assert.equal(r.big.length, 3 * 1024 * 1024);
    assert.equal(r.big.sha256, r.big.expectedSha256);
    assert.equal(r.manyWritten, 999);
    assert.deepEqual(r.forward, {
      count: 1000,
      first: 0,
      last: 999,
      ascending: true,
      descending: false,
      indices: true,
      nextEventNumber: 1000,
      lastEventNumber: 999,
      isEndOfStream: true,
    });
    assert.deepEqual(r.backward, {
      count: 500,
      first: 999,
      last: 500,
      ascending: false,
      descending: true,
      indices: true,
      nextEventNumber: 499,
      lastEventNumber: 999,
      isEndOfStream: false,
    });
  },
);

interopTest(
  "stream names and event types outside ASCII round-trip",
  "reads.mjs",
  "unicode_names",
  (r) => {
    assert.equal(r.events.length, 1);
    assert.equal(r.events[0].stream, r.stream);
    assert.equal(r.events[0].type, "Événement🙂");
    assert.deepEqual(JSON.parse(r.events[0].data), { ok: true });
  },
);

// ---------------------------------------------------------------------------------------------
// $all (docs/protocol.md §4.9)

interopTest(
  "readAllEventsForward/Backward return events in log order with ordered positions matching the write results",
  "all_reads.mjs",
  "read_all",
  (r, kind: TargetKind) => {
    const [a] = r.streams;
    const key = (e: ScenarioResult) =>
      `${e.originalStreamId === a ? "a" : "b"}${e.originalEventNumber}`;
    assert.deepEqual(
      r.writes.map((w: ScenarioResult) => w.nextExpectedVersion),
      [1, 0, 2],
    );

    const backward = r.backward.events;
    assert.deepEqual(
      backward.map(key),
      ["a2", "b0", "a1", "a0"],
      "backward order",
    );
    const backPositions = backward.map((e: ScenarioResult) => e.position);
    assertIncreasing(
      [...backPositions].reverse(),
      "backward positions (reversed)",
    );
    for (const p of backPositions) {
      assert.equal(p.commit, p.prepare, "implicit commit: commit = prepare");
    }
    // A successful write reports the position of its last event (docs/protocol.md §4.9).
    assert.equal(
      r.writes[2].logPosition.commit,
      backPositions[0].commit,
      "a2 write position",
    );
    assert.equal(
      r.writes[1].logPosition.commit,
      backPositions[1].commit,
      "b0 write position",
    );
    assert.equal(
      r.writes[0].logPosition.commit,
      backPositions[2].commit,
      "a0..a1 write position",
    );

    const forward = r.forward.events;
    assert.deepEqual(
      forward.map(key),
      ["a0", "a1", "b0", "a2"],
      "forward order",
    );
    assert.deepEqual(
      forward.map((e: ScenarioResult) => e.position),
      [...backPositions].reverse(),
    );
    assert.deepEqual(
      r.forward.fromPosition,
      backPositions[3],
      "forward slice echoes its start",
    );
    assert.deepEqual(
      forward.map((e: ScenarioResult) => e.event.id),
      [...backward].reverse().map((e: ScenarioResult) => e.event.id),
    );

    assert.deepEqual(
      r.forwardOne.events.map(key),
      ["a0"],
      "forward from a0's position starts at a0",
    );
    assert.ok(
      comparePos(r.forwardOne.nextPosition, backPositions[3]) > 0,
      "next is after a0",
    );
    assert.ok(
      comparePos(r.forwardOne.nextPosition, backPositions[2]) <= 0,
      "next is not after a1",
    );

    if (
      kind === "memstore" ||
      r.backwardBeforeB0.events[0]?.originalStreamId === a
    ) {
      assert.deepEqual(
        r.backwardBeforeB0.events.map(key),
        ["a1"],
        "backward from b0 excludes b0",
      );
      assert.deepEqual(
        r.backwardBeforeB0.nextPosition,
        backPositions[2],
        "backward next = a1's position",
      );
    }

    const paged = r.pages.flatMap((p: ScenarioResult) => p.events).map(key);
    assert.deepEqual(
      paged,
      ["a0", "a1", "b0", "a2"],
      "paging forward one by one",
    );
    for (let i = 1; i < r.pages.length; i++) {
      assert.deepEqual(
        r.pages[i].fromPosition,
        r.pages[i - 1].nextPosition,
        `page ${i} starts at the previous next`,
      );
    }
    if (kind === "memstore") {
      assert.equal(r.pages.length, 5);
      const last = r.pages[4];
      assert.equal(last.total, 0);
      assert.equal(last.isEndOfStream, true);
      assert.deepEqual(
        last.nextPosition,
        last.fromPosition,
        "an empty slice's next is its start",
      );
    }

    assert.equal(r.fromEnd.events.length, 0, "forward from the end");
    assert.equal(r.fromEnd.isEndOfStream, true);
    assert.equal(r.fromStart.events.length, 0, "backward from the start");
    assert.equal(r.fromStart.isEndOfStream, true);
  },
);

interopTest(
  "readAllEventsForward/Backward from a negative position other than (-1, -1) fail with a server error",
  "all_reads.mjs",
  "invalid_position",
  (r) => {
    for (const direction of ["forward", "backward"]) {
      assert.equal(r[direction].value, undefined, `${direction} must fail`);
      assert.match(r[direction].error.message, /^Server error: Invalid position/, direction);
    }
  },
);
