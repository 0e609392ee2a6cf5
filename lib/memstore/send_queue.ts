/**
 * A session's outgoing bytes: a bounded queue that coalesces small packages into writes of up to
 * {@linkcode MAX_WRITE_CHUNK} bytes (docs/protocol.md §4.1). The first write after a quiet spell
 * waits for the current synchronous work to finish, so the replies queued together leave
 * together.
 *
 * The bounds are checked as the real server's `TcpConnectionManager` checks them: against what is
 * already waiting, before the new package joins it. Neither the package being written to the
 * transport nor the largest one waiting count against the byte bound, so any one reply of any
 * size (up to the maximum package size and beyond) is always sent; a peer that stops reading is
 * cut once the rest of what waits passes the bound.
 *
 * @module
 */

/** Largest chunk handed to the transport in one write (several packages are coalesced). */
export const MAX_WRITE_CHUNK = 256 * 1024;

/** Where a {@linkcode SendQueue} writes (a `WritableStreamDefaultWriter` is one). */
export interface ChunkSink {
  /** Writes all of `chunk`; resolves once the transport took it, rejects if it failed. */
  write(chunk: Uint8Array): Promise<void>;
}

/** Bounds of a {@linkcode SendQueue}. */
export interface SendQueueBounds {
  /** More packages than this waiting closes the connection (server: 50 000). */
  readonly maxPackages: number;
  /**
   * More bytes than this waiting, besides the largest package, closes the connection (server:
   * 10 MiB).
   */
  readonly maxBytes: number;
}

/**
 * Queues encoded packages and writes them in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SendQueue } from "./send_queue.ts";
 * const chunks: Uint8Array[] = [];
 * const sink = new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c) });
 * const queue = new SendQueue(sink.getWriter(), { maxPackages: 10, maxBytes: 1024 });
 * queue.push(new Uint8Array(3));
 * await queue.idle();
 * assert.deepEqual(chunks.length, 1);
 * ```
 */
export class SendQueue {
  readonly #writer: ChunkSink;
  readonly #bounds: SendQueueBounds;
  #queue: Uint8Array[] = [];
  #head = 0;
  #waitingBytes = 0;
  #inFlightBytes = 0;
  #largestSinceEmpty = 0;
  #peakBytes = 0;
  #peakPackages = 0;
  #pumping: Promise<void> | null = null;
  /** Size of the first package while the write that will take it has not started, else -1. */
  #startingBytes = -1;
  #failed: unknown = undefined;
  #closed = false;

  /** Writes to `writer` within `bounds`. */
  constructor(writer: ChunkSink, bounds: SendQueueBounds) {
    this.#writer = writer;
    this.#bounds = bounds;
  }

  /** Bytes queued and not yet written (including the write in progress). */
  get queuedBytes(): number {
    return this.#waitingBytes + this.#inFlightBytes;
  }

  /** The most bytes that ever waited. */
  get peakQueuedBytes(): number {
    return this.#peakBytes;
  }

  /** The most packages that ever waited. */
  get peakQueuedPackages(): number {
    return this.#peakPackages;
  }

  /** Packages waiting to be written. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** True while nothing waits and nothing is being written. */
  get empty(): boolean {
    return this.#pumping === null && this.length === 0;
  }

  /**
   * Queues one encoded package. Returns null, or the server's reason text when the bytes or
   * packages already waiting pass a bound (the caller closes the connection; nothing is queued).
   */
  push(bytes: Uint8Array): string | null {
    if (this.#closed) return null;
    // Until the deferred first write starts, its first package counts as being written (as it
    // would be had the write started at once).
    const starting = this.#startingBytes >= 0 ? 1 : 0;
    const waiting = this.length - starting;
    if (waiting >= this.#bounds.maxPackages) {
      return `Connection queue size is too large: ${waiting + 1}.`;
    }
    const waitingBytes = this.#waitingBytes - (starting ? this.#startingBytes : 0);
    // The largest package queued since the queue was last empty stands for the largest waiting
    // (it may have left already: the count is then low by at most one package).
    const counted = waitingBytes - Math.min(this.#largestSinceEmpty, waitingBytes);
    if (counted > this.#bounds.maxBytes) {
      return `Connection pending send bytes is too large: ${waitingBytes}.`;
    }
    this.#queue.push(bytes);
    this.#waitingBytes += bytes.length;
    if (this.queuedBytes > this.#peakBytes) this.#peakBytes = this.queuedBytes;
    if (waiting + 1 > this.#peakPackages) this.#peakPackages = waiting + 1;
    if (this.#pumping === null) {
      this.#startingBytes = bytes.length;
      this.#pumping = this.#pump();
    } else if (bytes.length > this.#largestSinceEmpty) {
      this.#largestSinceEmpty = bytes.length;
    }
    return null;
  }

  /** Resolves once everything queued so far was written (or the transport failed). */
  async idle(): Promise<void> {
    while (this.#pumping) await this.#pumping;
  }

  /** Rejects with the transport's error if a write failed, else resolves like `idle`. */
  async flushed(): Promise<void> {
    await this.idle();
    if (this.#failed !== undefined) throw this.#failed;
  }

  /** Drops everything waiting and stops writing. */
  clear(): void {
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    this.#waitingBytes = 0;
    this.#largestSinceEmpty = 0;
    this.#startingBytes = -1;
  }

  async #pump(): Promise<void> {
    try {
      // Start writing on a later microtask: the replies to all the packages of one socket chunk
      // are queued synchronously, so they leave in one write instead of the first alone.
      await undefined;
      this.#startingBytes = -1;
      while (this.length > 0 && !this.#closed) {
        const chunk = this.#takeChunk();
        this.#inFlightBytes = chunk.length;
        try {
          await this.#writer.write(chunk);
        } finally {
          this.#inFlightBytes = 0;
        }
      }
    } catch (error) {
      this.#failed = error;
      this.clear();
    } finally {
      this.#pumping = null;
    }
  }

  #shift(): Uint8Array {
    const bytes = this.#queue[this.#head++];
    this.#waitingBytes -= bytes.length;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      this.#largestSinceEmpty = 0;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return bytes;
  }

  #takeChunk(): Uint8Array {
    const first = this.#queue[this.#head];
    if (this.length === 1 || first.length >= MAX_WRITE_CHUNK) return this.#shift();
    let count = 0;
    let size = 0;
    while (
      count < this.length && size + this.#queue[this.#head + count].length <= MAX_WRITE_CHUNK
    ) {
      size += this.#queue[this.#head + count].length;
      count++;
    }
    const chunk = new Uint8Array(size);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const part = this.#shift();
      chunk.set(part, offset);
      offset += part.length;
    }
    return chunk;
  }
}
