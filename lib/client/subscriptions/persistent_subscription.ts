/**
 * Connecting to a persistent subscription group (docs/protocol.md §4.14): a stream of events with
 * `ack()` and `nack()`. The server sends at most `bufferSize` unacknowledged messages, which is
 * also the bound of the client's queue. With `autoAck`, an event is acknowledged when the
 * consumer asks for the next one (its loop body finished) or the stream ends normally; leaving
 * the loop early (a `break` or a thrown error — `for await` cannot tell them apart) naks the
 * event in hand with `retry`, so it is redelivered.
 *
 * @module
 */

import {
  ConnectToPersistentSubscriptionSchema,
  PersistentSubscriptionAckEventsSchema,
  PersistentSubscriptionConfirmationSchema,
  PersistentSubscriptionNakEvents_NakAction as WireNakAction,
  PersistentSubscriptionNakEventsSchema,
  PersistentSubscriptionStreamEventAppearedSchema,
  SubscriptionDroppedSchema,
} from "../../../gen/client_messages_pb.ts";
import { guidToBytes } from "../../wire/guid.ts";
import { bodyOf, type Message } from "../../wire/message.ts";
import type { Credentials } from "../../wire/package_codec.ts";
import { encodeMessage } from "../../wire/proto_codec.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import type { ExecuteOptions, OperationExecutor } from "../executor.ts";
import {
  commonReply,
  COMPLETE,
  CONFIRMED,
  CONTINUE,
  type Decision,
  type Operation,
  type OutgoingRequest,
  unexpected,
  withOrigin,
} from "../operation.ts";
import { fromResolvedIndexedEvent, type ResolvedEvent } from "../resolved_event.ts";
import { DeliveryQueue } from "./delivery_queue.ts";
import {
  dropError,
  fromWireReason,
  reasonOf,
  startFailure,
  type SubscriptionDrop,
} from "./drop.ts";
import type { LiveSink, SubscriptionGap } from "./subscribe_operation.ts";
import { Subscription } from "./subscription.ts";

const EMPTY = new Uint8Array(0);

/** What to do with a message the consumer could not handle. */
export type NakAction = "park" | "retry" | "skip" | "stop";

const NAK_ACTIONS: Record<NakAction, WireNakAction> = {
  park: WireNakAction.Park,
  retry: WireNakAction.Retry,
  skip: WireNakAction.Skip,
  stop: WireNakAction.Stop,
};

/** The server's PersistentSubscriptionConfirmation. */
export interface PersistentConfirmation {
  /** `"<stream>::<group>"`, sent with every ack and nak. */
  readonly subscriptionId: string;
  /** The stream's last event number when connecting. */
  readonly lastEventNumber: bigint;
}

/** What to connect to. */
export interface ConnectRequest {
  /** The group name. */
  readonly group: string;
  /** The group's stream. */
  readonly stream: string;
  /** Unacknowledged messages the server may send. */
  readonly bufferSize: number;
  /** Credentials for the auth block. */
  readonly credentials?: Credentials;
}

/** ConnectToPersistentSubscription on the wire. */
class ConnectOperation implements Operation<PersistentConfirmation> {
  readonly name = "ConnectToPersistentSubscription";
  readonly credentials: Credentials | undefined;
  readonly result: Promise<PersistentConfirmation>;
  readonly #request: ConnectRequest;
  readonly #sink: Omit<LiveSink, "checkpoint">;
  readonly #origin = new Error();
  #resolve!: (confirmation: PersistentConfirmation) => void;
  #reject!: (error: Error) => void;
  #confirmed = false;
  #ended = false;
  #resubscriptions = 0;
  #last: ResolvedEvent | undefined;
  /** Reconnected consumers get the messages in flight again from the server. */
  readonly resubscribes = true;

