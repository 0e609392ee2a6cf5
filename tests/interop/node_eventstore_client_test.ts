/**
 * The independent referee: node-eventstore-client 23.10.1 (a port of the official .NET TCP client)
 * under Node.js against the memstore, and against a real EventStore when EVENTSTORE_URL is set.
 * Expected values come from PROTOCOL.md §4 (server semantics) and §6 (client behaviour), never
 * from what the memstore happens to answer.
 */

import assert from "node:assert/strict";
import { interopTest, type ScenarioResult, type TargetKind } from "./harness.ts";

const LONG_MAX = "9223372036854775807";

interface Pos {
  commit: string;
  prepare: string;
}

function comparePos(a: Pos, b: Pos): number {
  const ac = BigInt(a.commit), bc = BigInt(b.commit);
  if (ac !== bc) return ac < bc ? -1 : 1;
  const ap = BigInt(a.prepare), bp = BigInt(b.prepare);
  return ap === bp ? 0 : ap < bp ? -1 : 1;
}

function assertIncreasing(positions: Pos[], what: string): void {
  for (let i = 1; i < positions.length; i++) {
    assert.ok(
      comparePos(positions[i - 1], positions[i]) < 0,
      `${what}: position ${i} ${JSON.stringify(positions[i])} is not after ` +
        `${JSON.stringify(positions[i - 1])}`,
    );
  }
}

/** An `outcome()` that must be a NEC WrongExpectedVersionError with these details. */
function assertWrongExpectedVersion(
  outcome: ScenarioResult,
  details: { action: string; stream?: string; expectedVersion?: number },
): void {
  assert.equal(
    outcome.value,
    undefined,
    `expected WrongExpectedVersionError, got success`,
  );
  assert.equal(
    outcome.error.name,
    "WrongExpectedVersionError",
    outcome.error.message,
  );
  assert.equal(outcome.error.action, details.action);
  if (details.stream !== undefined) {
    assert.equal(outcome.error.stream, details.stream);
  }
  if (details.expectedVersion !== undefined) {
    assert.equal(outcome.error.expectedVersion, details.expectedVersion);
  }
}

function assertStreamDeleted(outcome: ScenarioResult, stream: string): void {
  assert.equal(
    outcome.value,
    undefined,
    `expected StreamDeletedError, got success`,
  );
  assert.equal(outcome.error.name, "StreamDeletedError", outcome.error.message);
  assert.equal(outcome.error.stream, stream);
}

function assertAccessDenied(
  outcome: ScenarioResult,
  action: string,
  stream: string,
): void {
  assert.equal(
    outcome.value,
    undefined,
    `expected AccessDeniedError, got success`,
  );
  assert.equal(outcome.error.name, "AccessDeniedError", outcome.error.message);
  assert.equal(outcome.error.action, action);
  assert.equal(outcome.error.stream, stream);
}

function assertSlice(
  actual: ScenarioResult,
  expected: {
    status?: string;
    numbers: number[];
    next: number | string;
    last: number | string;
    end: boolean;
  },
  what: string,
): void {
  assert.deepEqual(
    {
      status: actual.status,
      numbers: actual.numbers,
      next: actual.nextEventNumber,
      last: actual.lastEventNumber,
      end: actual.isEndOfStream,
    },
    {
      status: expected.status ?? "success",
      numbers: expected.numbers,
      next: expected.next,
      last: expected.last,
      end: expected.end,
    },
    what,
  );
}

const range = (from: number, to: number): number[] =>
  from <= to
    ? Array.from({ length: to - from + 1 }, (_, i) => from + i)
    : Array.from({ length: from - to + 1 }, (_, i) => from - i);

// ---------------------------------------------------------------------------------------------
// Appends (PROTOCOL.md §4.5)

interopTest(
  "appendToStream with expectedVersion.any appends to a new stream and continues numbering",
  "append.mjs",
  "any_appends",
  (r) => {
    assert.equal(r.first.nextExpectedVersion, 1);
    assert.equal(r.second.nextExpectedVersion, 2);
    assert.deepEqual(r.numbers, [0, 1, 2]);
    assert.equal(r.lastEventNumber, 2);
    assert.ok(BigInt(r.first.logPosition.commit) >= 0n);
    assertIncreasing(
      [r.first.logPosition, r.second.logPosition],
      "write positions",
    );
  },
);

