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
import { Position } from "../../lib/client/position.ts";
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

/**
 * Every buffer the events reference is no larger than the packages of the events that share it
 * (data, metadata and a generous overhead each): nothing else is kept alive.
 */
function assertPinsOnlyTheirPackages(events: ResolvedEvent[], where: string): void {
  const sharing = new Map<ArrayBufferLike, ResolvedEvent[]>();
  for (const e of events) {
    for (const bytes of [e.data, e.metadata]) {
      if (bytes.length === 0) continue;
      const group = sharing.get(bytes.buffer) ?? [];
      if (!group.includes(e)) group.push(e);
      sharing.set(bytes.buffer, group);
    }
  }
  for (const [buffer, group] of sharing) {
    const bound = group.reduce(
      (n, e) => n + e.data.length + e.metadata.length + e.type.length + e.stream.length,
      0,
    ) + group.length * PACKAGE_OVERHEAD;
    assert.ok(
      buffer.byteLength <= bound,
      `${where}: ${group.length} events keep a ${buffer.byteLength}-byte buffer alive (bound ${bound})`,
    );
  }
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

for (const [name, open] of targets) {
  Deno.test(`iter(), iterAll() and a catch-up subscription to $all keep only their pages alive (${name})`, async () => {
    await using env = await open();
    await env.client.publish("walked", Array.from({ length: 60 }, (_, i) => event(i)));
    const credentials = { username: "admin", password: "changeit" };
    const walked = await Array.fromAsync(env.client.iter("walked", { batchSize: 7 }));
    assert.equal(walked.length, 60);
    assertPinsOnlyTheirPackages(walked, "iter");
    const all = await Array.fromAsync(env.client.iterAll({ batchSize: 9, credentials }));
    const ours = all.filter((e) => e.stream === "walked");
    assert.equal(ours.length, 60);
    assertPinsOnlyTheirPackages(ours, "iterAll");
    await using subscription = await env.client.subscribeToAll({
      startFrom: Position.start,
      credentials,
    });
    const reader = subscription.getReader();
    const caught: ResolvedEvent[] = [];
    while (caught.length < 60) {
      const { value } = await reader.read();
      if (value!.stream === "walked") caught.push(value!);
    }
    for (let i = 0; i < 20; i++) {
      await env.client.publish("walked", [event(i)]);
      for (;;) {
        const { value } = await reader.read();
        if (value!.stream === "walked") {
          caught.push(value!);
          break;
        }
      }
    }
    reader.releaseLock();
    assertPinsOnlyTheirPackages(caught, "catch-up on $all");
  });

  Deno.test(`each event a persistent subscription delivers references only its own package (${name})`, async () => {
    await using env = await open();
    const credentials = { username: "admin", password: "changeit" };
    await env.client.createSubscription("workers", "jobs", { startFrom: 0, credentials });
    await using subscription = await env.client.connectSubscription("workers", "jobs", {
      credentials,
    });
    const reader = subscription.getReader();
    const events: ResolvedEvent[] = [];
    for (let i = 0; i < 50; i++) {
      await env.client.publish("jobs", [event(i)]);
      events.push((await reader.read()).value!);
    }
    reader.releaseLock();
    assertPinsOnlyTheirPackages(events, "persistent");
    assert.equal(buffersOf(events).size, events.length, "no two events share a buffer");
  });
}
