/**
 * Client-side heartbeats (PROTOCOL.md §4.2): when nothing arrived for an interval, send a
 * HeartbeatRequest; when still nothing arrived after the timeout, the connection is dead.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../clock.ts";

/** Settings of {@linkcode Heartbeat}. */
export interface HeartbeatOptions {
  /** Idle time before a heartbeat request is sent, in ms (.NET default 750). */
  readonly interval: number;
  /** Time to wait for any package after a request, in ms (.NET default 1500). */
  readonly timeout: number;
  /** The clock driving the timers. */
  readonly clock: Clock;
  /** Sends a HeartbeatRequest. */
  readonly sendRequest: () => void;
  /** Called once when the peer stayed silent through the timeout. */
  readonly onTimeout: () => void;
}

/**
 * Tracks liveness with a single timer. `received()` only sets a flag, so the per-package cost is
 * one assignment.
 *
 * @example
 * ```ts
 * import { Heartbeat } from "./heartbeat.ts";
 * import { systemClock } from "../clock.ts";
 * const heartbeat = new Heartbeat({
 *   interval: 750, timeout: 1500, clock: systemClock,
 *   sendRequest: () => {}, onTimeout: () => {},
 * });
 * heartbeat.start();
 * heartbeat.stop();
 * ```
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  #timer: TimerHandle | undefined;
  #seen = false;
  #awaiting = false;

  /** Creates a stopped heartbeat. */
  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  /** Starts the timer. */
  start(): void {
    this.stop();
    this.#seen = false;
    this.#awaiting = false;
    this.#arm(this.#options.interval);
  }

  /** Records that a package arrived. */
  received(): void {
    this.#seen = true;
  }

  /** Stops the timer; safe to call more than once. */
  stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = this.#options.clock.setTimeout(() => this.#tick(), ms);
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#seen) {
      this.#seen = false;
      this.#awaiting = false;
      this.#arm(this.#options.interval);
    } else if (!this.#awaiting) {
      this.#awaiting = true;
      this.#options.sendRequest();
      this.#arm(this.#options.timeout);
    } else {
      this.#options.onTimeout();
    }
  }
}
