/**
 * The `ReadableStream` of events that reads and subscriptions return, with a `for await` that
 * takes events straight from their source.
 *
 * A `for await` over a standard stream goes, per event, through the stream's machinery: a read
 * request, a queue node (Deno keeps both in singly linked lists whose dequeued nodes keep their
 * `next` link, so a node that reached V8's old generation keeps the ones after it, and their
 * events, alive to young-generation collections until the next full one), and several promise
 * hops between the source and the loop. A `for await` over an {@linkcode EventStream} takes the
 * next event from its source directly: one promise and one result object per event, nothing
 * linked. Everything else (`getReader()`, `pipeTo()`, `tee()`) is the standard stream, pulling
 * one event at a time from the same source.
 *
 * @module
 */

import type { ResolvedEvent } from "./resolved_event.ts";

/** Where an {@linkcode EventStream} takes its events from, one at a time. */
export interface EventSource {
  /**
   * The next event, or a promise of it, or `undefined` (or a promise of it) at the end. Throws
   * (or rejects) with the error that ends the stream; once ended, keeps answering the same way.
   */
  take(): ResolvedEvent | undefined | Promise<ResolvedEvent | undefined>;
  /** The consumer gave up (cancelled the stream, left a `for await` loop early). */
  cancel(reason: unknown): void | Promise<void>;
}

/**
 * The underlying source that feeds a standard stream (no queue: `highWaterMark` 0) from an
 * {@linkcode EventSource}, one event per pull.
 */
class PullingSource implements UnderlyingDefaultSource<ResolvedEvent> {
  /** Where the events come from. */
  readonly source: EventSource;
  /** True once the standard stream has pulled: from then on, `for await` reads it too. */
  pulled = false;

  /** Pulls from `source`. */
  constructor(source: EventSource) {
    this.source = source;
  }

  /** Takes one event for a read of the standard stream. */
  pull(controller: ReadableStreamDefaultController<ResolvedEvent>): void | Promise<void> {
    this.pulled = true;
    const taken = this.source.take();
    if (taken instanceof Promise) {
      return taken.then((event) => deliver(controller, event));
    }
    deliver(controller, taken);
  }

  /** The standard stream was cancelled. */
  cancel(reason: unknown): void | Promise<void> {
    return this.source.cancel(reason);
  }
}

function deliver(
  controller: ReadableStreamDefaultController<ResolvedEvent>,
  event: ResolvedEvent | undefined,
): void {
  if (event === undefined) controller.close();
  else controller.enqueue(event);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The iterator of a `for await` over an {@linkcode EventStream}: it holds the stream's lock (so
 * `getReader()` fails meanwhile, as with any stream) and takes from the source directly. Calls to
 * `next()` made while one is pending run after it, in order; `return()` cancels the stream
 * unless `preventCancel` was asked for.
 */
class EventIterator implements AsyncIterableIterator<ResolvedEvent> {
  readonly #source: EventSource;
  readonly #reader: ReadableStreamDefaultReader<ResolvedEvent>;
  readonly #preventCancel: boolean;
  #done = false;
  #ongoing: Promise<unknown> | undefined;

  constructor(
    source: EventSource,
    reader: ReadableStreamDefaultReader<ResolvedEvent>,
    preventCancel: boolean,
  ) {
    this.#source = source;
    this.#reader = reader;
    this.#preventCancel = preventCancel;
  }

  next(): Promise<IteratorResult<ResolvedEvent, undefined>> {
    const ongoing = this.#ongoing;
    if (ongoing === undefined) return this.#step();
    return this.#track(ongoing.then(() => this.#step(), () => this.#step()));
  }

  async return(value?: unknown): Promise<IteratorResult<ResolvedEvent, undefined>> {
    const ongoing = this.#ongoing;
    if (ongoing !== undefined) await ongoing.catch(() => {});
    if (!this.#done) {
      this.#done = true;
      const reader = this.#reader;
      if (this.#preventCancel) reader.releaseLock();
      else {
        const cancelled = reader.cancel(value);
        reader.releaseLock();
        await cancelled;
      }
    }
    return { done: true, value: value as undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #step(): Promise<IteratorResult<ResolvedEvent, undefined>> {
    if (this.#done) return Promise.resolve(DONE);
    let taken;
    try {
      taken = this.#source.take();
    } catch (error) {
      this.#release();
      return Promise.reject(error);
    }
    if (taken instanceof Promise) {
      return this.#track(taken.then((event) => this.#result(event), (error) => {
        this.#release();
        throw error;
      }));
    }
    return Promise.resolve(this.#result(taken));
  }

  #result(event: ResolvedEvent | undefined): IteratorResult<ResolvedEvent, undefined> {
    if (event === undefined) {
      this.#release();
      return DONE;
    }
    return { done: false, value: event };
  }

  /** Remembers `pending` as the call the next ones wait for, until it settles. */
  #track<T>(pending: Promise<T>): Promise<T> {
    this.#ongoing = pending;
    const clear = () => {
      if (this.#ongoing === pending) this.#ongoing = undefined;
    };
    pending.then(clear, clear);
    return pending;
  }

  /** The end (or an error): the stream is unlocked, as a standard iterator leaves it. */
  #release(): void {
    if (this.#done) return;
    this.#done = true;
    this.#reader.releaseLock();
  }
}

/**
 * The `values()` of a stream built on `pulling`: an iterator that takes events from the source
 * directly, or `standard()` (the stream's own iterator) once the stream has been read through
 * a reader (an event may be waiting in its queue).
 *
 * @throws {TypeError} when the stream is locked
 */
function eventValues(
  stream: ReadableStream<ResolvedEvent>,
  pulling: PullingSource,
  options: ReadableStreamIteratorOptions | undefined,
  standard: () => AsyncIterableIterator<ResolvedEvent>,
): AsyncIterableIterator<ResolvedEvent> {
  if (pulling.pulled) return standard();
  const reader = stream.getReader();
  return new EventIterator(pulling.source, reader, options?.preventCancel === true);
}

/**
 * A stream of events over an {@linkcode EventSource}: a standard `ReadableStream` (no queue of
 * its own: each read takes one event), whose `for await` takes events from the source without
 * going through the stream's internals (see the module documentation for why).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventStream } from "./event_stream.ts";
 * const empty = new EventStream({ take: () => undefined, cancel: () => {} });
 * for await (const _ of empty) throw new Error("unreachable");
 * assert.equal(empty.locked, false);
 * ```
 */
export class EventStream extends ReadableStream<ResolvedEvent> {
  readonly #pulling: PullingSource;

  /** Reads from `source`. */
  constructor(source: EventSource) {
    const pulling = new PullingSource(source);
    super(pulling, { highWaterMark: 0 });
    this.#pulling = pulling;
  }

  /**
   * Iterates the events, taking them from the source directly (see {@linkcode eventValues}).
   *
   * @throws {TypeError} when the stream is locked
   */
  override values(options?: ReadableStreamIteratorOptions): AsyncIterableIterator<ResolvedEvent> {
    return eventValues(this, this.#pulling, options, () => super.values(options));
  }

  /** Same as {@linkcode EventStream.values}. */
  override [Symbol.asyncIterator](
    options?: ReadableStreamIteratorOptions,
  ): AsyncIterableIterator<ResolvedEvent> {
    return this.values(options);
  }
}
