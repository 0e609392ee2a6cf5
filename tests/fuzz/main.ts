/**
 * `deno task fuzz`: fuzzes the package codec, the protobuf codec and the frame decoder.
 *
 * Environment: `FUZZ_CASES` (default 1 000 000), `FUZZ_SEED` (default random; printed),
 * `FUZZ_CASE` (replay one case of `FUZZ_SEED`).
 *
 * @module
 */

import { randomSeed } from "./prng.ts";
import { runCase, runFuzz } from "./run.ts";

function envInt(name: string): number | undefined {
  const text = Deno.env.get(name);
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Invalid ${name} "${text}": expected a non-negative integer`);
  }
  return value;
}

const seed = envInt("FUZZ_SEED") ?? randomSeed();
const only = envInt("FUZZ_CASE");
if (only !== undefined) {
  console.log(`fuzz: replaying case ${only} of seed ${seed}`);
  console.log(`fuzz: case ${only} (${await runCase(seed, only)}) passed`);
} else {
  const cases = envInt("FUZZ_CASES") ?? 1_000_000;
  console.log(`fuzz: seed ${seed}, ${cases} cases (replay: FUZZ_SEED=${seed} deno task fuzz)`);
  const report = await runFuzz({
    seed,
    cases,
    onProgress: (done) => console.log(`fuzz: ${done} cases`),
  });
  const rate = Math.round(report.cases / (report.elapsedMs / 1000));
  console.log(
    `fuzz: ${report.cases} cases passed in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
      `(${rate} cases/s): ${JSON.stringify(report.counts)}`,
  );
}
