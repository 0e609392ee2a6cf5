/**
 * Paging with one page of read-ahead: a pull-based `ReadableStream` that requests the next page as
 * soon as the current one arrives, so the round trip overlaps the consumer's work on the current
 * page. Never more than one page is requested or held ahead of the one being consumed, so memory
 * stays bounded by two pages however long the stream is. Cancelling the stream aborts the read in
 * flight and stops paging.
 *
 * @module
 */

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

/** Reads the page starting at `cursor`. */
export type PageReader<C> = (cursor: C, signal: AbortSignal) => Promise<Page<C>>;

/**
 * Builds a stream that pages with `readPage` from `start`, one page ahead of the consumer.
 *
 * @example
 * ```ts
 * import { pagedStream } from "./read_iterator.ts";
 * const empty = pagedStream(0, () => Promise.resolve({ events: [], next: 0, done: true }));
 * for await (const _ of empty) throw new Error("unreachable");
 * ```
 */
export function pagedStream<C>(start: C, readPage: PageReader<C>): ReadableStream<ResolvedEvent> {
  const abort = new AbortController();
  let cursor = start;
  let done = false;
  /** The page after the one being consumed, requested when that one arrived. */
  let ahead: Promise<Page<C>> | undefined;
  const request = (): Promise<Page<C>> => {
    const page = readPage(cursor, abort.signal);
    // Awaited by the next pull; until then (or if the stream is cancelled first) a failure must
    // not count as unhandled.
    page.catch(() => {});
    return page;
  };
  return new ReadableStream<ResolvedEvent>(
    {
      async pull(controller) {
        // Empty pages that are not the end (e.g. a window below $maxCount) are skipped.
        while (!done) {
          const page = await (ahead ?? request());
          ahead = undefined;
          if (done) return; // cancelled while the page was on its way
          cursor = page.next;
          done = page.done;
          if (!done) ahead = request();
          for (const event of page.events) controller.enqueue(event);
          if (page.events.length > 0) break;
        }
        if (done) controller.close();
      },
      cancel(reason) {
        done = true;
        ahead = undefined;
        abort.abort(reason ?? new DOMException("The iteration was cancelled", "AbortError"));
      },
    },
    // The queue holds the current page; the page ahead waits in `ahead` until it is pulled.
    { highWaterMark: 0 },
  );
}
