/**
 * `ES-LongPoll`: a forward read that finds nothing new waits until a commit touches the stream,
 * the wait runs out, the client goes away or the listener closes, whichever comes first.
 *
 * @module
 */

import type { Clock } from "../../clock.ts";
import type { CommitListener } from "../storage.ts";

/** Registers a commit listener and returns the function that removes it. */
export type CommitSource = (listener: CommitListener) => () => void;

/**
 * Resolves after the first commit `source` reports (e.g. `storage.onStreamCommit` bound to one
 * stream, or `storage.onCommit` for `$all`), after `ms`, or when a signal aborts. Never
 * rejects; leaves no listener or timer behind.
 */
export function waitForCommit(
  source: CommitSource,
  clock: Clock,
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
    const stop = source(() => done());
    const timer = clock.setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
