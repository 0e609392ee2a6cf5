/** A graceful close: drain() and `await using` finish the work in flight; close() does not wait. */
import assert from "node:assert/strict";
import { connect } from "../../lib/client/client.ts";
import { ConnectionClosedError } from "../../lib/errors.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { admin } from "./subscriptions/support/store.ts";

Deno.test("the end of an await using block lets 50 un-awaited writes finish: all 50 are stored", async () => {
  await using store = await startMemoryStore({ listen: false });
  const transport = () => Promise.resolve(store.connectPipe());
  let writes: Promise<unknown>[] = [];
  {
    await using conn = await connect({ transport });
    writes = Array.from(
      { length: 50 },
      (_, i) => conn.publishEvent("drain-1", "n", { body: { i } }),
    );
  }
  const results = await Promise.allSettled(writes);
  assert.deepEqual(results.filter((r) => r.status === "rejected"), []);
  await using reader = await connect({ transport });
  assert.equal((await reader.get("drain-1", { maxCount: 100 })).length, 50);
});

Deno.test("drain() refuses new calls with ConnectionClosedError while the ones in flight finish", async () => {
  await using store = await startMemoryStore({ listen: false });
  const conn = await connect({ transport: () => Promise.resolve(store.connectPipe()) });
  const inFlight = conn.publishEvent("drain-2", "n");
  const draining = conn.drain();
  await assert.rejects(conn.publishEvent("drain-2", "late"), ConnectionClosedError);
  assert.equal((await inFlight).lastEventNumber, 0n);
  await draining;
  assert.equal(conn.state.status, "closed");
  await assert.rejects(conn.ping(), ConnectionClosedError);
  await conn.drain(); // idempotent
});

Deno.test("plain close() stays immediate: calls in flight fail with ConnectionClosedError", async () => {
  await using store = await startMemoryStore({ listen: false });
  const conn = await connect({ transport: () => Promise.resolve(store.connectPipe()) });
  const writes = Array.from({ length: 10 }, () => conn.publishEvent("drain-3", "n"));
  await conn.close();
  const results = await Promise.allSettled(writes);
  assert.ok(
    results.every((r) => r.status === "rejected" && r.reason instanceof ConnectionClosedError),
  );
});

Deno.test("a volatile and a persistent subscription being drained end cleanly with unsubscribed", async () => {
  await using store = await startMemoryStore({ listen: false });
  const conn = await connect({
    credentials: admin,
    transport: () => Promise.resolve(store.connectPipe()),
  });
  await conn.createSubscription("workers", "jobs");
  const volatile = await conn.subscribeTo("jobs");
  const persistent = await conn.connectSubscription("workers", "jobs");
  await conn.drain();
  assert.deepEqual((await volatile.dropped).reason, "unsubscribed");
  assert.deepEqual((await persistent.dropped).reason, "unsubscribed");
  assert.equal(conn.state.status, "closed");
});
