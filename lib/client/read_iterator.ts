/**
 * Lazy paging: a pull-based `ReadableStream` that reads one page only when the consumer has taken
 * every event of the previous one, so memory stays bounded by the page size however long the
 * stream is. Cancelling the stream aborts the read in flight and stops paging.
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
 * Builds a stream that pages with `readPage` from `start`.
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
  return new ReadableStream<ResolvedEvent>(
    {
      async pull(controller) {
        // Empty pages that are not the end (e.g. a window below $maxCount) are skipped.
        while (!done) {
          const page = await readPage(cursor, abort.signal);
          cursor = page.next;
          done = page.done;
          for (const event of page.events) controller.enqueue(event);
          if (page.events.length > 0) break;
        }
        if (done) controller.close();
      },
      cancel(reason) {
        done = true;
        abort.abort(reason ?? new DOMException("The iteration was cancelled", "AbortError"));
      },
    },
    // Nothing is read ahead: a page is fetched only when the consumer asks for more.
    { highWaterMark: 0 },
  );
}
