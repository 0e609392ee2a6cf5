/**
 * The volatile subscription operation (docs/protocol.md §4.13): SubscribeToStream, or
 * FilteredSubscribeToStream for a filtered `$all` subscription. It stays registered under its
 * correlation id after the confirmation and hands every pushed event, checkpoint and the final
 * drop to a {@linkcode LiveSink}. Nothing here blocks the read loop.
 *
 * @module
 */

import {
  CheckpointReachedSchema,
  Filter_FilterContext,
  Filter_FilterType,
  FilteredSubscribeToStreamSchema,
  StreamEventAppearedSchema,
  SubscribeToStreamSchema,
  SubscriptionConfirmationSchema,
  SubscriptionDroppedSchema,
} from "../../../gen/client_messages_pb.ts";

import { bodyOf, type Message } from "../../wire/message.ts";
import type { Credentials } from "../../wire/package_codec.ts";
import { encodeMessage } from "../../wire/proto_codec.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
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
import { Position } from "../position.ts";
import type { AllFilter } from "../read_operations.ts";
import { fromResolvedEventMessage, type ResolvedEvent } from "../resolved_event.ts";
import { dropError, fromWireReason, reasonOf, type SubscriptionDrop } from "./drop.ts";

/** Where a subscription operation sends what the server pushes. */
export interface LiveSink {
  /** An event appeared. */
  event(event: ResolvedEvent): void;
  /** A filtered subscription passed a checkpoint. */
  checkpoint(position: Position): void;
  /** The subscription ended; called once. */
  dropped(drop: SubscriptionDrop): void;
  /** The subscription was re-established on a new connection (resubscribing ones only). */
  resubscribed?(gap: SubscriptionGap): void;
}

/**
 * What a resubscribed subscription missed. A volatile subscription is live-only: events written
 * while it had no connection are not delivered. Those after `lastEventNumber` (or
 * `lastPosition`) up to `resumedAtEventNumber` (or `resumedAtCommitPosition`) were missed.
 */
export interface SubscriptionGap {
  /** How many times the subscription was re-established so far (1 the first time). */
  readonly resubscriptions: number;
  /** The last event number received before the connection was lost (stream subscriptions). */
  readonly lastEventNumber: bigint | undefined;
  /** The `$all` position of the last event received before, where the server reports one. */
  readonly lastPosition: Position | undefined;
  /** The stream's last event number when it was re-established (absent for `$all`). */
  readonly resumedAtEventNumber: bigint | undefined;
  /** The last commit position when it was re-established (absent for persistent ones). */
  readonly resumedAtCommitPosition: bigint | undefined;
}

/** What to subscribe to. */
export interface SubscribeRequest {
  /** The stream, or `""` for `$all`. */
  readonly stream: string;
  /** Resolve `$>` links. */
  readonly resolveLinks: boolean;
  /** Server-side filter (`$all` only; sends FilteredSubscribeToStream). */
  readonly filter?: AllFilter;
  /** Events between CheckpointReached packages of a filtered subscription. */
  readonly checkpointInterval?: number;
  /** Credentials for the auth block. */
  readonly credentials?: Credentials;
  /**
   * Re-subscribe on the next connection when the connection is lost (volatile subscriptions);
   * catch-up subscriptions resume by themselves and leave it unset.
   */
  readonly resubscribe?: boolean;
}

/** The server's SubscriptionConfirmation. */
export interface SubscriptionConfirmation {
  /** The last commit position when the subscription started. */
  readonly lastCommitPosition: bigint;
  /** The stream's last event number then (absent for `$all`). */
  readonly lastEventNumber: bigint | undefined;
}

/** The filter message of a FilteredSubscribeToStream or filtered read. */
export function filterMessage(filter: AllFilter): {
  context: Filter_FilterContext;
  type: Filter_FilterType;
  data: string[];
} {
  return {
    context: filter.on === "eventType"
      ? Filter_FilterContext.EventType
      : Filter_FilterContext.StreamId,
    type: "regex" in filter ? Filter_FilterType.Regex : Filter_FilterType.Prefix,
    data: "regex" in filter ? [filter.regex] : [...filter.prefixes],
  };
}

/**
 * A volatile subscription on the wire: resolves `result` with the confirmation, then feeds
 * `sink` until the drop.
 *
 * @example
 * ```ts
 * import { SubscribeOperation } from "./subscribe_operation.ts";
 * const operation = new SubscribeOperation({ stream: "orders", resolveLinks: true }, {
 *   event: (e) => console.log(e.type),
 *   checkpoint: () => {},
 *   dropped: (drop) => console.log(drop.reason),
 * });
 * operation.result.catch(() => {});
 * ```
 */
