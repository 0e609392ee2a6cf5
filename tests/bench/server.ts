/**
 * The bench's server process: two memstores in one Deno process, one on a plain loopback port
 * and one speaking TLS (W8), so every client of a run talks to the same process. Started by
 * `main.ts`; prints one JSON line `{"port":…,"tlsPort":…}` once both listen, then answers
 * commands on stdin, one per line:
 *
 * - `mem`: runs the garbage collector (the process is started with `--expose-gc`) and prints
 *   `Deno.memoryUsage()` as one JSON line;
 * - `quit`: closes both stores and exits.
 *
 * Environment: `BENCH_TLS_CERT`, `BENCH_TLS_KEY` (PEM text).
 *
 * @module
 */

import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { lines } from "./process.ts";

const cert = Deno.env.get("BENCH_TLS_CERT");
const key = Deno.env.get("BENCH_TLS_KEY");
if (cert === undefined || key === undefined) {
  throw new TypeError("BENCH_TLS_CERT and BENCH_TLS_KEY must hold the PEM certificate and key");
}

const plain = await startMemoryStore({ port: 0 });
const tls = await startMemoryStore({ port: 0, tls: { cert, key } });
console.log(JSON.stringify({ port: plain.port, tlsPort: tls.port }));

const gc = (globalThis as { gc?: () => void }).gc;

for await (const line of lines(Deno.stdin.readable)) {
  const command = line.trim();
  if (command === "mem") {
    // Twice: the first pass may only queue finalizers.
    gc?.();
    gc?.();
    console.log(JSON.stringify({ ...Deno.memoryUsage(), gc: gc !== undefined }));
  } else if (command === "quit") {
    break;
  } else if (command !== "") {
    console.log(JSON.stringify({ error: `Unknown command "${command}"` }));
  }
}
await Promise.all([plain.close(), tls.close()]);
