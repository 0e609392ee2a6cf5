/**
 * `iter()` with an async-generator pipeline: writes measurements in feet, then streams the
 * stream lazily (one page of `batchSize` events in memory at a time) through two generator
 * stages: feet to metres, then a running total.
 *
 * ```sh
 * deno run -A examples/iter_pipeline.ts
 * ```
 *
 * @module
 */

import { connect, newEvent, type ResolvedEvent } from "@photonpump/client";
import { startMemoryStore } from "@photonpump/client/memstore";

interface Measurement {
  readonly label: string;
  readonly feet: number;
}

/** Stage 1: each event's measurement, converted to metres. */
async function* toMetres(
  events: AsyncIterable<ResolvedEvent>,
): AsyncGenerator<{ label: string; metres: number }> {
  for await (const event of events) {
    const { label, feet } = event.json<Measurement>();
    yield { label, metres: feet * 0.3048 };
  }
}

/** Stage 2: a running total of the metres seen so far. */
async function* runningTotal(
  lengths: AsyncIterable<{ label: string; metres: number }>,
): AsyncGenerator<{ label: string; metres: number; total: number }> {
  let total = 0;
  for await (const length of lengths) {
    total += length.metres;
    yield { ...length, total };
  }
}

// An in-memory EventStore for the example; against a real one, connect to its URL instead.
await using store = await startMemoryStore({ port: 0 });
await using conn = await connect(store.url);

const measurements: Measurement[] = [
  { label: "table", feet: 6 },
  { label: "door", feet: 7 },
  { label: "room", feet: 12.5 },
  { label: "hall", feet: 30 },
];
await conn.publish("measurements", measurements.map((body) => newEvent("measured", { body })));

// batchSize 2: the four events arrive in two reads, fetched only as the pipeline pulls.
for await (const row of runningTotal(toMetres(conn.iter("measurements", { batchSize: 2 })))) {
  console.log(`${row.label}: ${row.metres.toFixed(2)} m (total ${row.total.toFixed(2)} m)`);
}
