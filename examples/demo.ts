/**
 * `deno task demo`: starts the in-memory EventStore on a free loopback port (or uses
 * EVENTSTORE_URL when it is set), runs the classic writer and reader against it, and says in
 * plain words what happened.
 *
 * @module
 */

import { startMemoryStore } from "@photonpump/client/memstore";
import { write } from "./writer.ts";
import { read } from "./reader.ts";

const external = Deno.env.get("EVENTSTORE_URL");
await using store = external
  ? undefined
  : await startMemoryStore({ hostname: "127.0.0.1", port: 0 });
const target = external ?? store!.url;
console.log(
  external
    ? `Using the EventStore at EVENTSTORE_URL.`
    : `Started the in-memory EventStore on ${store!.hostname}:${store!.port}.`,
);

console.log("Running the writer (examples/writer.ts):");
const written = await write(target);

console.log("Running the reader (examples/reader.ts):");
const events = await read(target);

const mine = events.find((event) => event.eventNumber === written.lastEventNumber);
if (!mine || mine.type !== "player_created" || mine.json<{ name: string }>().name !== "Gil") {
  console.error("The reader did not find the event the writer wrote.");
  Deno.exit(1);
}
console.log(
  `Done: the writer wrote a player_created event for Gil, and the reader read it back as event number ${mine.eventNumber} of "adventure".`,
);
