/**
 * Reconnection delays as pure functions of the attempt number (which failures are worth another
 * attempt is `retry_decision.ts`'s).
 *
 * A {@linkcode Backoff} maps a 1-based attempt number to a delay in milliseconds. The official
 * .NET client waits a constant 100 ms between reconnections (docs/protocol.md §6.1); the exponential
 * policy with jitter is the usual alternative for clients that reconnect to a struggling cluster.
 *
 * @module
 */

import { DEFAULTS } from "./defaults.ts";

/** A delay policy: the number of milliseconds to wait before the given attempt (1-based). */
export type Backoff = (attempt: number) => number;

/** The .NET client's default `ReconnectionDelay` (docs/protocol.md §6.1). */
export const DEFAULT_RECONNECTION_DELAY_MS: number = DEFAULTS.reconnectionDelay;

function checkAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`Invalid attempt ${attempt}: attempts are counted from 1`);
  }
}

function checkDelay(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`Invalid ${name} ${ms}: expected a finite number of milliseconds >= 0`);
  }
}

/**
 * The same delay before every attempt.
 *
 * @param ms the delay; defaults to the .NET client's 100 ms reconnection delay
 * @throws {RangeError} if `ms` is negative or not finite
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, constantBackoff } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * const delay = constantBackoff(250);
 * assert.deepEqual([1, 2, 7].map(delay), [250, 250, 250]);
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url, { reconnection: { delay, maxAttempts: 5 } });
 * ```
 */
export function constantBackoff(ms: number = DEFAULT_RECONNECTION_DELAY_MS): Backoff {
  checkDelay("delay", ms);
  return (attempt) => {
    checkAttempt(attempt);
    return ms;
  };
}

/** Options of {@linkcode exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the first attempt. Default 100 ms. */
  initialMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Largest delay returned, before jitter. Default 10 000 ms. */
  maxMs?: number;
  /**
   * Fraction of the delay that is randomised, in `[0, 1]`: the result lies in
   * `[delay * (1 - jitter), delay]`. `1` is "full jitter". Default 0 (no jitter).
   */
  jitter?: number;
  /** Random numbers in `[0, 1)` used for jitter. Default `Math.random`. */
  random?: () => number;
}

/**
 * Exponentially growing delays, capped, with optional jitter:
 * `min(maxMs, initialMs * factor ** (attempt - 1))`, then reduced by up to `jitter` of itself.
 *
 * @throws {RangeError} if an option is out of range
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, exponentialBackoff } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * const delay = exponentialBackoff({ initialMs: 100, maxMs: 1000 });
 * assert.deepEqual([1, 2, 3, 4, 5].map(delay), [100, 200, 400, 800, 1000]);
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url, { reconnection: { delay, maxAttempts: "forever" } });
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 100;
  const factor = options.factor ?? 2;
  const maxMs = options.maxMs ?? 10_000;
  const jitter = options.jitter ?? 0;
  const random = options.random ?? Math.random;
  checkDelay("initialMs", initialMs);
  checkDelay("maxMs", maxMs);
  if (!Number.isFinite(factor) || factor < 1) {
    throw new RangeError(`Invalid factor ${factor}: expected a finite number >= 1`);
  }
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`Invalid jitter ${jitter}: expected a fraction between 0 and 1`);
  }
  return (attempt) => {
    checkAttempt(attempt);
    // Math.min also tames Infinity from a huge exponent.
    const base = Math.min(maxMs, initialMs * factor ** (attempt - 1));
    if (jitter === 0) return base;
    const r = random();
    if (!(r >= 0 && r < 1)) {
      throw new RangeError(`Invalid random number ${r}: the random source must return [0, 1)`);
    }
    return base - base * jitter * r;
  };
}
