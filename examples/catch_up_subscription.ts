/**
 * A catch-up subscription: `subscribeTo(stream, { startFrom })` first delivers the stream's
 * history from that event number, then switches to live events without a gap or a duplicate.
 * `onLive` is called when the history has been read.
 *
 * ```sh
 * deno run -A examples/catch_up_subscription.ts
 * ```
 *
 * @module
 */

import { connect, newEvent } from "@photonpump/client";
import { startMemoryStore } from "@photonpump/client/memstore";

// An in-memory EventStore for the example; against a real one, connect to its URL instead.
await using store = await startMemoryStore({ port: 0 });
await using conn = await connect(store.url);

await conn.publish("orders", [
  newEvent("order_placed", { body: { order: 1 } }),
  newEvent("order_placed", { body: { order: 2 } }),
  newEvent("order_shipped", { body: { order: 1 } }),
]);

let wentLive = false;
await using subscription = await conn.subscribeTo("orders", {
  startFrom: 0,
  onLive: () => wentLive = true,
});

for await (const event of subscription) {
  console.log(`#${event.eventNumber} ${event.type} ${JSON.stringify(event.json())}`);
  if (event.eventNumber === 2n) {
    // The history is delivered; this event is written while subscribed and arrives live, once.
    await conn.publishEvent("orders", "order_shipped", { body: { order: 2 } });
  }
  if (event.eventNumber === 3n) break;
}
console.log(`Went live after the history: ${wentLive}`);