  constructor(request: ConnectRequest, sink: Omit<LiveSink, "checkpoint">) {
    this.#request = request;
    this.#sink = sink;
    this.credentials = request.credentials;
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  createRequest(): OutgoingRequest {
    return {
      command: TcpCommand.ConnectToPersistentSubscription,
      payload: encodeMessage(ConnectToPersistentSubscriptionSchema, {
        subscriptionId: this.#request.group,
        eventStreamId: this.#request.stream,
        allowedInFlightMessages: this.#request.bufferSize,
      }),
    };
  }

  handle(message: Message): Decision {
    if (this.#ended) return COMPLETE;
    switch (message.command) {
      case TcpCommand.PersistentSubscriptionConfirmation: {
        const m = bodyOf(message, PersistentSubscriptionConfirmationSchema);
        if (this.#confirmed) {
          this.#resubscriptions++;
          this.#sink.resubscribed?.({
            resubscriptions: this.#resubscriptions,
            lastEventNumber: this.#last?.originalEventNumber,
            lastPosition: this.#last?.position,
            resumedAtEventNumber: m.lastEventNumber,
            resumedAtCommitPosition: undefined,
          });
          return CONFIRMED;
        }
        this.#confirmed = true;
        this.#resolve({ subscriptionId: m.subscriptionId, lastEventNumber: m.lastEventNumber });
        return CONFIRMED;
      }
      case TcpCommand.PersistentSubscriptionStreamEventAppeared: {
        const m = bodyOf(message, PersistentSubscriptionStreamEventAppearedSchema);
        this.#last = fromResolvedIndexedEvent(
          m.event,
          "PersistentSubscriptionStreamEventAppeared",
          m.retryCount,
        );
        this.#sink.event(this.#last);
        return CONTINUE;
      }
      case TcpCommand.SubscriptionDropped: {
        const m = bodyOf(message, SubscriptionDroppedSchema);
        const reason = fromWireReason(m.reason);
        this.#end(
          reason === "unsubscribed"
            ? { reason }
            : { reason, error: dropError(reason, this.#request.stream) },
        );
        return COMPLETE;
      }
    }
    const common = commonReply(message);
    if (common === undefined) throw unexpected(this.name, message.command);
    if (common instanceof Error) {
      this.fail(common);
      return COMPLETE;
    }
    if (!this.#confirmed || (common.kind !== "retry" && common.kind !== "redirect")) return common;
    this.fail(common.error);
    return COMPLETE;
  }

  fail(error: Error): void {
    this.#end({ reason: reasonOf(error), error });
  }

  #end(drop: SubscriptionDrop): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#confirmed) {
      this.#reject(
        withOrigin(
          drop.error ?? dropError(drop.reason, this.#request.stream),
          this.#origin,
        ),
      );
    }
    this.#sink.dropped(drop);
  }
}

/**
 * A connection to a persistent subscription group: a stream of events (each with its
 * `retryCount`) plus `ack()` and `nack()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, newEvent } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url, {
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * await conn.publish("orders", [newEvent("order_placed", { body: { order: 1 } })]);
 * await conn.createSubscription("workers", "orders", { startFrom: 0 });
 *
 * await using subscription = await conn.connectSubscription("workers", "orders", { autoAck: false });
 * const deliveries: number[] = [];
 * for await (const event of subscription) {
 *   deliveries.push(event.retryCount);
 *   if (event.retryCount === 0) {
 *     await subscription.nack(event, "retry", "database busy"); // delivered again
 *   } else {
 *     await subscription.ack(event);
 *     break;
 *   }
 * }
 * assert.deepEqual(deliveries, [0, 1]);
 * ```
 */
export class PersistentSubscription extends Subscription {
  /** The group name. */
  readonly group: string;
  /** `"<stream>::<group>"`. */
  readonly subscriptionId: string;
  readonly #send: (request: OutgoingRequest) => Promise<void>;
  readonly #settle: (ids: readonly string[]) => void;

  /** Created by {@linkcode connectPersistentSubscription}. */
  constructor(
    group: string,
    stream: string,
    subscriptionId: string,
    queue: DeliveryQueue,
    control: { stop(): Promise<void> },
    send: (request: OutgoingRequest) => Promise<void>,
    settle: (ids: readonly string[]) => void,
  ) {
    super(stream, queue, control);
    this.group = group;
    this.subscriptionId = subscriptionId;
    this.#send = send;
    this.#settle = settle;
  }

  /**
   * Acknowledges events: the group will not deliver them again.
   *
   * @throws {ConnectionClosedError} if the connection is gone
   */
  ack(events: ResolvedEvent | readonly ResolvedEvent[]): Promise<void> {
    const ids = idsOf(events);
    this.#settle(ids);
    return this.#send({
      command: TcpCommand.PersistentSubscriptionAckEvents,
      payload: encodeMessage(PersistentSubscriptionAckEventsSchema, {
        subscriptionId: this.subscriptionId,
        processedEventIds: ids.map(guidToBytes),
      }),
    });
  }

  /**
   * Negatively acknowledges events: `"retry"` redelivers (parking after the group's max retry
   * count), `"park"` parks, `"skip"` drops, `"stop"` (no effect on the server).
   *
   * @throws {TypeError} for an unknown action
   * @throws {ConnectionClosedError} if the connection is gone
   */
  nack(
    events: ResolvedEvent | readonly ResolvedEvent[],
    action: NakAction,
    reason = "",
  ): Promise<void> {
    if (!(action in NAK_ACTIONS)) {
      return Promise.reject(
        new TypeError(
          `Invalid nack action "${String(action)}": expected "park", "retry", "skip" or "stop"`,
        ),
      );
    }
    const ids = idsOf(events);
    this.#settle(ids);
    return this.#send({
      command: TcpCommand.PersistentSubscriptionNakEvents,
      payload: encodeMessage(PersistentSubscriptionNakEventsSchema, {
        subscriptionId: this.subscriptionId,
        processedEventIds: ids.map(guidToBytes),
        message: reason,
        action: NAK_ACTIONS[action],
      }),
    });
  }

  /** `PersistentSubscription(<stream>::<group>)`. */
  override toString(): string {
    return `PersistentSubscription(${this.subscriptionId})`;
  }
}