interopTest(
  "appendToStream with expectedVersion.noStream succeeds once, then fails with WrongExpectedVersionError (expected -1)",
  "append.mjs",
  "no_stream",
  (r) => {
    assert.equal(r.first.nextExpectedVersion, 2);
    assertWrongExpectedVersion(r.second, {
      action: "Append",
      stream: r.stream,
      expectedVersion: -1,
    });
    assert.equal(
      r.empty.nextExpectedVersion,
      0,
      "emptyStream (-1) on a new stream",
    );
    assert.deepEqual(r.numbers, [0, 1, 2]);
  },
);

interopTest(
  "appendToStream with expectedVersion.streamExists fails on a missing stream and appends to an existing one",
  "append.mjs",
  "stream_exists",
  (r) => {
    assertWrongExpectedVersion(r.missing, {
      action: "Append",
      stream: r.stream,
      expectedVersion: -4,
    });
    assert.equal(r.created.nextExpectedVersion, 1);
    assert.equal(r.existing.nextExpectedVersion, 2);
    assert.deepEqual(r.numbers, [0, 1, 2]);
  },
);

interopTest(
  "appendToStream with expected version 5 or 2 on a stream at 3 fails with WrongExpectedVersionError; 3 appends at 4",
  "append.mjs",
  "exact_versions",
  (r) => {
    assert.equal(r.created.nextExpectedVersion, 3);
    assertWrongExpectedVersion(r.ahead, {
      action: "Append",
      stream: r.stream,
      expectedVersion: 5,
    });
    assertWrongExpectedVersion(r.behind, {
      action: "Append",
      stream: r.stream,
      expectedVersion: 2,
    });
    assert.equal(r.exact.nextExpectedVersion, 4);
    assertWrongExpectedVersion(r.missing, {
      action: "Append",
      expectedVersion: 0,
    });
    assert.deepEqual(r.numbers, [0, 1, 2, 3, 4]);
    assert.deepEqual(
      r.types,
      Array(5).fill("Interope"),
      "no event of a failed append was written",
    );
  },
);

interopTest(
  "appendToStream re-sending the same event ids is idempotent (same numbers) and a partial match is a WrongExpectedVersionError",
  "append.mjs",
  "idempotent",
  (r) => {
    assert.equal(r.first.nextExpectedVersion, 2);
    assert.equal(r.next.nextExpectedVersion, 3);
    assert.equal(r.againNoStream.nextExpectedVersion, 2, "A B C again, noStream: A B C's numbers");
    assert.equal(r.againAny.nextExpectedVersion, 2, "A B C again, any: A B C's numbers");
    assert.equal(r.againFrom0.nextExpectedVersion, 2, "B C again, expected 0");
    assert.equal(r.againD.nextExpectedVersion, 3, "D again, expected 2");
    assertWrongExpectedVersion(r.partialNoStream, { action: "Append", expectedVersion: -1 });
    assertWrongExpectedVersion(r.partialAny, { action: "Append", expectedVersion: -2 });
    assertWrongExpectedVersion(r.pastEnd, { action: "Append", expectedVersion: 1 });
    assert.deepEqual(r.numbers, [0, 1, 2, 3], "nothing was written twice");
    assert.deepEqual(r.ids, r.writtenIds);
  },
);

interopTest(
  "appendToStream of zero events succeeds without creating the stream",
  "append.mjs",
  "zero_events",
  (r) => {
    assert.equal(r.anyMissing.nextExpectedVersion, -1);
    assert.equal(r.noStreamMissing.nextExpectedVersion, -1);
    assert.equal(r.readStatus, "streamNotFound");
    assert.equal(r.exact.nextExpectedVersion, 1);
    assert.deepEqual(r.numbers, [0, 1]);
  },
);

// ---------------------------------------------------------------------------------------------
// Stream reads (PROTOCOL.md §4.7, §4.8)

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

// ---------------------------------------------------------------------------------------------
// $all (PROTOCOL.md §4.9)

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
    // A successful write reports the position of its last event (PROTOCOL.md §4.9).
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

// ---------------------------------------------------------------------------------------------
// Deletes (PROTOCOL.md §4.6)

