/**
 * Volatile subscriptions: SubscribeToStream, FilteredSubscribeToStream and UnsubscribeFromStream
 * (docs/protocol.md §4.13). Live only: events committed after the confirmation are pushed.
 *
 * @module
 */

import {
  CheckpointReachedSchema,
  FilteredSubscribeToStreamSchema,
  SubscribeToStreamSchema,
  SubscriptionConfirmationSchema,
  SubscriptionDropped_SubscriptionDropReason,
  SubscriptionDroppedSchema,
  UnsubscribeFromStreamSchema,
} from "../../../gen/client_messages_pb.ts";
import { decodeMessage, encodeMessage } from "../../wire/proto_codec.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import type { CommandContext, CommandRegistry } from "../command_registry.ts";
import { spliceRecords } from "../event_splicing.ts";
import { defaultAllFilter, type StoredEvent } from "../storage.ts";
import { compileFilter, resolveFor } from "./read_handlers.ts";

/** The empty tail of a reply whose only field is the spliced event. */
const NO_FIELDS = new Uint8Array(0);

interface SubscribeRequest {
  /** "" = `$all`. */
  readonly stream: string;
  readonly resolveLinks: boolean;
  readonly filter?: (event: StoredEvent) => boolean;
  /** Send CheckpointReached every this many considered events; ≤ 0 = never. */
  readonly checkpointInterval?: number;
}

function dropped(reason: SubscriptionDropped_SubscriptionDropReason): Uint8Array {
  return encodeMessage(SubscriptionDroppedSchema, { reason });
}

function subscribe(ctx: CommandContext, request: SubscribeRequest): void {
  const { storage, auth } = ctx.services;
  const { connection, pkg } = ctx;
  const correlationId = pkg.correlationId;
  const isAll = request.stream === "";
  if (!auth.canAccess(ctx.principal, isAll ? "$all" : request.stream, "read")) {
    return ctx.reply(
      TcpCommand.SubscriptionDropped,
      dropped(SubscriptionDropped_SubscriptionDropReason.AccessDenied),
    );
  }
  // A second subscription with the same correlation id replaces the first.
  connection.subscriptions.get(correlationId)?.connectionClosed();

  const lastCommitPosition = storage.lastCommitPosition;
  const lastEventNumber = isAll ? null : storage.lastEventNumber(request.stream);
  ctx.reply(
    TcpCommand.SubscriptionConfirmation,
    encodeMessage(SubscriptionConfirmationSchema, {
      lastCommitPosition: BigInt(lastCommitPosition),
      ...(lastEventNumber !== null ? { lastEventNumber } : {}),
    }),
  );

  const filter = request.filter;
  const interval = request.checkpointInterval ?? 0;
  let considered = 0;
  const onCommit = (events: readonly StoredEvent[]) => {
    if (connection.closed) return stop();
    for (const event of events) {
      if (event.commitPosition <= lastCommitPosition) continue;
      if (isAll) {
        if (!defaultAllFilter(event)) continue;
      } else if (event.stream !== request.stream || event.eventNumber <= lastEventNumber!) {
        continue;
      }
      if (!filter || filter(event)) {
        connection.send({
          command: TcpCommand.StreamEventAppeared,
          correlationId,
          // StreamEventAppeared.event (field 1) in one allocation: the same bytes as
          // lengthDelimitedField(1, encodeResolvedEvent(...)), without the two interim buffers.
          payload: spliceRecords(
            1,
            [resolveFor(storage, event, request.resolveLinks)],
            true,
            NO_FIELDS,
          ),
        });
      }
      if (interval > 0 && ++considered >= interval) {
        considered = 0;
        connection.send({
          command: TcpCommand.CheckpointReached,
          correlationId,
          payload: encodeMessage(CheckpointReachedSchema, {
            commitPosition: BigInt(event.commitPosition),
            preparePosition: BigInt(event.preparePosition),
          }),
        });
      }
    }
  };
  const removeListener = isAll
    ? storage.onCommit(onCommit)
    : storage.onStreamCommit(request.stream, onCommit);
  const stop = () => {
    removeListener();
    if (connection.subscriptions.get(correlationId) === subscription) {
      connection.subscriptions.delete(correlationId);
    }
  };
  const subscription = {
    unsubscribe() {
      stop();
      connection.send({
        command: TcpCommand.SubscriptionDropped,
        correlationId,
        payload: dropped(SubscriptionDropped_SubscriptionDropReason.Unsubscribed),
      });
    },
    connectionClosed: stop,
  };
  connection.subscriptions.set(correlationId, subscription);
}

/** Registers SubscribeToStream, FilteredSubscribeToStream and UnsubscribeFromStream. */
export function registerSubscriptionHandlers(registry: CommandRegistry): void {
  registry.register<SubscribeRequest>(TcpCommand.SubscribeToStream, {
    unwrap(payload) {
      const m = decodeMessage(SubscribeToStreamSchema, payload, TcpCommand.SubscribeToStream);
      return { stream: m.eventStreamId, resolveLinks: m.resolveLinkTos };
    },
    handle: subscribe,
  });
  registry.register<SubscribeRequest>(TcpCommand.FilteredSubscribeToStream, {
    unwrap(payload) {
      const m = decodeMessage(
        FilteredSubscribeToStreamSchema,
        payload,
        TcpCommand.FilteredSubscribeToStream,
      );
      return {
        stream: m.eventStreamId,
        resolveLinks: m.resolveLinkTos,
        filter: compileFilter(m.filter),
        checkpointInterval: m.checkpointInterval,
      };
    },
    handle: subscribe,
  });
  registry.register(TcpCommand.UnsubscribeFromStream, {
    unwrap(payload) {
      decodeMessage(UnsubscribeFromStreamSchema, payload, TcpCommand.UnsubscribeFromStream);
    },
    handle(ctx) {
      // Unknown correlation id: no reply.
      ctx.connection.subscriptions.get(ctx.pkg.correlationId)?.unsubscribe();
    },
  });
}
