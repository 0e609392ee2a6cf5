/**
 * The fuzz driver: case `i` of seed `s` is generated from its own PRNG seeded with `(s, i)`, so
 * any failing case can be replayed alone (`FUZZ_SEED=s FUZZ_CASE=i deno task fuzz`).
 *
 * @module
 */

import { DEFAULT_MAX_PACKAGE_SIZE, encodePackage } from "../../lib/wire/package_codec.ts";
import {
  concat,
  MESSAGE_SCHEMAS,
  mutate,
  splitChunks,
  validMessage,
  validPackage,
  validPackages,
} from "./generators.ts";
import { Prng } from "./prng.ts";
import {
  checkDecodeMessage,
  checkDecodePackage,
  checkFrameDecoder,
  checkSkippingFrameDecoder,
} from "./targets.ts";

/** The kinds of case, in the order {@linkcode runCase} draws them. */
export const CASE_KINDS = [
  "package-random",
  "package-mutated",
  "message-random",
  "message-mutated",
  "frames-valid",
  "frames-mutated",
] as const;

/** One kind of case. */
export type CaseKind = (typeof CASE_KINDS)[number];

const WEIGHTS: Record<CaseKind, number> = {
  "package-random": 10,
  "package-mutated": 20,
  "message-random": 10,
  "message-mutated": 25,
  "frames-valid": 5,
  "frames-mutated": 30,
};
const TOTAL_WEIGHT = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);

/** The PRNG seed of case `index` under `seed`. */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul(index ^ 0x5bd1e995, 0x9e3779b1) ^ seed) >>> 0;
}

function maxPackageSize(prng: Prng): number {
  return prng.chance(0.05) ? DEFAULT_MAX_PACKAGE_SIZE : prng.pick([18, 19, 64, 300, 4096, 65536]);
}

/**
 * Runs case `index` of `seed`; returns its kind. Throws a `FuzzFailure` (or whatever escaped) when
 * it finds a bug.
 */
export async function runCase(seed: number, index: number): Promise<CaseKind> {
  const prng = new Prng(caseSeed(seed, index));
  let draw = prng.int(0, TOTAL_WEIGHT - 1);
  let kind: CaseKind = CASE_KINDS[0];
  for (const k of CASE_KINDS) {
    if (draw < WEIGHTS[k]) {
      kind = k;
      break;
    }
    draw -= WEIGHTS[k];
  }
  switch (kind) {
    case "package-random": {
      checkDecodePackage(prng.bytes(prng.int(0, prng.pick([17, 24, 64, 600]))));
      break;
    }
    case "package-mutated": {
      const pkg = validPackage(prng);
      const bytes = encodePackage(pkg).subarray(4);
      if (prng.chance(0.95)) checkDecodePackage(mutate(prng, bytes));
      else checkDecodePackage(bytes, pkg);
      break;
    }
    case "message-random": {
      checkDecodeMessage(prng.pick(MESSAGE_SCHEMAS), prng.bytes(prng.int(0, 80)));
      break;
    }
    case "message-mutated": {
      const { schema, bytes } = validMessage(prng);
      const target = prng.chance(0.8) ? schema : prng.pick(MESSAGE_SCHEMAS);
      checkDecodeMessage(target, prng.chance(0.95) ? mutate(prng, bytes) : bytes);
      break;
    }
    case "frames-valid":
    case "frames-mutated": {
      const packages = validPackages(prng);
      const frames = packages.map((p) => encodePackage(p));
      const offsets: number[] = [];
      let at = 0;
      for (const f of frames) {
        offsets.push(at);
        at += f.length;
      }
      let bytes = concat(frames);
      if (kind === "frames-mutated") bytes = mutate(prng, bytes, offsets);
      const max = kind === "frames-valid" ? DEFAULT_MAX_PACKAGE_SIZE : maxPackageSize(prng);
      const originals = kind === "frames-valid" ? packages : undefined;
      const chunks = splitChunks(prng, bytes);
      await checkFrameDecoder(chunks, max, originals);
      await checkSkippingFrameDecoder(chunks, max);
      break;
    }
  }
  return kind;
}

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  /** Master seed. */
  seed: number;
  /** Number of cases. */
  cases: number;
  /** First case index (for replaying a range). Default 0. */
  first?: number;
  /** Called every `progressEvery` cases. */
  onProgress?: (done: number) => void;
  /** Default 100 000. */
  progressEvery?: number;
  /** A case still running after this long (checked at this interval) fails the run. Default 10 s. */
  stuckMs?: number;
  /** Runs one case (default {@linkcode runCase}); replaceable to test the driver itself. */
  runCase?: (seed: number, index: number) => Promise<CaseKind>;
}

/** What a fuzz run did. */
export interface FuzzReport {
  /** Master seed. */
  seed: number;
  /** Cases run. */
  cases: number;
  /** Cases per kind. */
  counts: Record<CaseKind, number>;
  /** Wall time in milliseconds. */
  elapsedMs: number;
}

/**
 * Runs `cases` cases; the first failure rejects with an error naming the seed and case index.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const counts = Object.fromEntries(CASE_KINDS.map((k) => [k, 0])) as Record<CaseKind, number>;
  const first = options.first ?? 0;
  const every = options.progressEvery ?? 100_000;
  const stuckMs = options.stuckMs ?? 10_000;
  const run = options.runCase ?? runCase;
  const start = performance.now();
  let current = first;
  const fail = (i: number, why: string, cause?: unknown): Error =>
    new Error(`Fuzz case failed: replay with FUZZ_SEED=${options.seed} FUZZ_CASE=${i}: ${why}`, {
      cause,
    });
  // Cases are pure computation: one that has not finished after `stuckMs` never settles. Without
  // this watchdog a hung stream would just end the process with "promise never resolved".
  let watchdog: ReturnType<typeof setInterval> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    let seen = -1;
    watchdog = setInterval(() => {
      if (seen === current) reject(fail(current, `the case did not settle within ${stuckMs} ms`));
      seen = current;
    }, stuckMs);
  });
  const loop = async (): Promise<void> => {
    for (; current < first + options.cases; current++) {
      try {
        counts[await run(options.seed, current)]++;
      } catch (cause) {
        throw fail(current, cause instanceof Error ? cause.message : String(cause), cause);
      }
      if ((current - first + 1) % every === 0) options.onProgress?.(current - first + 1);
    }
  };
  try {
    await Promise.race([loop(), stuck]);
  } finally {
    clearInterval(watchdog);
  }
  return { seed: options.seed, cases: options.cases, counts, elapsedMs: performance.now() - start };
}