/** Parses the soft-delete metadata text keeping 64-bit numbers exact. */
function parseExact(json: string): unknown {
  return JSON.parse(json.replace(/:\s*(-?\d{16,})/g, ':"$1"'));
}

interopTest(
  "deleteStream (soft) makes reads return StreamNotFound with the old last number; appending with any recreates it at 2",
  "deletes.mjs",
  "soft_delete",
  (r) => {
    assert.ok(
      r.deleted.value,
      `soft delete failed: ${JSON.stringify(r.deleted.error)}`,
    );
    const gone = {
      status: "streamNotFound",
      numbers: [],
      next: -1,
      last: 1,
      end: true,
    };
    assertSlice(r.read, gone, "forward after soft delete");
    assertSlice(r.readBackward, gone, "backward after soft delete");
    assert.equal(r.event.status, "noStream");
    assert.equal(r.meta.status, "success");
    assert.equal(r.meta.type, "$metadata");
    assert.deepEqual(
      parseExact(r.meta.data),
      { $tb: LONG_MAX },
      `metadata ${r.meta.data}`,
    );
    assertStreamDeleted(r.streamExistsWrite, r.read.stream);
    assert.equal(
      r.recreated.value?.nextExpectedVersion,
      4,
      JSON.stringify(r.recreated),
    );
    assertSlice(r.readAfter, {
      numbers: [2, 3, 4],
      next: 5,
      last: 4,
      end: true,
    }, "after recreation");
    assert.deepEqual(r.metaAfter, {
      isStreamDeleted: false,
      metastreamVersion: 1,
      streamMetadata: { $tb: 2 },
    });
  },
);

interopTest(
  "after a soft delete the first noStream append recreates the stream and a second fails with WrongExpectedVersionError",
  "deletes.mjs",
  "soft_delete_recreate_no_stream",
  (r) => {
    assert.equal(
      r.first.value?.nextExpectedVersion,
      2,
      JSON.stringify(r.first),
    );
    assertWrongExpectedVersion(r.second, {
      action: "Append",
      expectedVersion: -1,
    });
    assertSlice(
      r.read,
      { numbers: [2], next: 3, last: 2, end: true },
      "after recreation",
    );
  },
);

interopTest(
  "deleteStream (hard) leaves a tombstone: reads StreamDeleted with last 2^63-1, every append and delete fails with StreamDeletedError",
  "deletes.mjs",
  "hard_delete",
  (r) => {
    assert.ok(
      r.deleted.value,
      `hard delete failed: ${JSON.stringify(r.deleted.error)}`,
    );
    const deleted = {
      status: "streamDeleted",
      numbers: [],
      next: -1,
      last: LONG_MAX,
      end: true,
    };
    assertSlice(r.read, deleted, "forward after hard delete");
    assertSlice(r.readBackward, deleted, "backward after hard delete");
    assert.equal(r.event.status, "streamDeleted");
    for (const label of ["any", "noStream", "exact1"]) {
      assertStreamDeleted(r.writes[label], r.read.stream);
    }
    assertStreamDeleted(r.deleteAgain, r.read.stream);
    assert.equal(r.meta.isStreamDeleted, true);
    // $all keeps everything: the tombstone (newest) and the events it hides (PROTOCOL.md §4.9).
    assert.deepEqual(r.inAll, [
      { number: LONG_MAX, type: "$streamDeleted", data: "" },
      { number: 1, type: "Interope", data: '{"index":1,"tag":"e"}' },
      { number: 0, type: "Interope", data: '{"index":0,"tag":"e"}' },
    ]);
  },
);

interopTest(
  "deleteStream checks the expected version: 1 and noStream on a stream at 2 fail with WrongExpectedVersionError, 2 succeeds",
  "deletes.mjs",
  "delete_expected_version",
  (r) => {
    assertWrongExpectedVersion(r.wrong, {
      action: "Delete",
      expectedVersion: 1,
    });
    assertWrongExpectedVersion(r.noStreamDelete, {
      action: "Delete",
      expectedVersion: -1,
    });
    assert.deepEqual(r.read.numbers, [0, 1, 2]);
    assert.ok(
      r.right.value,
      `delete with the right version failed: ${JSON.stringify(r.right.error)}`,
    );
  },
);

