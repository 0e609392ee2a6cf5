/**
 * Why a subscription ended: the drop reasons of docs/protocol.md §4.13/§4.14 plus the client-side
 * ones (connection lost, consumer too slow), the {@linkcode SubscriptionDroppedError} a
 * subscription's stream errors with ({@linkcode AccessDeniedError} for a refusal, as reads), and the mappings from wire reasons and errors to them.
 *
 * @module
 */

import { SubscriptionDropped_SubscriptionDropReason as WireReason } from "../../../gen/client_messages_pb.ts";
import {
  AccessDeniedError,
  ConnectionClosedError,
  type DropReason,
  NotAuthenticatedError,
  StreamDeletedError,
  StreamNotFoundError,
  SubscriptionDroppedError,
} from "../../errors.ts";

/** How a subscription ended: the reason and, except for `"unsubscribed"`, the error behind it. */
export interface SubscriptionDrop {
  /** Why it ended. */
  readonly reason: DropReason;
  /** What went wrong, when something did. */
  readonly error?: Error;
}

/** Maps the reason of a `SubscriptionDropped` package. */
export function fromWireReason(reason: number): DropReason {
  switch (reason) {
    case WireReason.Unsubscribed:
      return "unsubscribed";
    case WireReason.AccessDenied:
      return "access-denied";
    case WireReason.NotFound:
      return "not-found";
    case WireReason.PersistentSubscriptionDeleted:
      return "persistent-subscription-deleted";
    case WireReason.SubscriberMaxCountReached:
      return "subscriber-max-count-reached";
    default:
      return "server-error";
  }
}

/** Maps an error that ended a subscription (or one of its reads) to a drop reason. */
export function reasonOf(error: Error): DropReason {
  if (error instanceof SubscriptionDroppedError) return error.reason;
  if (error instanceof ConnectionClosedError) return "connection-lost";
  if (error instanceof AccessDeniedError) return "access-denied";
  if (error instanceof NotAuthenticatedError) return "not-authenticated";
  if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) {
    return "not-found";
  }
  return "server-error";
}

/**
 * The error a subscription rejects or errors with: {@linkcode AccessDeniedError} (with
 * `dropReason: "access-denied"`) for a refusal, the same class reads use, else a
 * {@linkcode SubscriptionDroppedError} carrying the reason.
 */
export function dropError(
  reason: DropReason,
  stream: string,
  options?: { cause?: unknown },
): AccessDeniedError | SubscriptionDroppedError {
  if (reason === "access-denied") {
    const cause = options?.cause;
    if (cause instanceof AccessDeniedError && cause.dropReason !== undefined) return cause;
    return new AccessDeniedError(stream, "subscribe to", { cause, dropReason: reason });
  }
  return new SubscriptionDroppedError(reason, stream, options);
}

/**
 * The error a subscribe call rejects with when its operation failed before the confirmation:
 * the caller's abort reason, or a refusal (`SubscriptionDroppedError`, `AccessDeniedError`) or
 * `ConnectionClosedError` (a closed client) as it came; anything else becomes the drop error of
 * the reason the subscription ended with (`dropped`), with it as the cause.
 */
export async function startFailure(
  error: unknown,
  signal: AbortSignal | undefined,
  dropped: Promise<SubscriptionDrop>,
  stream: string,
): Promise<unknown> {
  if (signal?.aborted && signal.reason === error) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  if (
    cause instanceof SubscriptionDroppedError || cause instanceof AccessDeniedError ||
    cause instanceof ConnectionClosedError
  ) {
    return cause;
  }
  return dropError((await dropped).reason, stream, { cause });
}
