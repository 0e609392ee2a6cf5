/**
 * Connection liveness by heartbeats, the same scheme on both sides of the protocol
 * (docs/protocol.md §4.2): when no byte arrived for an interval, send a HeartbeatRequest; when
 * still no byte arrived after the timeout, the peer is gone. Any byte counts, not whole packages,
 * so a large package arriving slowly but steadily never looks like silence.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../clock.ts";

/**
 * Which side runs the heartbeat. Both send a request after an interval without received bytes
 * and give up after the timeout; a `"server"` also sends one when it sent nothing itself during
 * an interval, as the real server does, so that an idle client sees traffic.
 */
export type HeartbeatMode = "client" | "server";

/** Settings of {@linkcode Heartbeat}. */
export interface HeartbeatOptions {
  /**
   * Time without received bytes before a request is sent, in ms (.NET client 750, real server
   * 2000 on the client port).
   */
  readonly interval: number;
  /**
   * Time to wait for any byte after a request, in ms (.NET client 1500, real server 1000).
   */
  readonly timeout: number;
  /** The clock driving the timer. */
  readonly clock: Clock;
  /** Which side this is; default `"client"`. */
  readonly mode?: HeartbeatMode;
  /** Sends a HeartbeatRequest (a fresh correlation id, an empty payload). */
  readonly sendRequest: () => void;
  /** Called once when no byte arrived through a whole interval and the timeout after it. */
  readonly onTimeout: () => void;
}

/**
 * Tracks liveness with one timer. {@linkcode Heartbeat.received} and {@linkcode Heartbeat.sent}
 * only bump a counter, so they can be called for every socket chunk.
 *
 * @example
 * ```ts
 * import { Heartbeat } from "./heartbeat.ts";
 * import { systemClock } from "../clock.ts";
 * using heartbeat = new Heartbeat({
 *   interval: 750,
 *   timeout: 1500,
 *   clock: systemClock,
 *   sendRequest: () => {},
 *   onTimeout: () => {},
 * });
 * heartbeat.start();
 * heartbeat.received(); // call for every chunk of bytes read from the socket
 * ```
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  readonly #server: boolean;
  #timer: TimerHandle | undefined;
  #received = 0;
  #receivedAtTick = 0;
  #sent = 0;
  #sentAtTick = 0;
  /** A request went out and its timeout is running. */
  #awaiting = false;
  /** When the running timer is due, by the clock. */
  #dueAt = 0;

  /** Creates a stopped heartbeat. */
  constructor(options: HeartbeatOptions) {
    this.#options = options;
    this.#server = options.mode === "server";
  }

  /** Starts (or restarts) the timer: the first check comes one interval from now. */
  start(): void {
    this.stop();
    this.#receivedAtTick = this.#received;
    this.#sentAtTick = this.#sent;
    this.#awaiting = false;
    this.#arm(this.#options.interval);
  }

  /** Records that bytes arrived: call for every chunk read, before it is framed. */
  received(): void {
    this.#received++;
  }

  /** Records that bytes went out; only a `"server"` heartbeat uses it. */
  sent(): void {
    this.#sent++;
  }

  /** Stops the timer; safe to call more than once. */
  stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Same as {@linkcode Heartbeat.stop}, for `using`. */
  [Symbol.dispose](): void {
    this.stop();
  }

  #arm(ms: number): void {
    this.#dueAt = this.#options.clock.now() + ms;
    this.#timer = this.#options.clock.setTimeout(() => this.#tick(), ms);
  }

  #tick(): void {
    this.#timer = undefined;
    const heard = this.#received !== this.#receivedAtTick;
    this.#receivedAtTick = this.#received;
    if (this.#awaiting) {
      if (!heard) {
        // A timer that fires late means this process's event loop was blocked (a long synchronous
        // handler, a debugger pause): bytes the peer sent meanwhile may still be waiting to be
        // read. Only silence measured after the loop came back is the peer's fault, so a late
        // timeout starts one more full timeout instead of giving up.
        if (this.#late()) {
          this.#arm(this.#options.timeout);
          return;
        }
        this.#options.onTimeout();
        return;
      }
      this.#awaiting = false;
    } else if (!heard) {
      this.#awaiting = true;
      this.#options.sendRequest();
      this.#arm(this.#options.timeout);
      return;
    } else if (this.#server && this.#sent === this.#sentAtTick) {
      this.#options.sendRequest();
    }
    this.#sentAtTick = this.#sent;
    this.#arm(this.#options.interval);
  }

  /** Whether the timer fired later than a quarter of the timeout after it was due. */
  #late(): boolean {
    return this.#options.clock.now() - this.#dueAt > this.#options.timeout / 4;
  }
}