interopTest(
  "deleteStream of a stream that never existed: soft fails with WrongExpectedVersionError, hard succeeds and leaves it deleted",
  "deletes.mjs",
  "delete_never_created",
  (r) => {
    assertWrongExpectedVersion(r.softAny, {
      action: "Delete",
      stream: r.soft,
      expectedVersion: -2,
    });
    assert.ok(r.hardNoStream.value, `hard delete failed: ${JSON.stringify(r.hardNoStream.error)}`);
    assertSlice(
      r.hardRead,
      { status: "streamDeleted", numbers: [], next: -1, last: LONG_MAX, end: true },
      "read after hard delete",
    );
    assertStreamDeleted(r.hardWrite, r.hard);
  },
);

// ---------------------------------------------------------------------------------------------
// Metadata (PROTOCOL.md §4.11, §4.8)

interopTest(
  "setStreamMetadataRaw/getStreamMetadataRaw round-trip metadata with metastream versions and reject a stale version",
  "metadata.mjs",
  "get_set",
  (r) => {
    assert.deepEqual(r.initial, {
      stream: r.stream,
      isStreamDeleted: false,
      metastreamVersion: -1,
      streamMetadata: null,
    });
    assert.equal(r.set.nextExpectedVersion, 0);
    assert.deepEqual(r.got, {
      stream: r.stream,
      isStreamDeleted: false,
      metastreamVersion: 0,
      streamMetadata: { $maxCount: 3, custom: "x", nested: { a: [1, 2] } },
    });
    assertWrongExpectedVersion(r.stale, {
      action: "Append",
      stream: `$$${r.stream}`,
      expectedVersion: -1,
    });
    assert.equal(r.second.nextExpectedVersion, 1);
    assert.equal(r.latest.metastreamVersion, 1);
    assert.deepEqual(r.latest.streamMetadata, { custom: "z" });
    assertSlice(
      r.metastream,
      { numbers: [1], next: 2, last: 1, end: true },
      "metastream keeps only its last event",
    );
  },
);

interopTest(
  "$maxCount 3 limits reads of a 10-event stream to events 7..9 and readEvent 0 to NotFound",
  "metadata.mjs",
  "max_count",
  (r) => {
    assertSlice(
      r.rows.fwd0_5,
      { numbers: [], next: 7, last: 9, end: false },
      "forward from 0 count 5",
    );
    assertSlice(r.rows.fwd0_100, {
      numbers: [7, 8, 9],
      next: 10,
      last: 9,
      end: true,
    }, "forward from 0 count 100");
    assertSlice(r.rows.bwd_100, {
      numbers: [9, 8, 7],
      next: -1,
      last: 9,
      end: true,
    }, "backward from end count 100");
    assert.equal(r.event0, "notFound");
    assert.deepEqual(r.event7, { status: "success", number: 7 });
    assert.equal(r.appended.nextExpectedVersion, 10);
    assertSlice(r.rows.afterAppend, {
      numbers: [8, 9, 10],
      next: 11,
      last: 10,
      end: true,
    }, "after one more append");
  },
);

interopTest(
  "$tb 5 hides events 0..4 from reads and readEvent",
  "metadata.mjs",
  "truncate_before",
  (r) => {
    assertSlice(r.forward, {
      numbers: range(5, 9),
      next: 10,
      last: 9,
      end: true,
    }, "forward");
    assertSlice(r.backward, {
      numbers: range(9, 5),
      next: -1,
      last: 9,
      end: true,
    }, "backward");
    assert.equal(r.event4, "notFound");
  },
);

interopTest(
  "getStreamMetadataRaw of a stream without metadata is empty with metastream version -1 (ReadEvent of $$s answers Success without an event)",
  "metadata.mjs",
  "existing_without_metadata",
  (r) => {
    assert.deepEqual(r.got, {
      value: {
        stream: r.stream,
        isStreamDeleted: false,
        metastreamVersion: -1,
        streamMetadata: null,
      },
    });
    assert.equal(r.rawStatus, "success");
    assert.equal(r.rawHasEvent, false);
  },
);

// ---------------------------------------------------------------------------------------------
// Transactions (PROTOCOL.md §4.12)

