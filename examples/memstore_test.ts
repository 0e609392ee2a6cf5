/**
 * Testing your own code with the memstore: each test starts an in-memory EventStore (no docker,
 * no network beyond loopback), points the code under test at it, and checks what was written.
 * `await using` stops the store and closes the client even when an assertion fails, so Deno's
 * leak checks stay quiet.
 *
 * ```sh
 * deno test -A examples/memstore_test.ts
 * ```
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type Client,
  connect,
  ExpectedVersion,
  WrongExpectedVersionError,
} from "@photonpump/client";
import { startMemoryStore } from "@photonpump/client/memstore";

/** The code under test: registers a player once; a second registration of the name fails. */
export async function registerPlayer(conn: Client, name: string): Promise<void> {
  await conn.publishEvent(`player-${name}`, "player_registered", {
    body: { name },
    expectedVersion: ExpectedVersion.NoStream,
  });
}

Deno.test("registerPlayer() writes one player_registered event to the player's stream", async () => {
  await using store = await startMemoryStore({ port: 0 });
  await using conn = await connect(store.url);

  await registerPlayer(conn, "gil");

  const events = await conn.get("player-gil");
  assert.deepEqual(events.map((e) => [e.type, e.json()]), [
    ["player_registered", { name: "gil" }],
  ]);
});

Deno.test("registerPlayer() rejects a name that is already registered", async () => {
  await using store = await startMemoryStore({ port: 0 });
  await using conn = await connect(store.url);
  await registerPlayer(conn, "gil");

  await assert.rejects(registerPlayer(conn, "gil"), WrongExpectedVersionError);
});
