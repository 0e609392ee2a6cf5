import assert from "node:assert/strict";
import { connect } from "../../lib/client/client.ts";
import { newEvent } from "../../lib/client/new_event.ts";
import {
  OperationTimeoutError,
  StreamDeletedError,
  WrongExpectedVersionError,
} from "../../lib/errors.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { ManualClock } from "../support/manual_clock.ts";
import { connectFake } from "./support/fake_peer.ts";

/** The frames of a stack, without its first line (the error's name and message). */
function frames(error: Error): string {
  const stack = error.stack ?? "";
  return stack.slice(stack.indexOf("\n"));
}

Deno.test("publishEvent() rejected by the server fails with a stack that names the caller's code", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = await connect({ transport: () => Promise.resolve(store.connectPipe()) });
  await client.publishEvent("origin-1", "first");
  async function appendFromUserCodeWithDistinctName(): Promise<unknown> {
    return await client.publishEvent("origin-1", "second", { expectedVersion: -1n });
  }
  const error = await appendFromUserCodeWithDistinctName().then(
    () => assert.fail("written"),
    (e: Error) => e,
  );
  assert.ok(error instanceof WrongExpectedVersionError, String(error));
  assert.match(error.stack ?? "", /^WrongExpectedVersionError: /, "the stack starts as before");
  assert.match(frames(error), /appendFromUserCodeWithDistinctName/);
  assert.doesNotMatch(frames(error), /decoder_stream|dispatcher\.ts/, "not the read loop's");
});

Deno.test("a failed append among many in flight at once names the code that awaited it", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = await connect({ transport: () => Promise.resolve(store.connectPipe()) });
  await client.deleteStream("origin-gone", { hardDelete: true });
  async function laneOfUserCode(i: number): Promise<unknown> {
    return await client.publish(i === 7 ? "origin-gone" : `origin-lane-${i}`, [newEvent("e")]);
  }
  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => laneOfUserCode(i)));
  const failed = results.flatMap((r) => r.status === "rejected" ? [r.reason as Error] : []);
  assert.equal(failed.length, 1);
  assert.ok(failed[0] instanceof StreamDeletedError, String(failed[0]));
  assert.match(frames(failed[0]), /laneOfUserCode/);
});

Deno.test("an append that times out fails with a stack that names the caller's code", async () => {
  const clock = new ManualClock();
  const { client, peer } = await connectFake({ clock, heartbeatInterval: 1e9 });
  await using _ = client;
  async function timedAppendInUserCode(): Promise<unknown> {
    return await client.publishEvent("s", "t", { timeout: 500 });
  }
  const write = timedAppendInUserCode().then(() => assert.fail("written"), (e: Error) => e);
  await peer.receive();
  clock.advance(500);
  const error = await write;
  assert.ok(error instanceof OperationTimeoutError, String(error));
  assert.match(frames(error), /timedAppendInUserCode/);
  peer.close();
});

Deno.test("a failed transaction commit fails with a stack that names the caller's code", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = await connect({ transport: () => Promise.resolve(store.connectPipe()) });
  const tx = await client.startTransaction("origin-tx", { expectedVersion: -1n });
  await client.publishEvent("origin-tx", "someone-else");
  async function commitInUserCode(): Promise<unknown> {
    return await tx.commit();
  }
  const error = await commitInUserCode().then(() => assert.fail("committed"), (e: Error) => e);
  assert.ok(error instanceof WrongExpectedVersionError, String(error));
  assert.match(frames(error), /commitInUserCode/);
});
