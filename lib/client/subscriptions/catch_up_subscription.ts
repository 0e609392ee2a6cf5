/**
 * Catch-up subscriptions (docs/protocol.md §6.5): read history in pages, open a volatile
 * subscription, read again up to the point the server confirmed, then deliver the live events —
 * deduplicated by event number (stream) or position (`$all`), so nothing is delivered twice and
 * nothing is skipped.
 *
 * Backpressure: a history page is read only when the consumer's queue has room for it, so a slow
 * consumer stops the reads. Live events that would overflow the queue (or the queue of pushed
 * events waiting for the switch) drop the live subscription and the algorithm starts over from
 * the last queued event, reading — as the official clients do. Memory is bounded by
 * `bufferSize` events plus one page.
 *
 * Reconnects: when the connection is lost and the executor is reconnecting (its state is not
 * `closed`), the algorithm starts over from the last queued event once it is connected again.
 * With an executor that is closed for good, the subscription drops with `"connection-lost"`.
 *
 * @module
 */

import { FrameTooLargeError, StreamNotFoundError } from "../../errors.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import type { ConnectionState } from "../connection_state.ts";
import type { OperationExecutor } from "../executor.ts";
import { Position } from "../position.ts";
import {
  type AllFilter,
  readAllOperation,
  readStreamOperation,
  takeEvents,
} from "../read_operations.ts";
import { PageSize } from "../read_iterator.ts";
import type { ResolvedEvent } from "../resolved_event.ts";
import type { Credentials } from "../../wire/package_codec.ts";
import { DeliveryQueue } from "./delivery_queue.ts";
import { reasonOf, type SubscriptionDrop } from "./drop.ts";
import { SubscribeOperation, type SubscriptionConfirmation } from "./subscribe_operation.ts";
import { Subscription } from "./subscription.ts";

const EMPTY = new Uint8Array(0);

/** Settings of {@linkcode startCatchUpSubscription}. */
export interface CatchUpSpec {
  /** The stream, or `""` for `$all`. */
  readonly stream: string;
  /** First event number to deliver (stream), or the position to read `$all` from. */
  readonly startFrom: bigint | Position;
  /** Resolve `$>` links. */
  readonly resolveLinks: boolean;
  /** Events per history read. */
  readonly batchSize: number;
  /** The most events queued for the consumer (and the most pushed events held during the switch). */
  readonly bufferSize: number;
  /** Credentials for every request. */
  readonly credentials?: Credentials;
  /** Whether only the leader may answer the reads. */
  readonly requireLeader: boolean;
  /** Server-side filter (`$all` only). */
  readonly filter?: AllFilter;
  /** Events between checkpoints of the live part of a filtered subscription. */
  readonly checkpointInterval?: number;
  /** Called with each checkpoint, once the events before it have been delivered. */
  readonly onCheckpoint?: (position: Position) => void;
  /** Called each time the subscription has caught up and delivers live events. */
  readonly onLive?: () => void;
}

/** Where a catch-up subscription is: reading history, or delivering live events. */
export type CatchUpPhase = "reading" | "live" | "ended";

/**
 * A catch-up subscription; `phase` shows whether it is reading history or live.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CatchUpSubscription, connect, newEvent } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await conn.publish("orders", [newEvent("order_placed"), newEvent("order_paid")]);
 *
 * const { promise: live, resolve: onLive } = Promise.withResolvers<void>();
 * // subscribeTo with `startFrom` returns a CatchUpSubscription.
 * await using subscription = (await conn.subscribeTo("orders", {
 *   startFrom: 0,
 *   onLive,
 * })) as CatchUpSubscription;
 * await live; // the history is read (and buffered for us): live events come next
 * assert.equal(subscription.phase, "live");
 * const types: string[] = [];
 * for await (const event of subscription) {
 *   types.push(event.type);
 *   if (types.length === 2) break;
 * }
 * assert.deepEqual(types, ["order_placed", "order_paid"]);
 * ```
 */