interopTest(
  "startTransaction/write/commit makes the events visible only at commit, numbered 0..2, sharing the commit position",
  "transactions.mjs",
  "commit",
  (r) => {
    assert.ok(
      Number(r.transactionId) >= 0 || BigInt(r.transactionId) >= 0n,
      "transaction id",
    );
    assert.equal(
      r.before.status,
      "streamNotFound",
      "nothing visible before commit",
    );
    assert.equal(r.committed.nextExpectedVersion, 2);
    assert.deepEqual(r.after.numbers, [0, 1, 2]);
    assert.deepEqual(r.after.ids, r.writtenIds);
    assert.equal(r.positions.length, 3);
    const commits = new Set(r.positions.map((p: ScenarioResult) => p.commit));
    assert.equal(
      commits.size,
      1,
      `one commit position for the transaction: ${JSON.stringify(r.positions)}`,
    );
    const prepares = r.positions.map((p: ScenarioResult) => BigInt(p.prepare));
    for (let i = 1; i < prepares.length; i++) {
      assert.ok(prepares[i] > prepares[i - 1], "prepare positions ascend");
    }
    assert.ok(
      BigInt(r.positions[0].commit) > prepares[2],
      "commit record after the prepares",
    );
  },
);

interopTest(
  "a transaction started with a wrong expected version fails at commit with WrongExpectedVersionError",
  "transactions.mjs",
  "wrong_expected_version",
  (r) => {
    assert.ok(
      r.start.value !== undefined,
      `start must not check the version: ${JSON.stringify(r.start)}`,
    );
    assert.equal(
      r.commit.error?.name,
      "WrongExpectedVersionError",
      JSON.stringify(r.commit),
    );
    assert.equal(r.commit.error.action, "Commit");
    assert.equal(r.read.status, "streamNotFound");
  },
);

interopTest(
  "a transaction commit checks the expected version at commit time",
  "transactions.mjs",
  "expected_version_at_commit_time",
  (r) => {
    assert.equal(
      r.committed.value?.nextExpectedVersion,
      2,
      JSON.stringify(r.committed),
    );
    assert.deepEqual(r.numbers, [0, 1, 2]);
    assert.deepEqual(r.types, ["Interope", "Interope", "Interoptx"]);
  },
);

interopTest(
  "committing an empty transaction on a missing stream returns version -1 and creates nothing",
  "transactions.mjs",
  "empty_commit",
  (r) => {
    assert.equal(
      r.committed.value?.nextExpectedVersion,
      -1,
      JSON.stringify(r.committed),
    );
    assert.equal(r.readStatus, "streamNotFound");
    assert.equal(
      r.second.value?.nextExpectedVersion,
      1,
      JSON.stringify(r.second),
    );
  },
);

// ---------------------------------------------------------------------------------------------
// Volatile subscriptions (PROTOCOL.md §4.13)

interopTest(
  "subscribeToStream confirms with the last event number, pushes only new events of that stream, unsubscribes",
  "subscriptions.mjs",
  "stream",
  (r) => {
    assert.equal(r.confirmation.isSubscribedToAll, false);
    assert.equal(r.confirmation.streamId, r.stream);
    assert.equal(r.confirmation.lastEventNumber, 1);
    assert.deepEqual(
      r.received.map((e: ScenarioResult) => e.originalEventNumber),
      [2, 3, 4],
    );
    assert.deepEqual(
      r.received.map((e: ScenarioResult) => e.event.id),
      r.liveIds,
    );
    for (const e of r.received) assert.equal(e.originalStreamId, r.stream);
    assertIncreasing(
      r.received.map((e: ScenarioResult) => e.position),
      "pushed positions",
    );
    assert.deepEqual(r.drop, { reason: "userInitiated", error: null });
  },
);

interopTest(
  "subscribeToAll (admin) pushes every new event in commit order with the positions $all reads report",
  "subscriptions.mjs",
  "all",
  (r) => {
    const [a] = r.streams;
    assert.equal(r.confirmation.isSubscribedToAll, true);
    const keys = (list: ScenarioResult[]) =>
      list.map((e) =>
        `${(e.originalStreamId ?? e.stream) === a ? "a" : "b"}${e.originalEventNumber ?? e.number}`
      );
    assert.deepEqual(keys(r.received), ["a0", "a1", "b0", "a2"]);
    assert.deepEqual(keys(r.read), ["a0", "a1", "b0", "a2"]);
    assert.deepEqual(
      r.received.map((e: ScenarioResult) => e.position),
      r.read.map((e: ScenarioResult) => e.position),
    );
    assert.deepEqual(
      r.received.map((e: ScenarioResult) => e.event.id),
      r.read.map((e: ScenarioResult) => e.id),
    );
    for (const e of r.received) {
      assert.ok(
        BigInt(e.position.commit) > BigInt(r.confirmation.lastCommitPosition),
        "pushed events come after the confirmed position",
      );
    }
  },
);

