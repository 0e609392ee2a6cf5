/**
 * Batch writes and paging: writes five ponies to a stream in one atomic `publish()`, then reads
 * them back two at a time with `get()`, following `nextEventNumber` until `isEndOfStream`.
 *
 * ```sh
 * deno run -A examples/batch_writes_and_paging.ts
 * ```
 *
 * @module
 */

import { connect, ExpectedVersion, newEvent } from "@photonpump/client";
import { startMemoryStore } from "@photonpump/client/memstore";

// An in-memory EventStore for the example; against a real one, connect to its URL instead.
await using store = await startMemoryStore({ port: 0 });
await using conn = await connect(store.url);

const ponies = ["Applejack", "Fluttershy", "Pinkie Pie", "Rainbow Dash", "Rarity"];
const written = await conn.publish(
  "ponies",
  ponies.map((name) => newEvent("pony_named", { body: { name } })),
  { expectedVersion: ExpectedVersion.NoStream },
);
console.log(
  `Wrote ${ponies.length} events in one batch: numbers ${written.firstEventNumber} to ${written.lastEventNumber}`,
);

let from = 0n;
for (let page = 1;; page++) {
  const slice = await conn.get("ponies", { fromEvent: from, maxCount: 2 });
  const names = slice.map((event) => event.json<{ name: string }>().name);
  console.log(`Page ${page}: ${names.join(", ")}`);
  if (slice.isEndOfStream) break;
  from = slice.nextEventNumber;
}

const [last] = await conn.get("ponies", { direction: "backward", maxCount: 1 });
console.log(`Newest pony, read backward: ${last.json<{ name: string }>().name}`);
