/**
 * The classic photon-pump reader: reads the `adventure` stream and prints each event's type and
 * JSON body.
 *
 * Run alone against EVENTSTORE_URL (or localhost:1113):
 *
 * ```sh
 * deno run -A examples/reader.ts
 * ```
 *
 * @module
 */

import { connect, type ResolvedEvent } from "@photonpump/client";

/** Reads every event of `adventure`, printing each one's type and JSON body. */
export async function read(target: string): Promise<ResolvedEvent[]> {
  await using conn = await connect(target);
  const events: ResolvedEvent[] = [];
  for await (const record of conn.iter("adventure")) {
    console.log(record.type, JSON.stringify(record.isJson ? record.json() : record.text()));
    events.push(record);
  }
  console.log(`Read ${events.length} event(s) from the stream "adventure".`);
  return events;
}

if (import.meta.main) {
  await read(Deno.env.get("EVENTSTORE_URL") ?? "localhost:1113");
}
