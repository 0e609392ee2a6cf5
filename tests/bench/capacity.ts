/**
 * The memstore's capacity: appends 100-byte events to a store with a memory budget until it
 * refuses a write, then prints `{ maxMemoryBytes, eventsHeld, eventsPerGiB, refusal, readsAfterFull }`
 * as one JSON line. Run by `main.ts` in its own process: `deno run -A capacity.ts <budget MiB>`.
 *
 * @module
 */

import { MemoryStorage } from "../../lib/memstore/storage.ts";
import { EXPECTED_ANY } from "../../lib/memstore/expected_version.ts";

const budgetMiB = Number(Deno.args[0] ?? 256);
if (!(budgetMiB > 0)) throw new TypeError(`Invalid budget "${Deno.args[0]}": expected MiB > 0`);
const storage = new MemoryStorage({ maxMemory: budgetMiB * 2 ** 20 });
const data = new TextEncoder().encode(JSON.stringify({ name: "x".repeat(88) })); // 100 bytes
let held = 0;
let refusal = "";
for (;;) {
  const outcome = storage.append(`capacity-${held % 1000}`, EXPECTED_ANY, [
    { eventId: crypto.randomUUID(), eventType: "Filled", isJson: true, data },
  ]);
  if (outcome.status !== "success") {
    refusal = `${outcome.status}${"message" in outcome ? `: ${outcome.message}` : ""}`;
    break;
  }
  held++;
}
const read = storage.readStreamForward("capacity-7", 0n, 10);
console.log(JSON.stringify({
  maxMemoryBytes: budgetMiB * 2 ** 20,
  eventsHeld: held,
  eventsPerGiB: Math.round(held * 1024 / budgetMiB),
  refusal,
  readsAfterFull: read.status,
}));
