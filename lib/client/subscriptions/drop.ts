/**
 * Why a subscription ended: the drop reasons of PROTOCOL.md §4.13/§4.14 plus the client-side
 * ones (connection lost, consumer too slow), the {@linkcode SubscriptionDroppedError} a
 * subscription's stream errors with, and the mappings from wire reasons and errors to them.
 *
 * @module
 */

import { SubscriptionDropped_SubscriptionDropReason as WireReason } from "../../../gen/client_messages_pb.ts";
import {
  AccessDeniedError,
  ConnectionClosedError,
  NotAuthenticatedError,
  PhotonPumpError,
  type PhotonPumpErrorOptions,
  StreamDeletedError,
  StreamNotFoundError,
} from "../../errors.ts";

/** Why a subscription ended. */
export type DropReason =
  /** `unsubscribe()`, a cancelled stream, or the server's `Unsubscribed`. */
  | "unsubscribed"
  /** The credentials may not read the stream. */
  | "access-denied"
  /** The server rejected the credentials. */
  | "not-authenticated"
  /** The stream (catch-up) or the persistent subscription group does not exist. */
  | "not-found"
  /** The persistent subscription group was deleted. */
  | "persistent-subscription-deleted"
  /** The persistent subscription group has its maximum number of subscribers. */
  | "subscriber-max-count-reached"
  /** The connection closed and no reconnection followed. */
  | "connection-lost"
  /** The consumer fell behind and the subscription's bounded buffer overflowed. */
  | "consumer-too-slow"
  /** The server answered with an error (BadRequest, a failed read, a malformed package). */
  | "server-error";

/** How a subscription ended: the reason and, except for `"unsubscribed"`, the error behind it. */
export interface SubscriptionDrop {
  /** Why it ended. */
  readonly reason: DropReason;
  /** What went wrong, when something did. */
  readonly error?: Error;
}

/**
 * A subscription was dropped for a reason other than unsubscribing. A subscription's stream
 * errors with it once the events received before the drop have been delivered.
 *
 * @example
 * ```ts
 * import { SubscriptionDroppedError } from "./drop.ts";
 * const error = new SubscriptionDroppedError("consumer-too-slow", "orders");
 * console.log(error.message); // Subscription to "orders" dropped: consumer-too-slow
 * ```
 */
export class SubscriptionDroppedError extends PhotonPumpError {
  /** Why the subscription was dropped. */
  readonly reason: DropReason;
  /** The subscribed stream (`"$all"` for `$all`). */
  readonly stream: string;
  /** Creates the error. */
  constructor(reason: DropReason, stream: string, options?: PhotonPumpErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`Subscription to "${stream}" dropped: ${reason}${cause}`, options);
    this.reason = reason;
    this.stream = stream;
  }
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
