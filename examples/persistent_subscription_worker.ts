/**
 * A persistent-subscription worker with explicit ack and nack: the server hands each event of
 * the group to one of its consumers and redelivers what is not acknowledged. This worker acks
 * what it handled, naks a transient failure with `"retry"` (redelivered with `retryCount` 1) and
 * parks a poison message with `"park"` (moved to the group's parked stream for a human to look
 * at). Creating a group needs an admin or operator.
 *
 * ```sh
 * deno run -A examples/persistent_subscription_worker.ts
 * ```
 *
 * @module
 */

import { connect, newEvent } from "@photonpump/client";
import { startMemoryStore } from "@photonpump/client/memstore";

interface Invoice {
  readonly invoice: number;
  readonly amount: number;
}

// An in-memory EventStore for the example; against a real one, connect to its URL instead.
await using store = await startMemoryStore({ port: 0 });
await using conn = await connect({
  host: store.hostname,
  port: store.port,
  credentials: { username: "admin", password: "changeit" },
});

await conn.publish("invoices", [
  newEvent("invoice_issued", { body: { invoice: 1, amount: 120 } }),
  newEvent("invoice_issued", { body: { invoice: 2, amount: 80 } }),
  newEvent("invoice_issued", { body: { invoice: 3, amount: -5 } }),
]);
// startFrom 0: the group starts with the stream's first event (the default, -1, means new ones).
await conn.createSubscription("billing", "invoices", { startFrom: 0, maxRetryCount: 3 });

await using worker = await conn.connectSubscription("billing", "invoices", { autoAck: false });
let handled = 0;
for await (const event of worker) {
  const { invoice, amount } = event.json<Invoice>();
  if (amount < 0) {
    console.log(`invoice ${invoice}: negative amount, parked`);
    await worker.nack(event, "park", "negative amount");
  } else if (invoice === 2 && event.retryCount === 0) {
    console.log(`invoice ${invoice}: payment service busy, retry later`);
    await worker.nack(event, "retry", "payment service busy");
  } else {
    console.log(`invoice ${invoice}: charged ${amount} (delivery ${event.retryCount + 1})`);
    await worker.ack(event);
    if (++handled === 2) break;
  }
}

// Parked messages are links in "$persistentsubscription-<stream>::<group>-parked".
for (const parked of await conn.get("$persistentsubscription-invoices::billing-parked")) {
  const { invoice } = parked.json<Invoice>();
  console.log(`parked: ${parked.stream} #${parked.eventNumber} (invoice ${invoice})`);
}
