/**
 * The independent referee: node-eventstore-client 23.10.1 (a port of the official .NET TCP
 * client) under Node.js against the memstore, and against a real EventStore when EVENTSTORE_URL
 * is set. This file: appends, deletes, stream metadata and transactions.
 * Expected values come from docs/protocol.md §4 (server semantics) and §6 (client behaviour), never
 * from what the memstore happens to answer.
 */

import assert from "node:assert/strict";
import {
  assertIncreasing,
  assertSlice,
  assertStreamDeleted,
  assertWrongExpectedVersion,
  LONG_MAX,
  parseExact,
  range,
} from "./assertions.ts";
import { interopTest, type ScenarioResult } from "./harness.ts";

// ---------------------------------------------------------------------------------------------
// Appends (docs/protocol.md §4.5)

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

interopTest(
  "appendToStream with expected version -3 or -5 or an all-zero event id gets BadRequest and the connection stays usable",
  "append.mjs",
  "bad_requests",
  (r) => {
    for (const [label, outcome] of Object.entries(r.results) as [string, ScenarioResult][]) {
      assert.equal(outcome.value, undefined, `${label} must fail`);
      assert.match(
        outcome.error.message,
        /^Bad request: Could not unwrap network package for command WriteEvents/,
        label,
      );
    }
    assert.equal(r.valid.nextExpectedVersion, 0);
    assert.deepEqual(r.numbers, [0], "nothing of the bad requests was written");
    assert.equal(r.stats.disconnected, 0, "BadRequest for a bad payload keeps the connection");
    assert.equal(r.stats.reconnecting, 0);
  },
);

// ---------------------------------------------------------------------------------------------
// Deletes (docs/protocol.md §4.6)

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
    // A delete reports the position of its tombstone (docs/protocol.md §4.6).
    assert.equal(r.deleted.value.commit, r.tombstonePosition.commit, "delete position");
    // $all keeps everything: the tombstone (newest) and the events it hides (docs/protocol.md §4.9).
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
// Metadata (docs/protocol.md §4.11, §4.8)

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
// Transactions (docs/protocol.md §4.12)

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
  "a transaction whose stream was hard-deleted before the commit fails with StreamDeletedError",
  "transactions.mjs",
  "deleted_before_commit",
  (r) => {
    assert.equal(r.commit.value, undefined, "the commit must fail");
    assert.equal(r.commit.error.name, "StreamDeletedError", r.commit.error.message);
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
