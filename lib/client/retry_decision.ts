/**
 * What happens to an operation after each thing that can happen to it, as one pure function:
 * {@linkcode decide} maps the operation's state, its latest {@linkcode Decision} (or the loss of
 * its connection) and the {@linkcode RetryPolicy} to one {@linkcode Action}. The executor applies
 * the action and owns no retry logic of its own. The predicates saying which failures are worth
 * another attempt live here, beside the decision that uses them.
 *
 * @module
 */

import {
  AuthenticationError,
  ConnectionClosedError,
  NotHandledError,
  OperationTimeoutError,
  ProtocolError,
  RetriesExhaustedError,
  TlsCertificateError,
  WrongPortError,
} from "../errors.ts";
import type { LeaderEndpoints } from "./leader_info.ts";
import type { Decision } from "./operation.ts";

/** The resolved retry settings (see `settings.ts`). */
export interface RetryPolicy {
  /** Re-sends allowed per operation (`Infinity` for forever). */
  readonly maxRetries: number;
  /** Pause before re-sending after NotHandled NotReady/TooBusy, in ms. */
  readonly retryDelay: number;
}

/** What {@linkcode decide} needs to know about the operation. */
export interface OperationFacts {
  /** The operation's name, for errors. */
  readonly name: string;
  /** Sends so far (the attempt that just ended included). */
  readonly attempts: number;
  /** A confirmed subscription, attached to the connection that carried it. */
  readonly attached: boolean;
  /** An attached subscription that is re-sent after its connection is lost. */
  readonly resubscribes: boolean;
  /** The executor is closing: nothing is re-sent. */
  readonly closing: boolean;
}

/** What happened: the operation's own decision, or the loss of the connection carrying it. */
export type Outcome = Decision | { readonly kind: "lost"; readonly error: Error };

/** What the executor does next with the operation. */
export type Action =
  /** Nothing: it stays where it is (a reply or more events are still to come). */
  | { readonly kind: "keep" }
  /** A subscription was confirmed: it stays on its connection without a deadline. */
  | { readonly kind: "attach" }
  /** It settled itself: forget it. */
  | { readonly kind: "forget" }
  /** Fail it with `error` and forget it. */
  | { readonly kind: "fail"; readonly error: Error }
  /** Queue it for the next connection (at once if there is one). */
  | { readonly kind: "requeue" }
  /** Queue it again after `delay` ms. */
  | { readonly kind: "retry-after"; readonly delay: number }
  /** Move the client to the leader, then re-send it there. */
  | { readonly kind: "redirect"; readonly leader: LeaderEndpoints };

const KEEP: Action = { kind: "keep" };
const ATTACH: Action = { kind: "attach" };
const FORGET: Action = { kind: "forget" };
const REQUEUE: Action = { kind: "requeue" };

/**
 * The next action for an operation.
 *
 * - `complete`/`continue`/`confirmed` forget, keep or attach it.
 * - A closing executor fails whatever is left with `ConnectionClosedError`.
 * - An attached subscription whose connection is lost is queued for the next connection when it
 *   `resubscribes` (volatile, persistent); otherwise, or when it is told to retry, it fails with
 *   that error (a catch-up subscription resumes by itself).
 * - A failure {@linkcode isRetriable} says no to fails with its error.
 * - When `maxRetries` re-sends were made it fails with `RetriesExhaustedError` (with 0 retries,
 *   the attempt's own error: there is nothing "exhausted").
 * - Otherwise NotLeader with the leader's endpoint redirects, NotHandled waits `retryDelay`, and
 *   a lost connection queues it for the next one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decide } from "./retry_decision.ts";
 * import { NotHandledError } from "../errors.ts";
 * const action = decide(
 *   { name: "WriteEvents", attempts: 1, attached: false, resubscribes: false, closing: false },
 *   { kind: "retry", error: new NotHandledError("TooBusy") },
 *   { maxRetries: 10, retryDelay: 200 },
 * );
 * assert.deepEqual(action, { kind: "retry-after", delay: 200 });
 * ```
 */
export function decide(facts: OperationFacts, outcome: Outcome, policy: RetryPolicy): Action {
  switch (outcome.kind) {
    case "complete":
      return FORGET;
    case "continue":
      return KEEP;
    case "confirmed":
      return ATTACH;
  }
  const error = outcome.error;
  if (facts.closing) {
    return {
      kind: "fail",
      error: error instanceof ConnectionClosedError
        ? error
        : new ConnectionClosedError("The connection is closed", { cause: error }),
    };
  }
  if (facts.attached && facts.resubscribes && outcome.kind === "lost") return REQUEUE;
  if (facts.attached || !isRetriable(error)) return { kind: "fail", error };
  if (facts.attempts > policy.maxRetries) {
    return {
      kind: "fail",
      error: policy.maxRetries === 0
        ? error
        : new RetriesExhaustedError(facts.name, facts.attempts, { cause: error }),
    };
  }
  switch (outcome.kind) {
    case "redirect":
      return { kind: "redirect", leader: outcome.leader };
    case "retry":
      return { kind: "retry-after", delay: policy.retryDelay };
    case "lost":
      return REQUEUE;
  }
}

/**
 * Whether a failed operation may be sent again on a (new) connection, following the .NET client
 * (docs/protocol.md §6.2): a lost connection, a timed-out attempt, a malformed frame (the
 * connection is dropped, the request may be re-sent), a transient socket error and NotHandled for
 * NotReady, TooBusy or NotLeader are retriable; domain answers (wrong expected version, access
 * denied, …), `IsReadOnly` and misuse errors are not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRetriable } from "./retry_decision.ts";
 * import { NotHandledError, WrongExpectedVersionError } from "../errors.ts";
 * assert.deepEqual(isRetriable(new NotHandledError("TooBusy")), true);
 * assert.deepEqual(isRetriable(new WrongExpectedVersionError("s", 1n, 2n)), false);
 * ```
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof NotHandledError) return error.reason !== "IsReadOnly";
  return error instanceof ConnectionClosedError || error instanceof OperationTimeoutError ||
    error instanceof ProtocolError || isTransientNetworkError(error);
}

/**
 * Whether an error thrown by a socket operation (`Deno.connect`, a read or a write) is a transient
 * network condition (refused, reset, aborted, broken pipe, timed out, unexpected end) after which
 * connecting again makes sense.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTransientNetworkError } from "./retry_decision.ts";
 * assert.deepEqual(isTransientNetworkError(new Deno.errors.ConnectionRefused("refused")), true);
 * assert.deepEqual(isTransientNetworkError(new TypeError("bad host")), false);
 * ```
 */
export function isTransientNetworkError(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.TimedOut ||
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.UnexpectedEof;
}

/**
 * Whether a failed connection attempt is worth another: not misuse (a bad option, an unreadable
 * CA file: `TypeError`/`RangeError`), not a missing `--allow-net`, not an untrusted certificate,
 * not a peer that speaks another protocol (TLS, HTTP) and not rejected credentials. A DNS name
 * that does not resolve is retried: in containers names appear late.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRetriableDial } from "./retry_decision.ts";
 * assert.deepEqual(isRetriableDial(new Deno.errors.ConnectionRefused("refused")), true);
 * assert.deepEqual(isRetriableDial(new TypeError("bad CA file")), false);
 * ```
 */
export function isRetriableDial(error: unknown): boolean {
  return !(error instanceof TypeError || error instanceof RangeError ||
    error instanceof TlsCertificateError || error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable || error instanceof WrongPortError ||
    error instanceof AuthenticationError);
}
