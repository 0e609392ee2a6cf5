/** Every subscription kind takes a signal; an abort rejects with the signal's reason. */
import assert from "node:assert/strict";
import { ConnectionClosedError } from "../../../lib/errors.ts";
import { admin, openStore } from "./support/store.ts";

const reason = new Error("the caller gave up");

Deno.test("a pre-aborted signal rejects every subscription kind with its reason, before anything is sent", async () => {
  await using env = await openStore({ credentials: admin });
  await env.client.createSubscription("workers", "jobs");
  const signal = AbortSignal.abort(reason);
  const starts = [
    () => env.client.subscribeTo("jobs", { signal }),
    () => env.client.subscribeTo("jobs", { signal, startFrom: 0 }),
    () => env.client.subscribeToAll({ signal }),
    () =>
      env.client.subscribeToAll({
        signal,
        startFrom: undefined,
        filter: { on: "streamId", prefixes: ["j"] },
      }),
    () => env.client.connectSubscription("workers", "jobs", { signal }),
  ];
  for (const start of starts) await assert.rejects(start(), (e) => e === reason);
});

Deno.test("an abort before the confirmation rejects volatile and persistent subscriptions with its reason", async () => {
  await using env = await openStore({ credentials: admin });
  await env.client.createSubscription("workers", "jobs");
  for (
    const start of [
      (signal: AbortSignal) => env.client.subscribeTo("jobs", { signal }),
      (signal: AbortSignal) => env.client.connectSubscription("workers", "jobs", { signal }),
    ]
  ) {
    const controller = new AbortController();
    const subscribing = start(controller.signal);
    controller.abort(reason);
    await assert.rejects(subscribing, (e) => e === reason);
  }
});

Deno.test("aborting a catch-up subscription's signal ends it", async () => {
  await using env = await openStore();
  const controller = new AbortController();
  const subscription = await env.client.subscribeTo("jobs", {
    startFrom: 0,
    signal: controller.signal,
  });
  controller.abort(reason);
  assert.equal((await subscription.dropped).reason, "unsubscribed");
});

Deno.test("after close() every subscription method rejects with ConnectionClosedError", async () => {
  await using env = await openStore({ credentials: admin });
  await env.client.close();
  for (
    const start of [
      () => env.client.subscribeTo("jobs"),
      () => env.client.subscribeTo("jobs", { startFrom: 0 }),
      () => env.client.subscribeToAll(),
      () => env.client.connectSubscription("workers", "jobs"),
    ]
  ) await assert.rejects(start(), ConnectionClosedError);
});
