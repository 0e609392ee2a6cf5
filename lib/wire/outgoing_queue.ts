/**
 * The bounded byte queue in front of a connection's writable side: senders wait when it is full,
 * and a peer that stops reading is detected instead of growing the queue.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../clock.ts";
import { ConnectionClosedError, PeerNotReadingError } from "../errors.ts";

/** Settings of {@linkcode OutgoingQueue}; the caller resolves the defaults. */
export interface OutgoingQueueOptions {
  /**
   * Most bytes queued (written to the socket or not yet) before {@linkcode OutgoingQueue.send}
   * waits. A single package larger than this is still admitted once the queue is empty.
   */
  readonly maxBytes: number;
  /**
   * Time in ms the peer may take nothing from a non-empty queue before it is taken as not
   * reading (the heartbeat timeout is a natural choice).
   */
  readonly stallTimeout: number;
  /** The clock driving the stall timer. */
  readonly clock: Clock;
  /** Called once when the peer read nothing for `stallTimeout` while bytes were waiting. */
  readonly onStall: (error: PeerNotReadingError) => void;
  /** Called once when writing fails (the connection is lost). */
  readonly onError: (error: unknown) => void;
}

/**
 * Microtask turns with nothing new queued after which the first write of a quiet queue goes out.
 */
const PUMP_IDLE_TURNS = 8;
/** Most microtask turns the first write of a quiet queue waits for more packages to join it. */
const PUMP_MAX_TURNS = 2048;

/** Largest single write: progress on a slow link shows up at this granularity. */
const WRITE_SLICE = 64 * 1024;

interface Waiter {
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
  /** Left the line (its signal aborted); skipped when its turn comes. */
  cancelled: boolean;
}

/**
 * Queues bytes for one writer and writes them in order, at most 64 KiB per write, coalescing
 * small packages. Progress is a completed write, so a peer counts as reading when it takes at
 * least one such write per `stallTimeout`. What is queued never exceeds `maxBytes` (plus one oversized package admitted
 * into an empty queue): a sender that finds no room waits, in order, until the peer has read
 * enough, its signal aborts (an operation's timeout) or the queue closes. Control packages
 * (heartbeats) go through {@linkcode OutgoingQueue.trySend}, which never waits and drops them
 * when the queue is full: a peer that is not reading would not read them either.
 *
 * @example
 * ```ts
 * import { OutgoingQueue } from "./outgoing_queue.ts";
 * import { systemClock } from "../clock.ts";
 * const sink = new WritableStream<Uint8Array>();
 * const queue = new OutgoingQueue(sink.getWriter(), {
 *   maxBytes: 1 << 20,
 *   stallTimeout: 1500,
 *   clock: systemClock,
 *   onStall: (error) => console.error(error.message),
 *   onError: (error) => console.error(error),
 * });
 * await queue.send(new Uint8Array([0x12, 0, 0, 0]));
 * queue.close(undefined);
 * ```
 */
export class OutgoingQueue {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #options: OutgoingQueueOptions;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  /** Senders waiting for room, oldest first from `#head`; cancelled ones are skipped lazily. */
  #waiters: Waiter[] = [];
  #head = 0;
  #waitingCount = 0;
  #pumping = false;
  #closed: unknown = undefined;
  #isClosed = false;
  #timer: TimerHandle | undefined;
  /** When the writer last took bytes, or when the queue last became non-empty. */
  #progressAt = 0;

  /** Wraps `writer`; the queue owns it from now on. */
  constructor(writer: WritableStreamDefaultWriter<Uint8Array>, options: OutgoingQueueOptions) {
    this.#writer = writer;
    this.#options = options;
  }

  /** Bytes queued and not yet taken by the writer, including the write in progress. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Senders waiting for room. */
  get waiting(): number {
    return this.#waitingCount;
  }

