/**
 * A volatile subscription: live events only. Events written before `subscribeTo()` are not
 * delivered; events written after it are, in order. Leaving the `for await` loop unsubscribes.
 *
 * ```sh
 * deno run -A examples/volatile_subscription.ts
 * ```
 *
 * @module
 */

import { connect } from "@photonpump/client";
import { startMemoryStore } from "@photonpump/client/memstore";

// An in-memory EventStore for the example; against a real one, connect to its URL instead.
await using store = await startMemoryStore({ port: 0 });
await using conn = await connect(store.url);

await conn.publishEvent("chat", "message", { body: { text: "before anyone listened" } });

// Resolves once the server confirmed the subscription: from here on nothing is missed.
const subscription = await conn.subscribeTo("chat");
for (const text of ["hello", "anyone there?", "bye"]) {
  await conn.publishEvent("chat", "message", { body: { text } });
}

for await (const event of subscription) {
  const { text } = event.json<{ text: string }>();
  console.log(`live #${event.eventNumber}: ${text}`);
  if (text === "bye") break; // unsubscribes
}
console.log(`Subscription ended: ${(await subscription.dropped).reason}`);
