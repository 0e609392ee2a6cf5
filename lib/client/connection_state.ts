/**
 * Connection state as data the user can read and observe: a {@linkcode StateBroadcaster} holds the
 * current {@linkcode ConnectionState}, calls listeners on every change and hands out
 * `ReadableStream`s of changes.
 *
 * @module
 */

/** The state of a client's connection, as data. */
export type ConnectionState =
  /**
   * Dialing or handshaking the first connection: `attempt` counts the tries from 1 once a try
   * failed, `error` says why the last one failed.
   */
  | {
    readonly status: "connecting";
    readonly name: string;
    readonly attempt?: number;
    readonly error?: Error;
  }
  /** Ready for operations. */
  | { readonly status: "connected"; readonly name: string }
  /**
   * The connection was lost and a new one is being made: `attempt` counts reconnection attempts
   * from 1, `error` says why the last connection (or attempt) ended. Operations wait meanwhile.
   */
  | {
    readonly status: "reconnecting";
    readonly name: string;
    readonly attempt: number;
    readonly error: Error | undefined;
  }
  /** Closed for good; `error` says why when it was not `close()`. */
  | { readonly status: "closed"; readonly name: string; readonly error: Error | undefined };

/** Unread states a {@linkcode StateBroadcaster.stream} keeps before dropping the oldest. */
export const STATE_STREAM_BUFFER = 16;

/**
 * The current state plus its observers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StateBroadcaster } from "./connection_state.ts";
 * const states = new StateBroadcaster({ status: "connecting", name: "ES-1" });
 * const seen: string[] = [];
 * const stop = states.watch((state) => seen.push(state.status));
 * states.set({ status: "connected", name: "ES-1" });
 * stop();
 * assert.deepEqual(seen, ["connected"]);
 * ```
 */
export class StateBroadcaster {
  #state: ConnectionState;
  readonly #listeners = new Set<(state: ConnectionState) => void>();

  /** Starts in `initial`. */
  constructor(initial: ConnectionState) {
    this.#state = initial;
  }

  /** The current state. */
  get current(): ConnectionState {
    return this.#state;
  }

  /** Moves to `state` and tells every listener; a throwing listener does not stop the others. */
  set(state: ConnectionState): void {
    this.#state = state;
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch {
        // A listener's failure must not break the connection.
      }
    }
  }

  /** Calls `listener` on every later change; returns a function that stops it. */
  watch(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * A stream of states: the current one first, then every change (see {@linkcode stateStream}).
   */
  stream(signal?: AbortSignal): ReadableStream<ConnectionState> {
    return stateStream(this, signal);
  }
}

/**
 * A stream of `source`'s states: the current one first, then every change; it ends after
 * `closed`, or when `signal` aborts or the reader cancels. A reader that falls more than
 * {@linkcode STATE_STREAM_BUFFER} states behind loses the oldest unread ones (the latest state is
 * never lost), so memory stays bounded however long nobody reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StateBroadcaster, stateStream } from "./connection_state.ts";
 * const states = new StateBroadcaster({ status: "connected", name: "ES-1" });
 * const reader = stateStream(states).getReader();
 * assert.deepEqual((await reader.read()).value?.status, "connected");
 * await reader.cancel();
 * ```
 */
export function stateStream(
  source: StateBroadcaster,
  signal?: AbortSignal,
): ReadableStream<ConnectionState> {
  const initial = source.current;
  const buffer: ConnectionState[] = [initial];
  let wake: (() => void) | undefined;
  let ended = initial.status === "closed";
  let stop = (): void => {};
  const end = (): void => {
    ended = true;
    stop();
    signal?.removeEventListener("abort", end);
    wake?.();
  };
  if (!ended) {
    stop = source.watch((state) => {
      buffer.push(state);
      if (buffer.length > STATE_STREAM_BUFFER) buffer.shift();
      if (state.status === "closed") end();
      wake?.();
    });
    if (signal?.aborted) end();
    else signal?.addEventListener("abort", end, { once: true });
  }
  return new ReadableStream<ConnectionState>({
    pull: async (controller) => {
      while (buffer.length === 0 && !ended) {
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
      if (buffer.length > 0) controller.enqueue(buffer.shift()!);
      else controller.close();
    },
    cancel: end,
  }, { highWaterMark: 0 });
}
