/**
 * Large events through every read path against the memstore, which (like the real server) sends
 * a page over the maximum frame anyway: a page of several 15 MiB events is skipped by the client
 * without buffering it, the connection survives, and the paging readers go on with smaller pages.
 *
 * @module
 */

import assert from "node:assert/strict";
import { connect } from "../../lib/client/client.ts";
import { newEvent } from "../../lib/client/new_event.ts";
import { Position } from "../../lib/client/position.ts";
import { FrameTooLargeError } from "../../lib/errors.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";

const SIZE = 15 * 1024 * 1024;
const COUNT = 5; // 75 MiB: any page of all of them is over the 64 MiB maximum
const admin = { username: "admin", password: "changeit" };

function big(i: number) {
  const data = new Uint8Array(SIZE);
  data[0] = i;
  data[SIZE - 1] = i;
  return newEvent("big", { data });
}

function check(event: { data: Uint8Array }, i: number): void {
  assert.equal(event.data.length, SIZE);
  assert.equal(event.data[0], i);
  assert.equal(event.data[SIZE - 1], i);
}

Deno.test("15 MiB events read back through getEvent, iter, iterAll and catch-up on $all; an oversized page fails only get()", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = await connect({ transport: () => Promise.resolve(store.connectPipe()) });
  for (let i = 0; i < COUNT; i++) await client.publish("large", [big(i)]);

  for (let i = 0; i < COUNT; i++) check(await client.getEvent("large", i), i);

  const page = await client.get("large").then(() => undefined, (e: unknown) => e);
  assert.ok(page instanceof FrameTooLargeError, String(page));
  assert.equal(page.operation, "ReadStreamEventsForward");
  assert.ok(page.size > 64 * 1024 * 1024);
  assert.equal(client.state.status, "connected", "the connection survived the oversized page");
  assert.equal((await client.get("large", { maxCount: 2 })).length, 2);

  const walked = await Array.fromAsync(client.iter("large"));
  assert.equal(walked.length, COUNT);
  walked.forEach(check);

  const all = (await Array.fromAsync(client.iterAll({ credentials: admin })))
    .filter((e) => e.stream === "large");
  assert.equal(all.length, COUNT);
  all.forEach(check);

  await using subscription = await client.subscribeToAll({
    startFrom: Position.start,
    credentials: admin,
  });
  const reader = subscription.getReader();
  const caught = [];
  while (caught.length < COUNT) {
    const { value } = await reader.read();
    if (value!.stream === "large") caught.push(value!);
  }
  reader.releaseLock();
  caught.forEach(check);
  assert.equal(client.state.status, "connected");
});