export class CatchUpSubscription extends Subscription {
  readonly #driver: CatchUpDriver;

  /** Created by {@linkcode startCatchUpSubscription}. */
  constructor(name: string, queue: DeliveryQueue, driver: CatchUpDriver) {
    super(name, queue, driver);
    this.#driver = driver;
  }

  /** `"reading"` (history), `"live"` (pushed events), or `"ended"`. */
  get phase(): CatchUpPhase {
    return this.#driver.phase;
  }
}

/**
 * Starts a catch-up subscription; errors (access denied, a deleted stream, a lost connection)
 * arrive through the stream and `dropped`.
 */
export function startCatchUpSubscription(
  executor: OperationExecutor,
  spec: CatchUpSpec,
): CatchUpSubscription {
  const name = spec.stream === "" ? "$all" : spec.stream;
  const queue = new DeliveryQueue(name, spec.bufferSize);
  const driver = new CatchUpDriver(executor, spec, queue);
  queue.bind({ onCheckpoint: spec.onCheckpoint, onCancel: () => driver.stop() });
  driver.start();
  return new CatchUpSubscription(name, queue, driver);
}

type Pending = { readonly event: ResolvedEvent } | { readonly checkpoint: Position };

/** One volatile subscription opened by the driver. */
class LiveLink {
  readonly operation: SubscribeOperation;
  /** Settles when the live subscription has ended (dropped) or overflowed. */
  readonly done: Promise<SubscriptionDrop | "overflow">;
  /** Settles when the server side of the subscription has ended. */
  readonly ended: Promise<void>;
  pending: Pending[] | undefined = [];
  #pendingEvents = 0;
  #settle!: (outcome: SubscriptionDrop | "overflow") => void;
  #overflowed = false;

