/**
 * The first connection: a total deadline, cancellation, observable states, failures no retry can
 * fix failing at once, and errors that name the endpoint and the attempts.
 */
import assert from "node:assert/strict";
import { connect, openClient } from "../../../lib/client/client.ts";
import type { ConnectionState } from "../../../lib/client/connection_state.ts";
import { resolveSettings } from "../../../lib/client/settings.ts";
import type { Dialer } from "../../../lib/client/transport.ts";
import { CannotConnectError, ConnectionClosedError } from "../../../lib/errors.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import { ManualClock } from "../../support/manual_clock.ts";

/** A port that accepts nothing and refuses nothing: every dial hangs until its signal aborts. */
const blackHole: Dialer = (_endpoint, { signal }) =>
  new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason));
  });

/** Lets pending promise chains run (no timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** Advances `clock` in 100 ms steps until `done` settles or `limit` ms passed; returns the time. */
async function runUntil(
  clock: ManualClock,
  done: Promise<unknown>,
  limit: number,
): Promise<number> {
  let finished = false;
  done.then(() => finished = true, () => finished = true);
  await settle();
  while (!finished && clock.now() < limit) {
    clock.advance(100);
    await settle();
  }
  return clock.now();
}

Deno.test("a black-hole port fails after the 12 s connect deadline, naming the endpoint and the attempts", async () => {
  const clock = new ManualClock();
  let dials = 0;
  const connecting = openClient(resolveSettings("10.0.0.9:1113", {
    transport: (endpoint, options) => (dials++, blackHole(endpoint, options)),
  }, { clock }));
  const failed = connecting.then(() => assert.fail("connected"), (e: Error) => e);
  const elapsed = await runUntil(clock, failed, 100_000);
  const error = await failed;
  assert.ok(error instanceof CannotConnectError, String(error));
  assert.ok(error instanceof ConnectionClosedError);
  assert.equal(elapsed, 12_000, "the deadline, not 11 attempts of 7 s");
  assert.equal(error.host, "10.0.0.9");
  assert.equal(error.port, 1113);
  assert.equal(error.attempts, dials);
  assert.equal(dials, 2, "7 s per attempt: the second one is cut by the deadline");
  assert.match(
    error.message,
    /^Cannot connect to "10\.0\.0\.9:1113" after 2 attempts within the connect deadline of 12000 ms: Connecting timed out$/,
  );
  assert.equal(clock.pending, 0, "no timer left behind");
});

Deno.test("connectDeadline and connectTimeout bound the first connection separately", async () => {
  const clock = new ManualClock();
  const failed = openClient(resolveSettings("10.0.0.9", {
    transport: blackHole,
    connectTimeout: 1000,
    connectDeadline: 3500,
  }, { clock })).then(() => assert.fail("connected"), (e: Error) => e);
  assert.equal(await runUntil(clock, failed, 100_000), 3500);
  const error = await failed;
  assert.ok(error instanceof CannotConnectError);
  assert.equal(error.attempts, 4); // 0-1000, 1100-2100, 2200-3200, 3300-cut
});

Deno.test("a refused port is retried and the error names host:port, attempts and the cause", async () => {
  await using store = await startMemoryStore({ port: 0 });
  const port = store.port;
  await store.close();
  const error = await connect(`tcp://127.0.0.1:${port}`, {
    reconnection: { delay: 0, maxAttempts: 2 },
  }).then(() => assert.fail("connected"), (e: Error) => e);
  assert.ok(error instanceof CannotConnectError);
  assert.equal(error.attempts, 3);
  assert.match(
    error.message,
    new RegExp(`^Cannot connect to "127\\.0\\.0\\.1:${port}" after 3 attempts: `),
  );
  assert.ok(error.cause instanceof Deno.errors.ConnectionRefused);
});

Deno.test("a missing --allow-net fails on the first attempt with PermissionDenied as the cause", async () => {
  let dials = 0;
  const error = await connect("db.example:1113", {
    transport: () => {
      dials++;
      return Promise.reject(
        new Deno.errors.PermissionDenied('Requires net access to "db.example:1113"'),
      );
    },
  }).then(() => assert.fail("connected"), (e: Error) => e);
  assert.equal(dials, 1);
  assert.ok(error instanceof CannotConnectError);
  assert.ok(error.cause instanceof Deno.errors.PermissionDenied);
  assert.match(
    error.message,
    /^Cannot connect to "db\.example:1113" after 1 attempt: Requires net access/,
  );
});

Deno.test("a DNS name that does not resolve is retried, and the error names it", async () => {
  let dials = 0;
  const error = await connect("not-yet.internal", {
    reconnection: { delay: 0, maxAttempts: 3 },
    transport: () => {
      dials++;
      return Promise.reject(
        new Deno.errors.NotFound("failed to lookup address information: Name or service not known"),
      );
    },
  }).then(() => assert.fail("connected"), (e: Error) => e);
  assert.equal(dials, 4, "names appear late in containers: retried");
  assert.ok(error instanceof CannotConnectError);
  assert.match(error.message, /"not-yet\.internal:1113" after 4 attempts: failed to lookup/);
});

Deno.test("an invalid host string is a TypeError before anything is dialled", async () => {
  let dials = 0;
  await assert.rejects(
    connect("tcp//localhost:1113", { transport: () => (dials++, Promise.reject(new Error("no"))) }),
    (e: Error) => e instanceof TypeError && e.message.includes('"tcp//localhost:1113"'),
  );
  assert.equal(dials, 0);
});

Deno.test("connect({ signal }) cancels the first connection with the signal's reason", async () => {
  const controller = new AbortController();
  const connecting = connect("10.0.0.9", { transport: blackHole, signal: controller.signal });
  const reason = new Error("the user gave up");
  controller.abort(reason);
  await assert.rejects(connecting, (e) => e === reason);
  await assert.rejects(
    connect("10.0.0.9", { transport: blackHole, signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
});

Deno.test("onStateChange sees the first connection's attempts and errors before connect() resolves", async () => {
  await using store = await startMemoryStore({ listen: false });
  const seen: ConnectionState[] = [];
  let dials = 0;
  await using client = await connect("memstore", {
    reconnection: { delay: 0 },
    onStateChange: (state) => seen.push(state),
    transport: () => {
      dials++;
      if (dials < 3) return Promise.reject(new Deno.errors.ConnectionRefused("not yet"));
      return Promise.resolve(store.connectPipe());
    },
  });
  assert.deepEqual(seen.map((s) => s.status), [
    "connecting",
    "connecting",
    "connecting",
    "connected",
  ]);
  const retry = seen[2];
  assert.ok(retry.status === "connecting" && retry.attempt === 3);
  assert.ok(retry.status === "connecting" && retry.error instanceof Deno.errors.ConnectionRefused);
  assert.equal(client.state.status, "connected");
});
