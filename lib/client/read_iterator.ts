/**
 * Paging with one page of read-ahead: an `EventStream` (./event_stream.ts) that requests the next page as
 * soon as the current one arrives, so the round trip overlaps the consumer's work on the current
 * page. Never more than one page is requested or held ahead of the one being consumed, so memory
 * stays bounded by two pages however long the stream is. Cancelling the stream aborts the read in
 * flight and stops paging. A page too large for one frame (`FrameTooLargeError`: several large
 * events) is read again with fewer events.
 *
 * @module
 */

import { FrameTooLargeError } from "../errors.ts";
import { withOrigin } from "./operation.ts";
import { type EventSource, EventStream } from "./event_stream.ts";
import type { ResolvedEvent } from "./resolved_event.ts";

/** One page and whether it was the last. */
export interface Page<C> {
  /** The events of the page. */
  readonly events: readonly ResolvedEvent[];
  /** Where the next page starts. */
  readonly next: C;
  /** True when no page follows. */
  readonly done: boolean;
}

/** Reads the page of at most `count` events starting at `cursor`. */
export type PageReader<C> = (cursor: C, count: number, signal: AbortSignal) => Promise<Page<C>>;

/**
 * The page size of a paging reader: halved after a page came back too large for one frame (the
 * server sends a page of several large events anyway, and the client skips it unread), grown
 * back, doubling, after each page that fit, never above the size asked for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PageSize } from "./read_iterator.ts";
 * const size = new PageSize(100);
 * size.shrink(); // true: 50
 * size.fitted(); // 100 again
 * assert.deepEqual(size.current, 100);
 * ```
 */
export class PageSize {
  readonly #max: number;
  #current: number;

  /** Starts at `max` events. */
  constructor(max: number) {
    this.#max = max;
    this.#current = max;
  }

  /** The number of events to ask for next. */
  get current(): number {
    return this.#current;
  }

  /** After a page too large for a frame: false when it was one event already (nothing to shrink). */
  shrink(): boolean {
    if (this.#current === 1) return false;
    this.#current = Math.max(1, Math.floor(this.#current / 2));
    return true;
  }

  /** After a page that fit. */
  fitted(): void {
    this.#current = Math.min(this.#max, this.#current * 2);
  }

  /**
   * Reads with `read(count)`, shrinking and reading again while the page is too large.
   *
   * @throws {FrameTooLargeError} when even one event does not fit a frame
   */
  async read<T>(read: (count: number) => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const page = await read(this.#current);
        this.fitted();
        return page;
      } catch (error) {
        if (!(error instanceof FrameTooLargeError) || !this.shrink()) throw error;
      }
    }
  }
}

/**
 * Builds a stream that pages with `readPage` from `start`, one page ahead of the consumer,
 * `batchSize` events at a time (fewer while pages come back too large for a frame).
 *
 * @example
 * ```ts
 * import { pagedStream } from "./read_iterator.ts";
 * const empty = pagedStream(0, 100, () => Promise.resolve({ events: [], next: 0, done: true }));
 * for await (const _ of empty) throw new Error("unreachable");
 * ```
 */
export function pagedStream<C>(
  start: C,
  batchSize: number,
  readPage: PageReader<C>,
): ReadableStream<ResolvedEvent> {
  return new EventStream(new PagedSource(start, batchSize, readPage));
}

/**
 * The pages of a paged read, handed out one event at a time: the page being consumed (kept as
 * the reader's array, no copy) and the one requested ahead of it.
 */
class PagedSource<C> implements EventSource {
  // Errors surface in a later read, far from the caller: they carry the stack of the call that
  // made the stream (`iter()`, `iterAll()`), as operations carry theirs.
  readonly #origin = new Error("origin");
  readonly #abort = new AbortController();
  readonly #size: PageSize;
  readonly #readPage: PageReader<C>;
  #cursor: C;
  /** True once the last page was read (or the stream was cancelled). */
  #done = false;
  /** The error that ended the stream, answered again to any later read. */
  #failure: unknown = undefined;
  #failed = false;
  /** The page after the one being consumed, requested when that one arrived. */
  #ahead: Promise<Page<C>> | undefined;
  /** The page being consumed and the index of its next event. */
  #events: readonly ResolvedEvent[] = [];
  #index = 0;

  constructor(start: C, batchSize: number, readPage: PageReader<C>) {
    this.#cursor = start;
    this.#size = new PageSize(batchSize);
    this.#readPage = readPage;
  }

  take(): ResolvedEvent | undefined | Promise<ResolvedEvent | undefined> {
    const events = this.#events;
    if (this.#index < events.length) return events[this.#index++];
    if (this.#failed) throw this.#failure;
    // Drop the consumed page before waiting for the next one.
    this.#events = [];
    this.#index = 0;
    if (this.#done) return undefined;
    return this.#nextPage();
  }

  cancel(reason: unknown): void {
    this.#done = true;
    this.#ahead = undefined;
    this.#events = [];
    this.#abort.abort(reason ?? new DOMException("The iteration was cancelled", "AbortError"));
  }

  async #nextPage(): Promise<ResolvedEvent | undefined> {
    // Empty pages that are not the end (e.g. a window below $maxCount) are skipped.
    while (!this.#done) {
      let page: Page<C>;
      try {
        page = await (this.#ahead ?? this.#request());
      } catch (error) {
        this.#failed = true;
        this.#failure = error instanceof Error ? withOrigin(error, this.#origin) : error;
        this.#done = true;
        this.#ahead = undefined;
        throw this.#failure;
      }
      this.#ahead = undefined;
      if (this.#done) return undefined; // cancelled while the page was on its way
      this.#cursor = page.next;
      this.#done = page.done;
      if (!this.#done) this.#ahead = this.#request();
      if (page.events.length > 0) {
        this.#events = page.events;
        this.#index = 1;
        return page.events[0];
      }
    }
    return undefined;
  }

  #request(): Promise<Page<C>> {
    const from = this.#cursor;
    const signal = this.#abort.signal;
    const page = this.#size.read((count) => this.#readPage(from, count, signal));
    // Awaited by the next read; until then (or if the stream is cancelled first) a failure must
    // not count as unhandled.
    page.catch(() => {});
    return page;
  }
}
