/**
 * Summaries of bench samples: latency percentiles of one run, median and spread across passes.
 *
 * @module
 */

/** Latency percentiles of one run, in milliseconds. */
export interface Percentiles {
  /** Median. */
  readonly p50: number;
  /** 90th percentile. */
  readonly p90: number;
  /** 99th percentile. */
  readonly p99: number;
  /** Slowest. */
  readonly max: number;
}

/** Median and spread of one figure across passes. */
export interface Spread {
  /** The median of the passes. */
  readonly median: number;
  /** The lowest pass. */
  readonly min: number;
  /** The highest pass. */
  readonly max: number;
  /** (max - min) / median, in percent; 0 for one pass. */
  readonly spreadPct: number;
  /** Every pass, in order. */
  readonly passes: readonly number[];
}

/**
 * The nearest-rank percentile `p` (0-100) of ascending `sorted` values.
 *
 * @throws {RangeError} for an empty list or `p` outside 0-100
 *
 * @example
 * ```ts
 * import { percentile } from "./stats.ts";
 * console.log(percentile([1, 2, 3, 4], 50)); // 2
 * ```
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError("Cannot take a percentile of no values");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`Invalid percentile ${p}: expected 0 to 100`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * p50, p90, p99 and max of unordered latencies.
 *
 * @example
 * ```ts
 * import { percentiles } from "./stats.ts";
 * console.log(percentiles([3, 1, 2]).p50); // 2
 * ```
 */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

/**
 * The median (mean of the middle two for an even count).
 *
 * @throws {RangeError} for an empty list
 *
 * @example
 * ```ts
 * import { median } from "./stats.ts";
 * console.log(median([4, 1, 3, 2])); // 2.5
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Cannot take the median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Median, min, max and relative spread of per-pass values.
 *
 * @example
 * ```ts
 * import { spread } from "./stats.ts";
 * console.log(spread([90, 100, 110]).spreadPct); // 20
 * ```
 */
export function spread(passes: readonly number[]): Spread {
  const mid = median(passes);
  const min = Math.min(...passes);
  const max = Math.max(...passes);
  return { median: mid, min, max, spreadPct: mid === 0 ? 0 : ((max - min) / mid) * 100, passes };
}

/** The median of each percentile across passes. */
export function medianPercentiles(runs: readonly Percentiles[]): Percentiles {
  return {
    p50: median(runs.map((r) => r.p50)),
    p90: median(runs.map((r) => r.p90)),
    p99: median(runs.map((r) => r.p99)),
    max: median(runs.map((r) => r.max)),
  };
}
