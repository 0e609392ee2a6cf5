/**
 * What the memstore accepts it serves: a 16 MiB event, written and read back through every read
 * path of the client with default page sizes, on its stream and on `$all`, and through catch-up
 * and persistent subscriptions.
 *
 * @module
 */

import assert from "node:assert/strict";
import { connect } from "../../lib/client/client.ts";
import { newEvent } from "../../lib/client/new_event.ts";
import { Position } from "../../lib/client/position.ts";
import type { ResolvedEvent } from "../../lib/client/resolved_event.ts";
import { MAX_EVENT_SIZE } from "../../lib/memstore/handlers/validation.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";

const credentials = { username: "admin", password: "changeit" };
const BIG = MAX_EVENT_SIZE - 1024;

function sizes(events: readonly ResolvedEvent[], stream: string): number[] {
  return events.filter((e) => e.stream === stream).map((e) => e.data.length);
}

Deno.test("a 16 MiB event is read back by getEvent, get, iter, iterAll, catch-up and persistent subscriptions", async () => {
  await using store = await startMemoryStore({ port: 0 });
  await using client = await connect(store.url, { credentials });
  await client.publish("big", [newEvent("Small", { data: new Uint8Array(10) })]);
  await client.publish("big", [newEvent("Big", { data: new Uint8Array(BIG).fill(7) })]);
  await client.publish("big", [newEvent("Small", { data: new Uint8Array(10) })]);
  const expected = [10, BIG, 10];

  const one = await client.getEvent("big", 1n);
  assert.equal(one.data.length, BIG);
  assert.equal(one.data[BIG - 1], 7);
  assert.deepEqual(sizes([...await client.get("big")], "big"), expected);
  assert.deepEqual(sizes(await Array.fromAsync(client.iter("big")), "big"), expected);
  assert.deepEqual(sizes(await Array.fromAsync(client.iterAll()), "big"), expected);

  await using catchUp = await client.subscribeToAll({ startFrom: Position.start });
  const reader = catchUp.getReader();
  const caught: ResolvedEvent[] = [];
  while (caught.length < 3) {
    const { value } = await reader.read();
    if (value!.stream === "big") caught.push(value!);
  }
  reader.releaseLock();
  assert.deepEqual(sizes(caught, "big"), expected);

  await client.createSubscription("workers", "big", { startFrom: 0 });
  await using persistent = await client.connectSubscription("workers", "big");
  const workers = persistent.getReader();
  const delivered: ResolvedEvent[] = [];
  while (delivered.length < 3) delivered.push((await workers.read()).value!);
  workers.releaseLock();
  assert.deepEqual(sizes(delivered, "big"), expected);
});
