/**
 * Helpers for the resilience tests: an executor opened from connect-style options, a client over
 * it, a manual clock that says when a timer is scheduled, a state recorder and a seeded random
 * source.
 *
 * @module
 */

import { type Client, clientOf } from "../../../lib/client/client.ts";
import type { ConnectionState } from "../../../lib/client/connection_state.ts";
import type { EndpointSource } from "../../../lib/client/endpoint_source.ts";
import { ReconnectingExecutor } from "../../../lib/client/reconnecting_executor.ts";
import { type ConnectOptions, resolveSettings } from "../../../lib/client/settings.ts";
import type { Dialer, Endpoint } from "../../../lib/client/transport.ts";
import type { Clock, TimerHandle } from "../../../lib/clock.ts";
import { ManualClock } from "../../support/manual_clock.ts";

/** Options of {@linkcode openExecutor}: `connect()`'s, plus where to dial and the clock. */
export interface ExecutorTestOptions extends Omit<ConnectOptions, "host" | "port" | "transport"> {
  /** A fixed endpoint or an endpoint source (discovery). */
  readonly endpoint: Endpoint | EndpointSource;
  /** The dialer (default `Deno.connect`). */
  readonly dialer?: Dialer;
  /** Timers (default the system clock). */
  readonly clock?: Clock;
}

/** Opens a {@linkcode ReconnectingExecutor} with settings resolved as `connect()` resolves them. */
export function openExecutor(options: ExecutorTestOptions): Promise<ReconnectingExecutor> {
  const { endpoint, dialer, clock, ...rest } = options;
  const settings = resolveSettings(
    { ...rest, ...(dialer && { transport: dialer }) },
    undefined,
    { clock },
  );
  const source: EndpointSource = typeof endpoint === "function"
    ? endpoint
    : () => Promise.resolve(endpoint);
  return ReconnectingExecutor.open(settings.executor, source);
}

/** A user-facing client over `executor` (closing the client closes the executor). */
export function clientOver(executor: ReconnectingExecutor): Client {
  return clientOf(executor, resolveSettings({}));
}

/** A {@linkcode ManualClock} that can wait until a timer of a given length is scheduled. */
export class WatchedClock extends ManualClock {
  readonly #waiters = new Set<{ ms: number; resolve: () => void }>();

  /** Schedules a timer and wakes whoever waits for one of that length. */
  override setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = super.setTimeout(callback, ms);
    for (const waiter of [...this.#waiters]) {
      if (waiter.ms === ms) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
    return handle;
  }

  /** Resolves the next time a timer of exactly `ms` is scheduled. */
  whenScheduled(ms: number): Promise<void> {
    return new Promise((resolve) => this.#waiters.add({ ms, resolve }));
  }
}

/** Records the states an executor goes through and lets a test wait for one. */
export class StateRecorder {
  /** Every state seen, in order. */
  readonly states: ConnectionState[] = [];
  readonly #waiters = new Set<{ test: (s: ConnectionState) => boolean; resolve: () => void }>();
  readonly stop: () => void;

  /** Starts recording. */
  constructor(executor: { watch(listener: (state: ConnectionState) => void): () => void }) {
    this.stop = executor.watch((state) => {
      this.states.push(state);
      for (const waiter of [...this.#waiters]) {
        if (waiter.test(state)) {
          this.#waiters.delete(waiter);
          waiter.resolve();
        }
      }
    });
  }

  /** The statuses seen, in order. */
  get statuses(): string[] {
    return this.states.map((s) => s.status);
  }

  /** Resolves at the next state with `status`. */
  next(status: ConnectionState["status"]): Promise<void> {
    return new Promise((resolve) =>
      this.#waiters.add({ test: (s) => s.status === status, resolve })
    );
  }
}

/** mulberry32: a small seeded PRNG returning [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `RESILIENCE_SEED`, or a fresh one; printed so a failure can be replayed. */
export function testSeed(name: string): number {
  const fromEnv = Deno.env.get("RESILIENCE_SEED");
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${name}: seed ${seed} (replay with RESILIENCE_SEED=${seed})`);
  return seed;
}