export class SubscribeOperation implements Operation<SubscriptionConfirmation> {
  /** The operation's name. */
  readonly name: string;
  /** The credentials sent with it. */
  readonly credentials: Credentials | undefined;
  /** Whether it is re-sent after a lost connection. */
  readonly resubscribes: boolean;
  /** Settles with the confirmation, or rejects if the subscription ends before it. */
  readonly result: Promise<SubscriptionConfirmation>;
  readonly #request: SubscribeRequest;
  readonly #sink: LiveSink;
  readonly #origin = new Error();
  #resolve!: (confirmation: SubscriptionConfirmation) => void;
  #reject!: (error: Error) => void;
  #confirmed = false;
  #ended = false;
  #resubscriptions = 0;
  /** The last event received (named by a resubscription's gap). */
  #last: ResolvedEvent | undefined;

  /** Creates the operation. */
  constructor(request: SubscribeRequest, sink: LiveSink) {
    this.#request = request;
    this.#sink = sink;
    this.credentials = request.credentials;
    this.resubscribes = request.resubscribe === true;
    this.name = request.filter ? "FilteredSubscribeToStream" : "SubscribeToStream";
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** True once the subscription has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The subscribe request. */
  createRequest(): OutgoingRequest {
    const { stream, resolveLinks, filter } = this.#request;
    if (filter) {
      return {
        command: TcpCommand.FilteredSubscribeToStream,
        payload: encodeMessage(FilteredSubscribeToStreamSchema, {
          eventStreamId: stream,
          resolveLinkTos: resolveLinks,
          filter: filterMessage(filter),
          checkpointInterval: this.#request.checkpointInterval ?? 1,
        }),
      };
    }
    return {
      command: TcpCommand.SubscribeToStream,
      payload: encodeMessage(SubscribeToStreamSchema, {
        eventStreamId: stream,
        resolveLinkTos: resolveLinks,
      }),
    };
  }

  /** Handles the confirmation, pushed events, checkpoints and the drop. */
  handle(message: Message): Decision {
    if (this.#ended) return COMPLETE;
    switch (message.command) {
      case TcpCommand.SubscriptionConfirmation: {
        const confirmation = bodyOf(message, SubscriptionConfirmationSchema);
        if (this.#confirmed) {
          this.#resubscriptions++;
          this.#sink.resubscribed?.({
            resubscriptions: this.#resubscriptions,
            lastEventNumber: this.#last?.originalEventNumber,
            lastPosition: this.#last?.position,
            resumedAtEventNumber: this.#request.stream === ""
              ? undefined
              : confirmation.lastEventNumber,
            resumedAtCommitPosition: confirmation.lastCommitPosition,
          });
          return CONFIRMED;
        }
        this.#confirmed = true;
        this.#resolve({
          lastCommitPosition: confirmation.lastCommitPosition,
          lastEventNumber: this.#request.stream === "" ? undefined : confirmation.lastEventNumber,
        });
        return CONFIRMED;
      }
      case TcpCommand.StreamEventAppeared: {
        const appeared = bodyOf(message, StreamEventAppearedSchema);
        this.#last = fromResolvedEventMessage(appeared.event, "StreamEventAppeared");
        this.#sink.event(this.#last);
        return CONTINUE;
      }
      case TcpCommand.CheckpointReached: {
        const checkpoint = bodyOf(message, CheckpointReachedSchema);
        this.#sink.checkpoint(new Position(checkpoint.commitPosition, checkpoint.preparePosition));
        return CONTINUE;
      }
      case TcpCommand.SubscriptionDropped: {
        const reason = fromWireReason(bodyOf(message, SubscriptionDroppedSchema).reason);
        this.#end(
          reason === "unsubscribed" ? { reason } : {
            reason,
            error: dropError(reason, this.#streamName),
          },
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
    // NotHandled before the confirmation is retriable like any request; afterwards it ends it.
    if (!this.#confirmed || (common.kind !== "retry" && common.kind !== "redirect")) return common;
    this.fail(common.error);
    return COMPLETE;
  }

  /** Ends the subscription with `error` (connection closed, timeout, malformed package). */
  fail(error: Error): void {
    this.#end({ reason: reasonOf(error), error });
  }

  get #streamName(): string {
    return this.#request.stream === "" ? "$all" : this.#request.stream;
  }

  #end(drop: SubscriptionDrop): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#confirmed) {
      this.#reject(
        withOrigin(
          drop.error ?? dropError(drop.reason, this.#streamName),
          this.#origin,
        ),
      );
    }
    this.#sink.dropped(drop);
  }
}
