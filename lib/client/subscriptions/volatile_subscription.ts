/**
 * Volatile subscriptions: live events only, straight from the server into a bounded queue. A
 * consumer that lets the queue fill up is dropped with `"consumer-too-slow"` (the server is
 * unsubscribed, the queued events are still delivered) — the read loop never waits for it.
 *
 * @module
 */

import type { ExecuteOptions, OperationExecutor } from "../executor.ts";
import type { Position } from "../position.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import { DeliveryQueue } from "./delivery_queue.ts";
import {
  SubscribeOperation,
  type SubscribeRequest,
  type SubscriptionGap,
} from "./subscribe_operation.ts";
import { startFailure } from "./drop.ts";
import { Subscription } from "./subscription.ts";

const EMPTY = new Uint8Array(0);

/** Settings of {@linkcode startVolatileSubscription}. */
export interface VolatileSubscriptionSpec extends SubscribeRequest {
  /** The most events buffered for the consumer. */
  readonly bufferSize: number;
  /** Called for each checkpoint of a filtered subscription, in order with the events. */
  readonly onCheckpoint?: (position: Position) => void;
  /** Called each time the subscription was re-established after a lost connection. */
  readonly onResubscribed?: (gap: SubscriptionGap) => void;
}

/**
 * Subscribes and resolves once the server confirmed: every event committed afterwards is
 * delivered.
 *
 * @throws {AccessDeniedError} (`dropReason: "access-denied"`) when the credentials may not read
 * @throws {SubscriptionDroppedError} if the server refuses otherwise or the connection fails
 * before the confirmation
 */
export async function startVolatileSubscription(
  executor: OperationExecutor,
  spec: VolatileSubscriptionSpec,
  options: ExecuteOptions = {},
): Promise<Subscription> {
  const name = spec.stream === "" ? "$all" : spec.stream;
  const queue = new DeliveryQueue(name, spec.bufferSize);
  let resolveEnded!: () => void;
  const operationEnded = new Promise<void>((resolve) => resolveEnded = resolve);
  const operation = new SubscribeOperation({ ...spec, resubscribe: true }, {
    resubscribed: (gap) => spec.onResubscribed?.(gap),
    event(event) {
      if (queue.push(event) || queue.ended) return;
      queue.finish({
        reason: "consumer-too-slow",
        error: new RangeError(`More than ${queue.capacity} events waited for the consumer`),
      });
      unsubscribe();
    },
    checkpoint: (position) => queue.pushCheckpoint(position),
    dropped(drop) {
      queue.finish(drop);
      resolveEnded();
    },
  });
  const unsubscribe = (): Promise<void> => {
    if (operation.ended) return Promise.resolve();
    return executor.sendFor(operation, {
      command: TcpCommand.UnsubscribeFromStream,
      payload: EMPTY,
    })
      .then(() => operationEnded, () => {
        // The connection is gone: nothing will answer.
        executor.release(operation);
        resolveEnded();
      });
  };
  const stop = async (): Promise<void> => {
    queue.finish({ reason: "unsubscribed" }, true);
    await unsubscribe();
  };
  queue.bind({ onCheckpoint: spec.onCheckpoint, onCancel: stop });
  try {
    await executor.execute(operation, options);
  } catch (error) {
    throw await startFailure(error, options.signal, queue.dropped, name);
  }
  return new Subscription(name, queue, { stop });
}
