/**
 * `ES-LongPoll`: a forward read that finds nothing new waits until a commit touches the stream,
 * the wait runs out, the client goes away or the listener closes, whichever comes first.
 *
 * @module
 */

import type { Clock } from "../../clock.ts";
import type { MemoryStorage, StoredEvent } from "../storage.ts";

/**
 * Resolves after the first commit with a record `matches` accepts, after `ms`, or when a signal
 * aborts. Never rejects; leaves no listener or timer behind.
 */
export function waitForCommit(
  storage: MemoryStorage,
  clock: Clock,
  matches: (event: StoredEvent) => boolean,
  ms: number,
  signals: readonly AbortSignal[],
): Promise<void> {
  return new Promise((resolve) => {
    const signal = AbortSignal.any([...signals]);
    if (signal.aborted) return resolve();
    const done = () => {
      clock.clearTimeout(timer);
      stop();
      signal.removeEventListener("abort", done);
      resolve();
    };
    const stop = storage.onCommit((events) => {
      if (events.some(matches)) done();
    });
    const timer = clock.setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
