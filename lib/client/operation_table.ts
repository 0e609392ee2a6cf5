/**
 * The executor's operation table: one {@linkcode Entry} per operation handed to it, each in one
 * discriminated {@linkcode EntryState}, and one transition function ({@linkcode
 * OperationTable.move}) that keeps the table, the queue and the timers consistent with it.
 *
 * ```
 *   queued ──send──▶ sent ──confirmed──▶ attached
 *     ▲  ▲            │ │                   │
 *     │  └──requeue───┘ └──retry──▶ waiting │
 *     └──────────────timer──────────┘       │
 *   any state ──complete / fail / release──▶ done
 * ```
 *
 * @module
 */

import type { Clock, TimerHandle } from "../clock.ts";
import type { Connection } from "./connection.ts";
import type { Deadline, DeadlineQueue } from "./deadline_queue.ts";
import type { Operation } from "./operation.ts";

/** Where an operation is in its life. */
export type EntryState =
  /** Waiting for a connection. */
  | { readonly kind: "queued" }
  /** On the wire on `connection`, waiting for its reply. */
  | { readonly kind: "sent"; readonly connection: Connection }
  /** Waiting `retryDelay` before being queued again (after NotHandled). */
  | { readonly kind: "waiting"; readonly timer: TimerHandle }
  /** A confirmed subscription living on `connection`. */
  | { readonly kind: "attached"; readonly connection: Connection }
  /** Over: no longer in the table. */
  | { readonly kind: "done" };

/** One operation handed to the executor, across its attempts. */
export interface Entry {
  /** The operation. */
  readonly operation: Operation<unknown>;
  /** Its deadline in ms (the call's timeout). */
  readonly timeout: number;
  /**
   * Detaches the listener on the caller's signal; called when the entry is done. Undefined for a
   * call without a signal: no listener, no controller, nothing allocated for it.
   */
  detach: (() => void) | undefined;
  /** The deadline (in the executor's deadline queue), until the operation settles or attaches. */
  deadline: Deadline | undefined;
  /**
   * Whether the deadline was started: at the first send, or when the entry starts waiting for a
   * lost connection; never while it only waits for an in-flight slot on a live connection.
   */
  timed: boolean;
  /** Sends so far. */
  attempts: number;
  /** Where it is. */
  state: EntryState;
}

/**
 * The table. Every state change goes through {@linkcode OperationTable.move}.
 */
export class OperationTable {
  readonly #clock: Clock;
  readonly #deadlines: DeadlineQueue;
  /** Called each time an entry is done. */
  readonly #onDone: () => void;
  readonly #entries = new Map<Operation<unknown>, Entry>();
  /** Queued entries in the order they were queued. */
  readonly #queue = new Set<Entry>();
  /** Entries in state `sent`. */
  #sent = 0;

  /** Creates an empty table; `deadlines` holds the entries' deadlines. */
  constructor(clock: Clock, deadlines: DeadlineQueue, onDone: () => void = () => {}) {
    this.#clock = clock;
    this.#deadlines = deadlines;
    this.#onDone = onDone;
  }

  /** Entries not done that are not attached subscriptions (calls waiting for an answer). */
  get calls(): number {
    let calls = 0;
    for (const entry of this.#entries.values()) if (entry.state.kind !== "attached") calls++;
    return calls;
  }

  /** Entries not done. */
  get size(): number {
    return this.#entries.size;
  }

  /** Entries waiting for a connection or for an in-flight slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Entries on the wire waiting for their reply (state `sent`). */
  get inFlight(): number {
    return this.#sent;
  }

  /** The entry of `operation`, if it is not done. */
  get(operation: Operation<unknown>): Entry | undefined {
    return this.#entries.get(operation);
  }

  /** Every entry not done. */
  entries(): Entry[] {
    return [...this.#entries.values()];
  }

  /** Adds an entry in state `queued`. */
  add(entry: Entry): void {
    this.#entries.set(entry.operation, entry);
    this.#queue.add(entry);
  }

  /** Removes and returns up to `max` queued entries, oldest first (the caller moves each on). */
  takeQueued(max: number): Entry[] {
    const taken: Entry[] = [];
    for (const entry of this.#queue) {
      if (taken.length >= max) break;
      taken.push(entry);
      this.#queue.delete(entry);
    }
    return taken;
  }

  /** The queued entries, oldest first (not removed). */
  queuedEntries(): IterableIterator<Entry> {
    return this.#queue.values();
  }

  /**
   * The transition function: moves `entry` to `next`, keeping the queue and the timers in step
   * (leaving `waiting` clears its timer; `attached` and `done` clear the deadline; `done` removes
   * the entry and detaches it from the caller's signal). Moving a done entry does nothing.
   */
  move(entry: Entry, next: EntryState): void {
    const previous = entry.state;
    if (previous.kind === "done") return;
    if (previous.kind === "waiting") this.#clock.clearTimeout(previous.timer);
    if (previous.kind === "queued") this.#queue.delete(entry);
    if (previous.kind === "sent") this.#sent--;
    entry.state = next;
    if (next.kind === "queued") this.#queue.add(entry);
    if (next.kind === "sent") this.#sent++;
    if ((next.kind === "attached" || next.kind === "done") && entry.deadline !== undefined) {
      this.#deadlines.cancel(entry.deadline);
      entry.deadline = undefined;
    }
    if (next.kind === "done") {
      this.#entries.delete(entry.operation);
      entry.detach?.();
      entry.detach = undefined;
      this.#onDone();
    }
  }
}