interopTest(
  "subscribeToAll without admin rights (anonymous, ops) is refused with access denied",
  "subscriptions.mjs",
  "all_access_denied",
  (r) => {
    for (const who of ["anonymous", "ops"]) {
      assert.equal(
        r[who].subscribed,
        undefined,
        `${who} must not subscribe to $all`,
      );
      assert.match(r[who].error.message, /access denied/i, who);
    }
  },
);

interopTest(
  "subscribeToStream's confirmation reports the last event number and a commit position at or after the last write",
  "subscriptions.mjs",
  "confirmation_positions",
  (r) => {
    assert.equal(r.lastEventNumber, 2);
    assert.ok(BigInt(r.lastCommitPosition) >= BigInt(r.writePosition.commit));
  },
);

// ---------------------------------------------------------------------------------------------
// Catch-up subscriptions (PROTOCOL.md §6.5)

function assertCatchUp(
  r: ScenarioResult,
  numbers: number[],
  liveAt: number,
): void {
  assert.deepEqual(
    r.sequence.map((e: ScenarioResult) => e.number),
    numbers,
    "exact sequence, no gaps or duplicates",
  );
  assert.equal(
    new Set(r.sequence.map((e: ScenarioResult) => e.id)).size,
    numbers.length,
  );
  assert.equal(r.liveAt, liveAt, "live processing starts after the history");
  assert.equal(r.drop.reason, "userInitiated");
}

interopTest(
  "subscribeToStreamFrom(null) delivers 5 history events (batches of 2) then 3 live events, each exactly once",
  "catch_up.mjs",
  "stream_from_start",
  (r) => {
    assertCatchUp(r, range(0, 7), 5);
    assert.deepEqual(
      r.sequence.map((e: ScenarioResult) => e.index),
      range(0, 7),
    );
  },
);

interopTest(
  "subscribeToStreamFrom(2) delivers only events after 2, then live ones",
  "catch_up.mjs",
  "stream_from_checkpoint",
  (r) => assertCatchUp(r, [3, 4, 5], 2),
);

interopTest(
  "subscribeToStreamFrom on a missing stream goes live and delivers the stream's creation",
  "catch_up.mjs",
  "stream_missing",
  (r) => assertCatchUp(r, [0, 1], 0),
);

interopTest(
  "subscribeToAllFrom(position) delivers the events after that position, then live ones, in position order",
  "catch_up.mjs",
  "all_from_position",
  (r) => {
    assertCatchUp(r, [0, 1, 2, 3, 4], 3);
    assertIncreasing(
      r.sequence.map((e: ScenarioResult) => e.position),
      "catch-up positions",
    );
  },
);

// ---------------------------------------------------------------------------------------------
// Persistent subscriptions (PROTOCOL.md §4.14)

interopTest(
  "createPersistentSubscription, then connectToPersistentSubscription with auto-ack delivers history and live events in order",
  "persistent.mjs",
  "create_connect_ack",
  (r) => {
    assert.deepEqual(r.created, { value: "success" });
    assert.match(
      r.again.error?.message ?? "",
      /already exists/,
      JSON.stringify(r.again),
    );
    assert.deepEqual(r.deliveries.map((d: ScenarioResult) => d.number), [
      0,
      1,
      2,
      3,
      4,
    ]);
    for (const d of r.deliveries) assert.equal(d.stream, r.stream);
    assert.equal(r.drop.reason, "userInitiated");
    assert.deepEqual(r.deleted, { value: "success" });
  },
);

