/**
 * A manual {@linkcode Clock} for deterministic timer tests.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../../../lib/clock.ts";

/** A clock whose time only moves when `advance` is called. */
export class ManualClock implements Clock {
  #now = 0;
  #next = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  /** Current time in ms. */
  now(): number {
    return this.#now;
  }

  /** Schedules a callback. */
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = this.#next++;
    this.#timers.set(handle, { at: this.#now + ms, callback });
    return handle;
  }

  /** Cancels a callback. */
  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    while (true) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= target && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].callback();
    }
    this.#now = target;
  }
}
