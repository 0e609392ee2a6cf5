/**
 * Client throughput against the embedded memstore over a loopback socket: `deno task bench`.
 * These are the first measurements; side-by-side runs with node-eventstore-client and the
 * memstore's own ceilings come next.
 *
 * @module
 */

import { connect, newEvent } from "../../mod.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";

const store = await startMemoryStore({ port: 0 });
const client = await connect(store.url);
const body = { name: "Gil", class: "fighter", level: 3, inventory: ["sword", "shield", "potion"] };

// A stream of 1,000 events for the read benchmarks.
await client.publish(
  "bench-read",
  Array.from({ length: 1000 }, (_, i) => newEvent("player_moved", { body: { ...body, step: i } })),
);
let stream = 0;

Deno.bench("ping() round trip", { group: "latency" }, async () => {
  await client.ping();
});

Deno.bench("publishEvent(): one JSON event", { group: "latency" }, async () => {
  await client.publishEvent(`bench-write-${stream++ % 100}`, "player_created", { body });
});

Deno.bench("publish(): 100 JSON events in one write", { group: "batch" }, async () => {
  await client.publish(
    `bench-batch-${stream++ % 100}`,
    Array.from({ length: 100 }, () => newEvent("player_created", { body })),
  );
});

Deno.bench("publishEvent(): 100 concurrent single-event writes", { group: "batch" }, async () => {
  await Promise.all(
    Array.from(
      { length: 100 },
      (_, i) => client.publishEvent(`bench-concurrent-${i}`, "player_created", { body }),
    ),
  );
});

Deno.bench("get(): a 500-event page, decoded", { group: "read" }, async () => {
  const slice = await client.get("bench-read", { maxCount: 500 });
  if (slice.length !== 500) throw new Error(`read ${slice.length} events`);
});

Deno.bench("iter(): 1,000 events in pages of 500, JSON parsed", { group: "read" }, async () => {
  let n = 0;
  for await (const event of client.iter("bench-read", { batchSize: 500 })) {
    event.json();
    n++;
  }
  if (n !== 1000) throw new Error(`iterated ${n} events`);
});

globalThis.addEventListener("unload", () => {
  client.close();
  store.close();
});