interopTest(
  "persistent subscription nak Retry redelivers the event and nak Park writes it to the parked stream",
  "persistent.mjs",
  "nak_retry_park",
  (r) => {
    const count = (n: number) => r.deliveries.filter((d: ScenarioResult) => d.number === n).length;
    assert.equal(r.deliveries[0].number, 0);
    assert.equal(
      count(0),
      2,
      "event 0: first delivery, one redelivery after Retry",
    );
    assert.equal(count(1), 1, "event 1: delivered once and acked");
    assert.equal(
      r.deliveries.find((d: ScenarioResult) => d.number === 0).id,
      r.ids[0],
    );
    assert.equal(r.parked.status, "success");
    assert.deepEqual(r.parked.events, [{ type: "$>", data: `0@${r.stream}` }]);
  },
);

interopTest(
  "connectToPersistentSubscription to a group that does not exist is refused",
  "persistent.mjs",
  "connect_missing_group",
  (r) => {
    assert.equal(r.connected, undefined);
    assert.match(r.error.message, /not found/i);
  },
);

interopTest(
  "deletePersistentSubscription succeeds once, then reports the group missing",
  "persistent.mjs",
  "delete_group",
  (r) => {
    assert.deepEqual(r.first, { value: "success" });
    assert.match(
      r.second.error?.message ?? "",
      /does not exist/,
      JSON.stringify(r.second),
    );
    assert.match(
      r.connectAfter.error?.message ?? "",
      /not found/i,
      JSON.stringify(r.connectAfter),
    );
  },
);

interopTest(
  "a persistent subscription with maxRetryCount 1 delivers a failing event twice, then parks it and moves on",
  "persistent.mjs",
  "retry_limit_parks",
  (r) => {
    assert.equal(r.deliveriesWhenParked, 2, "retry counts 0 and 1, then parked");
    assert.deepEqual(r.deliveries.map((d: ScenarioResult) => d.number), [0, 0, 1]);
    assert.deepEqual(r.parked, [{ type: "$>", data: `0@${r.stream}` }]);
  },
);

interopTest(
  "two consumers of a round-robin persistent subscription group each get half of the events, none twice",
  "persistent.mjs",
  "competing_consumers",
  (r) => {
    const all = [...r.one, ...r.two].sort((x: number, y: number) => x - y);
    assert.deepEqual(all, range(0, 9), "every event delivered exactly once");
    assert.equal(r.one.length, 5, `round robin: ${JSON.stringify(r)}`);
    assert.equal(r.two.length, 5, `round robin: ${JSON.stringify(r)}`);
  },
);

interopTest(
  "creating or deleting a persistent subscription group anonymously is denied; ops may create",
  "persistent.mjs",
  "create_access_denied",
  (r) => {
    assert.match(r.anonymous.error?.message ?? "", /access denied/i, JSON.stringify(r.anonymous));
    assert.deepEqual(r.ops, { value: "success" });
    assert.match(
      r.deleteAnonymous.error?.message ?? "",
      /access denied/i,
      JSON.stringify(r.deleteAnonymous),
    );
  },
);

// ---------------------------------------------------------------------------------------------
// Authentication and access (PROTOCOL.md §4.3, §4.4)

interopTest(
  "a wrong password fails append, reads, $all read, delete and subscribe with NotAuthenticated and changes nothing",
  "auth.mjs",
  "wrong_password_per_operation",
  (r) => {
    for (
      const op of ["append", "readForward", "readEvent", "readAll", "delete"]
    ) {
      assert.equal(r.results[op].value, undefined, `${op} must fail`);
      assert.equal(
        r.results[op].error.message,
        "Authentication error: Not Authenticated",
        op,
      );
    }
    assert.equal(r.results.subscribe.value, undefined, "subscribe must fail");
    assert.match(r.results.subscribe.error.message, /Not Authenticated/);
    assert.equal(r.status, "success");
    assert.deepEqual(r.numbers, [0], "the stream is unchanged");
    assert.equal(r.connection.disconnected, 0, "the connection stays open");
    assert.equal(r.connection.reconnecting, 0);
  },
);

interopTest(
  "wrong default credentials: the connection opens, operations without own credentials fail with NotAuthenticated",
  "auth.mjs",
  "wrong_default_credentials",
  (r) => {
    assert.equal(
      r.authenticationFailed,
      1,
      "Authenticate answered NotAuthenticated",
    );
    assert.equal(
      r.withDefault.error?.message,
      "Authentication error: Not Authenticated",
      JSON.stringify(r.withDefault),
    );
    assert.equal(
      r.withExplicit.value?.nextExpectedVersion,
      0,
      JSON.stringify(r.withExplicit),
    );
  },
);

