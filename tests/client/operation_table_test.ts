import assert from "node:assert/strict";
import type { Connection } from "../../lib/client/connection.ts";
import { DeadlineQueue } from "../../lib/client/deadline_queue.ts";
import type { Operation } from "../../lib/client/operation.ts";
import { type Entry, OperationTable } from "../../lib/client/operation_table.ts";
import { ManualClock } from "../support/manual_clock.ts";

const connection = {} as Connection;

function entry(name: string): Entry {
  const operation = { name } as Operation<unknown>;
  return {
    operation,
    timeout: 1000,
    detach: undefined,
    deadline: undefined,
    timed: false,
    attempts: 0,
    order: 0,
    state: { kind: "queued" },
  };
}

function setup() {
  const clock = new ManualClock();
  return new OperationTable(clock, new DeadlineQueue(clock));
}

const names = (entries: Entry[]) => entries.map((e) => e.operation.name);

Deno.test({
  name:
    "entries sent and put back in line (a lost connection) go out again in call order, before later calls",
  permissions: "none",
  fn() {
    const table = setup();
    const all = Array.from({ length: 10 }, (_, i) => entry(`op${i}`));
    for (const e of all.slice(0, 7)) table.add(e);
    const first = table.takeQueued(4);
    assert.deepEqual(names(first), ["op0", "op1", "op2", "op3"]);
    for (const e of first) table.move(e, { kind: "sent", connection });
    for (const e of all.slice(7)) table.add(e);
    // The connection is lost: its operations come back in any order.
    for (const e of [all[2], all[0], all[3], all[1]]) table.move(e, { kind: "queued" });
    assert.equal(table.queued, 10);
    const again = table.takeQueued(3);
    assert.deepEqual(names(again), ["op0", "op1", "op2"]);
    for (const e of again) table.move(e, { kind: "sent", connection });
    assert.deepEqual(names(table.takeQueued(100)), [
      "op3",
      "op4",
      "op5",
      "op6",
      "op7",
      "op8",
      "op9",
    ]);
  },
});

Deno.test({
  name: "a put-back entry that ends while queued (abort, timeout) is not sent",
  permissions: "none",
  fn() {
    const table = setup();
    const all = Array.from({ length: 4 }, (_, i) => entry(`op${i}`));
    for (const e of all) table.add(e);
    for (const e of table.takeQueued(2)) table.move(e, { kind: "sent", connection });
    table.move(all[0], { kind: "queued" });
    table.move(all[1], { kind: "queued" });
    table.move(all[0], { kind: "done" });
    table.move(all[3], { kind: "done" });
    assert.equal(table.queued, 2);
    assert.deepEqual(names(table.queuedEntries()), ["op1", "op2"]);
    assert.deepEqual(names(table.takeQueued(10)), ["op1", "op2"]);
    assert.equal(table.takeQueued(10).length, 0);
  },
});