/** A message is identified by its original event's id (the link's, for resolved links). */
function idsOf(events: ResolvedEvent | readonly ResolvedEvent[]): string[] {
  const list = Array.isArray(events) ? events : [events as ResolvedEvent];
  return list.map((event) => event.originalEvent.id);
}

/** Settings of {@linkcode connectPersistentSubscription}. */
export interface PersistentConnectSpec extends ConnectRequest {
  /** Acknowledge each event when the consumer asks for the next (default true). */
  readonly autoAck: boolean;
  /** Called each time the consumer was connected again after a lost connection. */
  readonly onResubscribed?: (gap: SubscriptionGap) => void;
}

/**
 * Connects to a group; resolves once the server confirmed.
 *
 * @throws {SubscriptionDroppedError} `"not-found"` or `"subscriber-max-count-reached"` when the
 * server refuses
 * @throws {AccessDeniedError} (`dropReason: "access-denied"`) when the credentials may not read
 */
export async function connectPersistentSubscription(
  executor: OperationExecutor,
  spec: PersistentConnectSpec,
  options: ExecuteOptions = {},
): Promise<PersistentSubscription> {
  const queue = new DeliveryQueue(spec.stream, spec.bufferSize);
  let resolveEnded!: () => void;
  const operationEnded = new Promise<void>((resolve) => resolveEnded = resolve);
  const operation = new ConnectOperation(spec, {
    resubscribed: (gap) => spec.onResubscribed?.(gap),
    event(event) {
      if (queue.push(event) || queue.ended) return;
      // The server sends at most bufferSize unacknowledged messages; more means redeliveries
      // piled up behind a consumer slower than the message timeout.
      queue.finish({
        reason: "consumer-too-slow",
        error: new RangeError(`More than ${queue.capacity} messages waited for the consumer`),
      });
      unsubscribe();
    },
    dropped(drop) {
      queue.finish(drop);
      resolveEnded();
    },
  });
  const send = (request: OutgoingRequest) => executor.sendFor(operation, request);
  const unsubscribe = (): Promise<void> => {
    if (operation.ended) return Promise.resolve();
    return send({ command: TcpCommand.UnsubscribeFromStream, payload: EMPTY }).then(
      () => operationEnded,
      () => {
        executor.release(operation);
        resolveEnded();
      },
    );
  };
  // Set once the server confirmed; the queue's hooks run only after that.
  const ref: { subscription?: PersistentSubscription } = {};
  /** The event the consumer holds, not yet acked or nacked (autoAck only). */
  let inHand: ResolvedEvent | undefined;
  const stop = async (): Promise<void> => {
    queue.finish({ reason: "unsubscribed" }, true);
    await unsubscribe();
  };
  queue.bind({
    onPull() {
      const event = inHand;
      inHand = undefined;
      if (event && ref.subscription) ref.subscription.ack(event).catch(() => {});
    },
    onDeliver(event) {
      if (spec.autoAck) inHand = event;
    },
    async onCancel(reason) {
      const event = inHand;
      inHand = undefined;
      if (event && ref.subscription && !operation.ended) {
        const message = reason instanceof Error
          ? reason.message
          : "The consumer stopped before finishing the event";
        await ref.subscription.nack(event, "retry", message).catch(() => {});
      }
      await stop();
    },
  });
  let confirmation: PersistentConfirmation;
  try {
    confirmation = await executor.execute(operation, options);
  } catch (error) {
    throw await startFailure(error, options.signal, queue.dropped, spec.stream);
  }
  const subscription = new PersistentSubscription(
    spec.group,
    spec.stream,
    confirmation.subscriptionId,
    queue,
    { stop },
    send,
    (ids) => {
      if (inHand && ids.includes(inHand.originalEvent.id)) inHand = undefined;
    },
  );
  ref.subscription = subscription;
  return subscription;
}