interopTest(
  "valid users without rights get AccessDeniedError: $all reads by ops/anonymous, system streams, stream $acl",
  "auth.mjs",
  "access_denied",
  (r) => {
    assertAccessDenied(r.results.readAllOps, "Read", "$all");
    assertAccessDenied(r.results.readAllAnonymous, "Read", "$all");
    assert.deepEqual(r.results.readAllAdmin, { value: "forward" });
    assertAccessDenied(r.results.systemWriteOps, "Write", r.system);
    assert.equal(r.results.systemWriteAdmin.value?.nextExpectedVersion, 0);
    assert.equal(r.results.setAcl.value?.nextExpectedVersion, 0);
    assertAccessDenied(r.results.aclReadOps, "Read", r.stream);
    assertAccessDenied(r.results.aclWriteOps, "Write", r.stream);
    assert.deepEqual(r.results.aclReadAdmin, { value: [0] });
  },
);

// ---------------------------------------------------------------------------------------------
// Connection (PROTOCOL.md §4.1, §4.2, §6.2)

interopTest(
  "connect authenticates and identifies the client, serves an append and closes cleanly, twice",
  "connection.mjs",
  "open_close",
  (r) => {
    assert.equal(r.rounds.length, 2);
    for (const round of r.rounds) {
      assert.equal(round.connected, 1);
      assert.equal(round.reconnecting, 0);
      assert.equal(round.authenticationFailed, 0);
      assert.deepEqual(round.errors, []);
      assert.deepEqual(round.closed, ["Connection close requested by client."]);
      assert.equal(round.written.nextExpectedVersion, 0);
    }
    assert.equal(r.identified, 2, "ClientIdentified per connection");
    assert.equal(r.authenticated, 2, "Authenticated per connection");
  },
);

interopTest(
  "idle connections survive 5.5 s of heartbeats: the server answers client heartbeats and sends its own",
  "connection.mjs",
  "heartbeats",
  (r) => {
    for (const which of ["chatty", "quiet"]) {
      const c = r[which];
      assert.equal(c.connected, 1, which);
      assert.equal(c.disconnected, 0, `${which} was dropped`);
      assert.equal(c.reconnecting, 0, `${which} reconnected`);
      assert.deepEqual(c.closed, [], which);
    }
    assert.ok(
      r.chatty.heartbeatInfo >= 1,
      "the server answered the client's heartbeat requests",
    );
    assert.ok(
      r.quiet.serverHeartbeatRequests >= 1,
      "the server sent heartbeat requests to a silent client",
    );
    assert.equal(r.afterChatty.nextExpectedVersion, 0);
    assert.equal(r.afterQuiet.nextExpectedVersion, 0);
  },
);

// ---------------------------------------------------------------------------------------------
// Server-side faults (memstore only: a real server cannot be told to misbehave)

interopTest(
  "when the server drops the connection NEC reconnects, drops the subscription with connectionClosed and keeps working",
  "faults.mjs",
  "reconnect_after_drop",
  (r) => {
    assert.equal(r.reason, "connectionClosed");
    assert.equal(r.stats.connected, 2, "connected, then reconnected");
    assert.equal(r.stats.disconnected, 1);
    assert.ok(r.stats.reconnecting >= 1);
    assert.deepEqual(r.stats.closed, [], "the client connection itself stays open");
    assert.equal(r.after.nextExpectedVersion, 1);
    assert.deepEqual(r.numbers, [0, 1]);
  },
  { signals: (store) => ({ drop: () => store.dropConnections() }) },
);

interopTest(
  "while the server answers NotHandled(NotReady) NEC retries the append, which lands exactly once afterwards",
  "faults.mjs",
  "not_ready_retry",
  (r) => {
    assert.ok(r.notHandledReplies >= 1, "NEC decoded at least one NotHandled reply");
    assert.equal(r.result.nextExpectedVersion, 0);
    assert.deepEqual(r.numbers, [0]);
  },
  {
    signals: (store) => ({
      "not-ready": () => store.setNotHandled("NotReady"),
      ready: () => store.setNotHandled(null),
    }),
  },
);
