/**
 * The server's side of heartbeats (PROTOCOL.md §4.2): liveness is bytes received, as the real
 * server counts them, so a large package uploaded slowly but steadily keeps its connection alive.
 * Every interval without a byte from the peer sends a HeartbeatRequest; a timeout after it with
 * still no byte received ends the connection.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../clock.ts";

/** What a {@linkcode ServerHeartbeat} watches and does. */
export interface ServerHeartbeatOptions {
  /** Timers. */
  readonly clock: Clock;
  /** Milliseconds between checks. */
  readonly intervalMs: number;
  /** Milliseconds a HeartbeatRequest may wait for any byte from the peer. */
  readonly timeoutMs: number;
  /** Bytes received so far (only its changes matter). */
  readonly received: () => number;
  /** Sends a HeartbeatRequest. */
  readonly sendRequest: () => void;
  /** Called once when the peer stayed silent through a timeout. */
  readonly timedOut: () => void;
}

/**
 * Watches one connection's incoming bytes.
 *
 * @example
 * ```ts ignore
 * const heartbeat = new ServerHeartbeat({ clock, intervalMs: 2000, timeoutMs: 1000, received,
 *   sendRequest, timedOut });
 * heartbeat.start();
 * heartbeat.stop();
 * ```
 */
export class ServerHeartbeat {
  readonly #options: ServerHeartbeatOptions;
  #timer: TimerHandle | null = null;
  #sent = 0;
  #stopped = false;

  /** Creates a stopped heartbeat; call {@linkcode ServerHeartbeat.start}. */
  constructor(options: ServerHeartbeatOptions) {
    this.#options = options;
  }

  /** Starts watching. */
  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** Notes that the server sent something (so a silent server still shows the peer traffic). */
  sent(): void {
    this.#sent++;
  }

  /** Stops the timers; safe to call twice. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) {
      this.#options.clock.clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    const { clock, intervalMs, timeoutMs, received, sendRequest, timedOut } = this.#options;
    const seen = received();
    const sent = this.#sent;
    this.#timer = clock.setTimeout(() => {
      this.#timer = null;
      if (this.#stopped) return;
      if (received() !== seen) {
        // The peer is alive; if we ourselves were silent, let it see traffic too.
        if (this.#sent === sent) sendRequest();
        this.#schedule();
        return;
      }
      sendRequest();
      if (this.#stopped) return;
      this.#timer = clock.setTimeout(() => {
        this.#timer = null;
        if (this.#stopped) return;
        if (received() !== seen) this.#schedule();
        else timedOut();
      }, timeoutMs);
    }, intervalMs);
  }
}
