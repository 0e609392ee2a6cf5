/**
 * What a delivered event keeps alive: the package it arrived in, never the socket read chunk or
 * other packages. Checked on the buffers that the data and metadata of delivered events
 * reference, over a loopback socket (whose reads land in 64 KiB buffers) and an in-memory pipe.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Client, connect } from "../../lib/client/client.ts";
import { newEvent } from "../../lib/client/new_event.ts";
import type { ResolvedEvent } from "../../lib/client/resolved_event.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";

/** A generous size of one event's package beyond its data and metadata (ids, names, numbers). */
const PACKAGE_OVERHEAD = 256;
const DATA = 100;
const METADATA = 20;

function event(i: number) {
  return newEvent("retained", {
    data: new Uint8Array(DATA).fill(i & 0xff),
    metadata: new Uint8Array(METADATA).fill(1),
  });
}

function buffersOf(events: ResolvedEvent[]): Set<ArrayBufferLike> {
  const buffers = new Set<ArrayBufferLike>();
  for (const e of events) {
    buffers.add(e.data.buffer);
    if (e.metadata.length > 0) buffers.add(e.metadata.buffer);
  }
  return buffers;
}

function totalBytes(buffers: Set<ArrayBufferLike>): number {
  let total = 0;
  for (const buffer of buffers) total += buffer.byteLength;
  return total;
}

const targets: [string, () => Promise<{ client: Client } & AsyncDisposable>][] = [
  ["loopback", async () => {
    const store = await startMemoryStore({ port: 0 });
    const client = await connect(store.url);
    return {
      client,
      async [Symbol.asyncDispose]() {
        await client.close();
        await store.close();
      },
    };
  }],
  ["pipe", async () => {
    const store = await startMemoryStore({ listen: false });
    const client = await connect({ transport: () => Promise.resolve(store.connectPipe()) });
    return {
      client,
      async [Symbol.asyncDispose]() {
        await client.close();
        await store.close();
      },
    };
  }],
];

for (const [name, open] of targets) {
  Deno.test(`each event a subscription delivers references only its own package (${name})`, async () => {
    await using env = await open();
    await using subscription = await env.client.subscribeTo("kept");
    const reader = subscription.getReader();
    const events: ResolvedEvent[] = [];
    for (let i = 0; i < 200; i++) {
      await env.client.publish("kept", [event(i)]);
      events.push((await reader.read()).value!);
    }
    reader.releaseLock();
    for (const e of events) {
      assert.equal(e.data.length, DATA);
      assert.ok(
        e.data.buffer.byteLength <= DATA + METADATA + PACKAGE_OVERHEAD,
        `event ${e.eventNumber} keeps a ${e.data.buffer.byteLength}-byte buffer alive`,
      );
      assert.equal(e.metadata.buffer, e.data.buffer, "metadata shares the event's package");
    }
    assert.equal(buffersOf(events).size, events.length, "no two events share a buffer");
  });

  Deno.test(`events of a read page reference only that page's package (${name})`, async () => {
    await using env = await open();
    await env.client.publish("paged", Array.from({ length: 100 }, (_, i) => event(i)));
    for (let from = 0n; from < 100n; from += 10n) {
      const page = await env.client.get("paged", { fromEvent: from, maxCount: 10 });
      assert.equal(page.length, 10);
      const buffers = buffersOf([...page]);
      assert.equal(buffers.size, 1, "one page, one buffer");
      assert.ok(
        totalBytes(buffers) <= 10 * (DATA + METADATA + PACKAGE_OVERHEAD),
        `a 10-event page keeps ${totalBytes(buffers)} bytes alive`,
      );
    }
    const single = await env.client.getEvent("paged", 42n);
    assert.ok(single.data.buffer.byteLength <= DATA + METADATA + PACKAGE_OVERHEAD);
  });
}