  constructor(
    request: ConstructorParameters<typeof SubscribeOperation>[0],
    private readonly driver: CatchUpDriver,
    private readonly capacity: number,
  ) {
    this.done = new Promise((resolve) => this.#settle = resolve);
    let ended!: () => void;
    this.ended = new Promise((resolve) => ended = resolve);
    this.operation = new SubscribeOperation(request, {
      event: (event) => this.#event(event),
      checkpoint: (position) => {
        if (this.pending) this.pending.push({ checkpoint: position });
        else this.driver.deliverCheckpoint(position);
      },
      dropped: (drop) => {
        this.#settle(drop);
        ended();
      },
    });
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  #event(event: ResolvedEvent): void {
    if (this.#overflowed) return;
    if (this.pending) {
      if (this.#pendingEvents < this.capacity) {
        this.pending.push({ event });
        this.#pendingEvents++;
        return;
      }
    } else if (this.driver.deliver(event)) {
      return;
    }
    this.overflow();
    this.driver.fellBehind();
  }

  /** Stops taking events; the driver falls back to reading. */
  overflow(): void {
    if (this.#overflowed) return;
    this.#overflowed = true;
    this.pending = undefined;
    this.#settle("overflow");
  }

  /** Delivers the held events and goes direct; false if the queue overflowed. */
  switchToLive(): boolean {
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const item of pending) {
      if ("checkpoint" in item) this.driver.deliverCheckpoint(item.checkpoint);
      else if (!this.driver.deliver(item.event)) {
        this.overflow();
        this.driver.fellBehind();
        return false;
      }
    }
    return !this.#overflowed;
  }
}

/** Runs the history-then-live algorithm and feeds the queue. */
class CatchUpDriver {
  readonly #executor: OperationExecutor;
  readonly #spec: CatchUpSpec;
  readonly #queue: DeliveryQueue;
  readonly #abort = new AbortController();
  readonly #isAll: boolean;
  /** Last queued event number (stream) — events not above it are duplicates. */
  #lastNumber: bigint;
  /** Last queued position (`$all`). */
  #lastPosition: Position | undefined;
  /** Where the next `$all` read starts. */
  #nextPosition: Position;
  #live: LiveLink | undefined;
  /** History page size: fewer events while pages come back too large for a frame. */
  readonly #pageSize: PageSize;
  #running: Promise<void> = Promise.resolve();
  #phase: CatchUpPhase = "reading";

  constructor(executor: OperationExecutor, spec: CatchUpSpec, queue: DeliveryQueue) {
    this.#executor = executor;
    this.#spec = spec;
    this.#queue = queue;
    this.#isAll = spec.stream === "";
    this.#pageSize = new PageSize(spec.batchSize);
    if (spec.startFrom instanceof Position) {
      this.#lastNumber = -1n;
      this.#nextPosition = spec.startFrom;
    } else {
      this.#lastNumber = spec.startFrom - 1n;
      this.#nextPosition = Position.start;
    }
  }

  get phase(): CatchUpPhase {
    return this.#phase;
  }

  start(): void {
    this.#running = this.#run();
  }

  /** Ends the subscription from the client side. */
  async stop(): Promise<void> {
    this.#queue.finish({ reason: "unsubscribed" }, true);
    this.#abort.abort(new DOMException("The subscription was stopped", "AbortError"));
    this.#live?.overflow();
    await this.#running;
  }

  /** Queues `event` unless it is a duplicate; false when the queue is full. */
  deliver(event: ResolvedEvent): boolean {
    if (this.#isAll) {
      const position = event.position!;
      if (this.#lastPosition && position.compareTo(this.#lastPosition) <= 0) return true;
      if (!this.#queue.push(event)) return false;
      this.#lastPosition = position;
      return true;
    }
    const number = event.originalEventNumber;
    if (number <= this.#lastNumber) return true;
    if (!this.#queue.push(event)) return false;
    this.#lastNumber = number;
    return true;
  }

  /** The live subscription overflowed: back to reading history. */
  fellBehind(): void {
    if (this.#phase !== "ended") this.#phase = "reading";
  }

  deliverCheckpoint(position: Position): void {
    if (this.#lastPosition && position.compareTo(this.#lastPosition) < 0) return;
    this.#queue.pushCheckpoint(position);
  }

  async #run(): Promise<void> {
    while (!this.#queue.ended) {
      let outcome: SubscriptionDrop | "overflow" | undefined;
      // After live events or a lost connection, read on from the last queued event.
      if (this.#lastPosition && this.#lastPosition.compareTo(this.#nextPosition) > 0) {
        this.#nextPosition = this.#lastPosition;
      }
      try {
        this.#phase = "reading";
        await this.#readHistory(undefined);
        if (this.#queue.ended) break;
        const live = this.#live = this.#openLive();
        const confirmation = await this.#executor.execute(live.operation, {
          signal: this.#abort.signal,
        });
        if (!live.overflowed) await this.#readHistory(confirmation);
        if (!live.overflowed && !this.#queue.ended && live.switchToLive()) {
          this.#phase = "live";
          this.#spec.onLive?.();
        }
        outcome = await live.done;
      } catch (error) {
        outcome = this.#queue.ended ? undefined : {
          reason: reasonOf(error as Error),
          error: error as Error,
        };
      } finally {
        await this.#closeLive();
      }
      if (this.#queue.ended || outcome === undefined || outcome === "overflow") continue;
      if (outcome.reason === "connection-lost" && await this.#reconnected()) continue;
      this.#queue.finish(outcome);
    }
    this.#phase = "ended";
  }

  /** Unsubscribes the live subscription, if one is open, and waits for it to end. */
  async #closeLive(): Promise<void> {
    const live = this.#live;
    this.#live = undefined;
    if (!live || live.operation.ended) return;
    live.overflow();
    try {
      await this.#executor.sendFor(live.operation, {
        command: TcpCommand.UnsubscribeFromStream,
        payload: EMPTY,
      });
    } catch {
      this.#executor.release(live.operation);
      return;
    }
    // The server answers SubscriptionDropped; a closing connection fails the operation.
    await live.ended;
  }

  /** True once a reconnecting executor is connected again; false if it closed for good. */
  #reconnected(): Promise<boolean> {
    const ready = (state: ConnectionState) => state.status === "connected";
    if (ready(this.#executor.state)) return Promise.resolve(true);
    if (this.#executor.state.status === "closed") return Promise.resolve(false);
    const signal = this.#abort.signal;
    return new Promise<boolean>((resolve) => {
      const settle = (connected: boolean) => {
        stopWatching();
        signal.removeEventListener("abort", onAbort);
        resolve(connected);
      };
      const onAbort = () => settle(false);
      const stopWatching = this.#executor.watch((state) => {
        if (state.status === "connected" || state.status === "closed") {
          settle(state.status === "connected");
        }
      });
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  #openLive(): LiveLink {
    const spec = this.#spec;
    return new LiveLink(
      {
        stream: spec.stream,
        resolveLinks: spec.resolveLinks,
        filter: spec.filter,
        checkpointInterval: spec.checkpointInterval,
        credentials: spec.credentials,
      },
      this,
      spec.bufferSize,
    );
  }

  /**
   * Reads pages while the queue has room: to the end (`until` undefined), or to the point the
   * live subscription was confirmed at. Stops early if the live subscription overflows.
   */
  async #readHistory(until: SubscriptionConfirmation | undefined): Promise<void> {
    const spec = this.#spec;
    for (;;) {
      if (this.#live?.overflowed && until) return;
      if (!(await this.#queue.waitForRoom(spec.batchSize))) return;
      if (this.#live?.overflowed && until) return;
      const count = Math.min(this.#pageSize.current, this.#queue.room);
      let done: boolean;
      try {
        done = this.#isAll
          ? await this.#readAllPage(count, until)
          : await this.#readStreamPage(count, until);
      } catch (error) {
        // A page of large events over the maximum frame: read it again in fewer events.
        if (error instanceof FrameTooLargeError && this.#pageSize.shrink()) continue;
        throw error;
      }
      this.#pageSize.fitted();
      if (done) return;
    }
  }

  #context() {
    return {
      resolveLinks: this.#spec.resolveLinks,
      requireLeader: this.#spec.requireLeader,
      credentials: this.#spec.credentials,
    };
  }

  async #readStreamPage(
    count: number,
    until: SubscriptionConfirmation | undefined,
  ): Promise<boolean> {
    const from = this.#lastNumber + 1n;
    let slice;
    try {
      slice = await this.#executor.execute(
        readStreamOperation(this.#context(), this.#spec.stream, "forward", from, count),
        { signal: this.#abort.signal },
      );
    } catch (error) {
      // A stream that does not exist yet has no history; the live subscription will see it.
      if (error instanceof StreamNotFoundError) return true;
      throw error;
    }
    for (const event of takeEvents(slice)) {
      if (!this.deliver(event)) throw new RangeError("A history page did not fit the queue");
    }
    if (slice.isEndOfStream) return true;
    const last = until?.lastEventNumber;
    return last !== undefined && slice.nextEventNumber > last;
  }

  async #readAllPage(count: number, until: SubscriptionConfirmation | undefined): Promise<boolean> {
    const from = this.#nextPosition;
    const slice = await this.#executor.execute(
      readAllOperation(this.#context(), "forward", from, count, this.#spec.filter),
      { signal: this.#abort.signal },
    );
    for (const event of takeEvents(slice)) {
      if (!this.deliver(event)) throw new RangeError("A history page did not fit the queue");
    }
    this.#nextPosition = slice.nextPosition;
    if (this.#spec.filter) this.deliverCheckpoint(slice.nextPosition);
    if (slice.isEndOfStream) return true;
    if (!until) return false;
    const confirmed = new Position(until.lastCommitPosition, until.lastCommitPosition);
    return slice.nextPosition.compareTo(confirmed) > 0;
  }
}
