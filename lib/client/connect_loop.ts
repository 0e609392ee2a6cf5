/**
 * The connect loop: one linear `while`, readable top to bottom. Try, and on a failure worth
 * another try wait the backoff's delay and try again, until a connection is up, the attempts run
 * out, or the caller's signal stops it.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { Backoff } from "./backoff.ts";
import { isRetriableDial } from "./retry_decision.ts";

/** Options of {@linkcode connectLoop}. */
export interface ConnectLoopOptions<C> {
  /**
   * The number of the first try: 0 for a first connection (tried at once, then `maxAttempts`
   * more), 1 for a reconnection (every try counts against `maxAttempts`).
   */
  readonly first: 0 | 1;
  /** Tries after try 0, or `Infinity`. */
  readonly maxAttempts: number;
  /** Delay before try n (n >= 1), in ms. */
  readonly delay: Backoff;
  /** Skip the delay before try 1 (a redirect to the leader goes at once). */
  readonly immediate: boolean;
  /** Timers. */
  readonly clock: Clock;
  /** Stops the loop (the executor closing). */
  readonly signal: AbortSignal;
  /** The error that made the loop start (a lost connection), if any. */
  readonly error: Error | undefined;
  /** Called before each try n >= 1 with the last error (to report `reconnecting`). */
  readonly onRetry: (attempt: number, error: Error | undefined) => void;
  /** Makes one try: dial, handshake, within its own timeout. */
  readonly dial: (signal: AbortSignal) => Promise<C>;
}

/** How {@linkcode connectLoop} ended. */
export type ConnectLoopResult<C> =
  /** A try succeeded. */
  | { readonly kind: "connected"; readonly connection: C }
  /** The attempts ran out, or a failure that no retry can fix: `tries` were made. */
  | { readonly kind: "failed"; readonly error: Error | undefined; readonly tries: number }
  /** The signal stopped the loop after `tries` tries, the last failing with `error`. */
  | { readonly kind: "stopped"; readonly error: Error | undefined; readonly tries: number };

/**
 * Tries to connect until it works, the attempts run out or `signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectLoop } from "./connect_loop.ts";
 * import { systemClock } from "../clock.ts";
 * const result = await connectLoop({
 *   first: 0, maxAttempts: 0, delay: () => 0, immediate: false, clock: systemClock,
 *   signal: new AbortController().signal, error: undefined, onRetry: () => {},
 *   dial: () => Promise.resolve("a connection"),
 * });
 * assert.deepEqual(result.kind, "connected");
 * ```
 */
export async function connectLoop<C>(
  options: ConnectLoopOptions<C>,
): Promise<ConnectLoopResult<C>> {
  const { signal } = options;
  let error = options.error;
  let tries = 0;
  let attempt = options.first;
  while (attempt <= options.maxAttempts) {
    if (attempt > 0) {
      options.onRetry(attempt, error);
      const now = options.immediate && attempt === 1;
      if (!now && !(await sleep(options.clock, options.delay(attempt), signal))) {
        return { kind: "stopped", error, tries };
      }
    }
    if (signal.aborted) return { kind: "stopped", error, tries };
    tries++;
    try {
      return { kind: "connected", connection: await options.dial(signal) };
    } catch (cause) {
      if (signal.aborted) {
        // The try was cut short by the stop itself: its own error is the stop, not a failure.
        return { kind: "stopped", error: tries > 1 ? error : cause as Error, tries };
      }
      error = cause instanceof Error ? cause : new Error(String(cause));
      if (!isRetriableDial(cause)) break;
    }
    attempt++;
  }
  return { kind: "failed", error, tries };
}

/** Waits `ms`; resolves false if `signal` aborted first. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