  /**
   * Queues `bytes`, waiting for room first if the queue is full. Resolves once queued, not once
   * written (a write failure is reported through `onError`).
   *
   * @throws the signal's reason if it aborts while waiting
   * @throws the close reason (a `ConnectionClosedError` if none was given) once the queue is closed
   */
  send(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (this.#isClosed) return Promise.reject(this.#closedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waitingCount === 0 && this.#fits(bytes.length)) {
      this.#enqueue(bytes);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        reject,
        signal,
        onAbort: () => {
          if (waiter.cancelled) return;
          waiter.cancelled = true;
          this.#waitingCount--;
          reject(signal!.reason);
          this.#admit(); // the next waiter may fit now
        },
        cancelled: false,
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#waitingCount++;
    });
  }

  /**
   * Queues `bytes` if there is room right now and no sender is waiting; returns false (and drops
   * them) otherwise.
   */
  trySend(bytes: Uint8Array): boolean {
    if (this.#isClosed || this.#waitingCount > 0 || !this.#fits(bytes.length)) return false;
    this.#enqueue(bytes);
    return true;
  }

  /**
   * Closes the queue: queued bytes are dropped, waiting senders rejected with `reason`. Does not
   * close or release the writer (the connection does). Idempotent.
   */
  close(reason: unknown): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#closed = reason;
    this.#disarm();
    this.#queue = [];
    this.#queuedBytes = 0;
    const waiters = this.#waiters.slice(this.#head);
    this.#waiters = [];
    this.#head = 0;
    this.#waitingCount = 0;
    for (const waiter of waiters) {
      if (waiter.cancelled) continue;
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.reject(this.#closedError());
    }
  }

  #closedError(): unknown {
    return this.#closed ?? new ConnectionClosedError("The connection is closed");
  }

  #fits(size: number): boolean {
    return this.#queuedBytes === 0 || this.#queuedBytes + size <= this.#options.maxBytes;
  }

  #enqueue(bytes: Uint8Array): void {
    this.#queue.push(bytes);
    if (this.#queuedBytes === 0) this.#progressAt = this.#options.clock.now();
    this.#queuedBytes += bytes.length;
    if (this.#timer === undefined) this.#arm(this.#options.stallTimeout);
    if (!this.#pumping) void this.#pump();
  }

  /** Lets waiting senders in, in order, while they fit. */
  #admit(): void {
    const waiters = this.#waiters;
    while (this.#head < waiters.length) {
      const waiter = waiters[this.#head];
      if (waiter.cancelled) {
        this.#head++;
        continue;
      }
      if (!this.#fits(waiter.bytes.length)) break;
      this.#head++;
      this.#waitingCount--;
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      this.#enqueue(waiter.bytes);
      waiter.resolve();
    }
    // Drop the consumed front now and then, so the line costs O(1) per sender.
    if (this.#head > 1024 && this.#head * 2 > waiters.length) {
      this.#waiters = waiters.slice(this.#head);
      this.#head = 0;
    }
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      await this.#gather();
      while (this.#queue.length > 0 && !this.#isClosed) {
        const chunk = this.#takeChunk();
        await this.#writer.write(chunk);
        if (this.#isClosed) return;
        this.#queuedBytes -= chunk.length;
        this.#progressAt = this.#options.clock.now();
        this.#admit();
      }
      // The stall timer is left to run out: it stops by itself when it finds the queue empty, so
      // a busy connection sets one timer per stall timeout, not one per write.
    } catch (error) {
      if (!this.#isClosed) this.#options.onError(error);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Lets more packages join the first write of a quiet queue: yields microtask turns until
   * `PUMP_IDLE_TURNS` pass with nothing new queued, a full write is waiting, or `PUMP_MAX_TURNS`
   * passed. The replies of one socket read are delivered in one run of microtasks, each setting
   * off a send some turns later, so the sends they cause share one write instead of one write
   * each; a lone send waits only the idle turns (microseconds, no timer).
   */
  async #gather(): Promise<void> {
    let idle = 0;
    let seen = this.#queue.length;
    for (let turn = 0; turn < PUMP_MAX_TURNS && idle < PUMP_IDLE_TURNS; turn++) {
      await undefined;
      const length = this.#queue.length;
      if (length === seen) {
        idle++;
        continue;
      }
      if (this.#queuedBytes >= WRITE_SLICE) return;
      seen = length;
      idle = 0;
    }
  }

  /** The next write: up to 64 KiB, small packages coalesced into one copy, large ones sliced. */
  #takeChunk(): Uint8Array {
    const first = this.#queue[0];
    if (first.length >= WRITE_SLICE) {
      if (first.length === WRITE_SLICE) return this.#queue.shift()!;
      this.#queue[0] = first.subarray(WRITE_SLICE);
      return first.subarray(0, WRITE_SLICE);
    }
    let count = 1;
    let size = first.length;
    while (count < this.#queue.length && size + this.#queue[count].length <= WRITE_SLICE) {
      size += this.#queue[count++].length;
    }
    if (count === 1) return this.#queue.shift()!;
    const chunk = new Uint8Array(size);
    let at = 0;
    for (const part of this.#queue.splice(0, count)) {
      chunk.set(part, at);
      at += part.length;
    }
    return chunk;
  }

  #arm(ms: number): void {
    this.#timer = this.#options.clock.setTimeout(() => this.#check(), ms);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#isClosed || this.#queuedBytes === 0) return;
    const idle = this.#options.clock.now() - this.#progressAt;
    if (idle < this.#options.stallTimeout) {
      this.#arm(this.#options.stallTimeout - idle);
      return;
    }
    const error = new PeerNotReadingError(idle, this.#queuedBytes);
    this.close(error);
    this.#options.onStall(error);
  }
}
