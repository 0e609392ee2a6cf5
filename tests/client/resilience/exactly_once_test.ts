import assert from "node:assert/strict";
import { newEvent } from "../../../lib/client/new_event.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import { clientOver, openExecutor, seededRandom, testSeed } from "./support.ts";

const TOTAL = 10_000;
const WINDOW = 100;

Deno.test("10,000 appends with the connection killed at random moments lose none and duplicate none", async () => {
  const random = seededRandom(testSeed("exactly-once"));
  await using store = await startMemoryStore({ port: 0 });
  const executor = await openExecutor({
    endpoint: { hostname: store.hostname, port: store.port },
    reconnection: { delay: 0, maxAttempts: "forever" },
    maxRetries: "forever",
    operationTimeout: 60_000,
  });
  await using client = clientOver(executor);
  let reconnections = 0;
  let reconnecting = false;
  executor.watch((state) => {
    if (state.status === "reconnecting") reconnecting = true;
    else if (state.status === "connected" && reconnecting) {
      reconnecting = false;
      reconnections++;
    }
  });

  const events = Array.from({ length: TOTAL }, (_, i) => newEvent("numbered", { body: { i } }));
  const streams = ["once-a", "once-b", "once-c"];
  let next = 0;
  let completed = 0;
  let kills = 0;
  let killAt = 50 + Math.floor(random() * 400);
  const worker = async (): Promise<void> => {
    while (next < TOTAL) {
      const i = next++;
      const stream = streams[Math.floor(random() * streams.length)];
      await client.publish(stream, [events[i]]);
      completed++;
      if (completed >= killAt && store.connectionCount > 0) {
        // Kill while the other workers' appends are in flight.
        store.dropConnections();
        kills++;
        killAt = completed + 50 + Math.floor(random() * 400);
      }
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
  assert.equal(completed, TOTAL);
  assert.ok(kills >= 10, `only ${kills} kills`);
  // A kill can land while the client is still handshaking, so kills and reconnections differ.
  assert.ok(reconnections >= kills / 2, `${reconnections} reconnections for ${kills} kills`);

  const stored: string[] = [];
  for (const stream of streams) {
    for await (const event of client.iter(stream, { batchSize: 4096 })) {
      stored.push(event.event!.id);
    }
  }
  assert.equal(stored.length, TOTAL, "events stored");
  assert.equal(new Set(stored).size, TOTAL, "distinct event ids stored");
  const sent = new Set(events.map((e) => e.id));
  for (const id of stored) assert.ok(sent.has(id), `unexpected event id ${id}`);
  console.log(`exactly-once: ${kills} kills, ${reconnections} reconnections`);
});
