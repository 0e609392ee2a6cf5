/**
 * What subscriptions need from the thing that runs operations: besides `execute`, sending more
 * packages with a running operation's correlation id (unsubscribe, ack, nak) and forgetting an
 * operation that ended on its own. {@linkcode Connection} provides both; so must a reconnecting
 * executor that wants to serve subscriptions.
 *
 * @module
 */

import type { Connection, OperationExecutor } from "../connection.ts";
import type { Operation, OutgoingRequest } from "../operation.ts";

/** An {@linkcode OperationExecutor} that can also talk on behalf of a running operation. */
export interface SubscriptionExecutor extends OperationExecutor {
  /** Sends one more package with the operation's correlation id. */
  sendFor(operation: Operation<unknown>, request: OutgoingRequest): Promise<void>;
  /** Forgets a running operation without failing it. */
  release(operation: Operation<unknown>): void;
}

/**
 * Checks that `executor` can serve subscriptions.
 *
 * @throws {TypeError} if it cannot send packages for a running operation
 *
 * @example
 * ```ts ignore
 * const executor = subscriptionExecutor(connection);
 * ```
 */
export function subscriptionExecutor(
  executor: OperationExecutor | Connection,
): SubscriptionExecutor {
  const candidate = executor as Partial<SubscriptionExecutor>;
  if (typeof candidate.sendFor !== "function" || typeof candidate.release !== "function") {
    throw new TypeError("This connection cannot run subscriptions: it has no sendFor()/release()");
  }
  return executor as SubscriptionExecutor;
}
