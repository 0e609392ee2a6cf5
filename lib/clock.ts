/**
 * Timers behind a small interface, so heartbeat and timeout logic can be tested with a manual
 * clock instead of sleeping.
 *
 * @module
 */

/** An opaque timer handle. */
export type TimerHandle = number;

/** The timer operations photonpump uses. */
export interface Clock {
  /** Milliseconds since an arbitrary origin; only differences matter. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and the global timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  // The cast keeps this compiling when @types/node is in scope (its setTimeout returns an object).
  setTimeout: (callback, ms) => setTimeout(callback, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle),
};
