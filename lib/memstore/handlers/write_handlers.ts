/**
 * WriteEvents, DeleteStream and the transaction commands (docs/protocol.md §4.5, §4.6, §4.12).
 *
 * @module
 */

import {
  DeleteStreamCompletedSchema,
  DeleteStreamSchema,
  OperationResult,
  TransactionCommitCompletedSchema,
  TransactionCommitSchema,
  TransactionStartCompletedSchema,
  TransactionStartSchema,
  TransactionWriteCompletedSchema,
  TransactionWriteSchema,
  WriteEventsCompletedSchema,
} from "../../../gen/client_messages_pb.ts";
import { decodeMessage, encodeMessage } from "../../wire/proto_codec.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import type { CommandContext, CommandRegistry } from "../command_registry.ts";
import type { NewEventData, WriteOutcome } from "../storage.ts";
import { requireExpectedVersion, requireStreamId, unwrapNewEvents } from "./validation.ts";
import { decodeWriteEvents, encodeWriteSuccess } from "./write_events_codec.ts";

/** `EventNumber.Invalid` (int.MinValue), reported in the numbers of failed writes. */
export const INVALID_EVENT_NUMBER = -2147483648n;

const MESSAGES: Record<Exclude<WriteOutcome["status"], "success" | "memory-full">, string> = {
  "wrong-expected-version": "Wrong expected version.",
  "stream-deleted": "Stream is deleted.",
  "invalid-transaction": "Invalid transaction.",
};
const RESULTS: Record<WriteOutcome["status"], OperationResult> = {
  "success": OperationResult.Success,
  "wrong-expected-version": OperationResult.WrongExpectedVersion,
  "stream-deleted": OperationResult.StreamDeleted,
  "invalid-transaction": OperationResult.InvalidTransaction,
  // A store that cannot write answers as a real node whose disk is full: its prepares are never
  // written, so the request times out in the prepare phase (clients retry PrepareTimeout).
  "memory-full": OperationResult.PrepareTimeout,
};

/** The `message` of a failed write: the server's text, and the reason when memory is full. */
function failureMessage(outcome: Exclude<WriteOutcome, { status: "success" }>): string {
  if (outcome.status === "memory-full") return `Prepare phase timeout. ${outcome.message}`;
  return MESSAGES[outcome.status];
}

function logRefusal(ctx: CommandContext, stream: string, outcome: WriteOutcome): void {
  if (outcome.status === "memory-full") {
    ctx.services.log(`Write to "${stream}" refused: ${outcome.message}`);
  }
}
const ACCESS_DENIED = "Access denied.";

interface WriteRequest {
  readonly stream: string;
  readonly expectedVersion: bigint;
  readonly events: NewEventData[];
}

function writeCompleted(outcome: WriteOutcome | "access-denied"): Uint8Array {
  if (outcome !== "access-denied" && outcome.status === "success") {
    return encodeWriteSuccess(outcome.firstEventNumber, outcome.lastEventNumber, outcome.position);
  }
  return encodeMessage(WriteEventsCompletedSchema, {
    result: outcome === "access-denied" ? OperationResult.AccessDenied : RESULTS[outcome.status],
    message: outcome === "access-denied" ? ACCESS_DENIED : failureMessage(outcome),
    firstEventNumber: INVALID_EVENT_NUMBER,
    lastEventNumber: INVALID_EVENT_NUMBER,
    preparePosition: INVALID_EVENT_NUMBER,
    currentVersion: outcome !== "access-denied" && outcome.status === "wrong-expected-version"
      ? outcome.currentVersion
      : -1n,
  });
}

function deleteCompleted(outcome: WriteOutcome | "access-denied"): Uint8Array {
  if (outcome !== "access-denied" && outcome.status === "success") {
    return encodeMessage(DeleteStreamCompletedSchema, {
      result: OperationResult.Success,
      preparePosition: BigInt(outcome.position),
      commitPosition: BigInt(outcome.position),
      currentVersion: outcome.currentVersion,
    });
  }
  return encodeMessage(DeleteStreamCompletedSchema, {
    result: outcome === "access-denied" ? OperationResult.AccessDenied : RESULTS[outcome.status],
    message: outcome === "access-denied" ? ACCESS_DENIED : failureMessage(outcome),
    preparePosition: -1n,
    commitPosition: -1n,
    currentVersion: outcome !== "access-denied" && outcome.status === "wrong-expected-version"
      ? outcome.currentVersion
      : -1n,
  });
}

function writeEvents(ctx: CommandContext, request: WriteRequest): void {
  const { storage, auth } = ctx.services;
  if (!auth.canAccess(ctx.principal, request.stream, "write")) {
    return ctx.reply(TcpCommand.WriteEventsCompleted, writeCompleted("access-denied"));
  }
  const outcome = storage.append(request.stream, request.expectedVersion, request.events);
  logRefusal(ctx, request.stream, outcome);
  ctx.reply(TcpCommand.WriteEventsCompleted, writeCompleted(outcome));
}

interface DeleteRequest {
  readonly stream: string;
  readonly expectedVersion: bigint;
  readonly hardDelete: boolean;
}

function deleteStream(ctx: CommandContext, request: DeleteRequest): void {
  const { storage, auth } = ctx.services;
  if (!auth.canAccess(ctx.principal, request.stream, "delete")) {
    return ctx.reply(TcpCommand.DeleteStreamCompleted, deleteCompleted("access-denied"));
  }
  const outcome = storage.deleteStream(request.stream, request.expectedVersion, request.hardDelete);
  logRefusal(ctx, request.stream, outcome);
  ctx.reply(TcpCommand.DeleteStreamCompleted, deleteCompleted(outcome));
}

function transactionReply(
  schema: typeof TransactionStartCompletedSchema | typeof TransactionWriteCompletedSchema,
  transactionId: bigint,
  result: OperationResult,
  message?: string,
): Uint8Array {
  return encodeMessage(schema, { transactionId, result, ...(message ? { message } : {}) });
}

/** Registers WriteEvents, DeleteStream, TransactionStart/Write/Commit. */
export function registerWriteHandlers(registry: CommandRegistry): void {
  registry.register<WriteRequest>(TcpCommand.WriteEvents, {
    unwrap(payload) {
      const m = decodeWriteEvents(payload);
      return {
        stream: requireStreamId(m.eventStreamId),
        expectedVersion: requireExpectedVersion(m.expectedVersion),
        events: unwrapNewEvents(m.events),
      };
    },
    handle: writeEvents,
  });

  registry.register<DeleteRequest>(TcpCommand.DeleteStream, {
    unwrap(payload) {
      const m = decodeMessage(DeleteStreamSchema, payload, TcpCommand.DeleteStream);
      return {
        stream: requireStreamId(m.eventStreamId),
        expectedVersion: requireExpectedVersion(m.expectedVersion),
        hardDelete: m.hardDelete,
      };
    },
    handle: deleteStream,
  });

  registry.register(TcpCommand.TransactionStart, {
    unwrap(payload) {
      const m = decodeMessage(TransactionStartSchema, payload, TcpCommand.TransactionStart);
      return {
        stream: requireStreamId(m.eventStreamId),
        expectedVersion: requireExpectedVersion(m.expectedVersion),
      };
    },
    handle(ctx, request) {
      const { storage, auth } = ctx.services;
      if (!auth.canAccess(ctx.principal, request.stream, "write")) {
        return ctx.reply(
          TcpCommand.TransactionStartCompleted,
          transactionReply(
            TransactionStartCompletedSchema,
            -1n,
            OperationResult.AccessDenied,
            ACCESS_DENIED,
          ),
        );
      }
      const id = storage.startTransaction(request.stream, request.expectedVersion);
      ctx.reply(
        TcpCommand.TransactionStartCompleted,
        transactionReply(TransactionStartCompletedSchema, BigInt(id), OperationResult.Success),
      );
    },
  });

  registry.register(TcpCommand.TransactionWrite, {
    unwrap(payload) {
      const m = decodeMessage(TransactionWriteSchema, payload, TcpCommand.TransactionWrite);
      return { transactionId: m.transactionId, events: unwrapNewEvents(m.events) };
    },
    handle(ctx, request) {
      const { storage, auth } = ctx.services;
      const id = Number(request.transactionId);
      const stream = storage.transactionStream(id);
      let result = OperationResult.Success;
      let message: string | undefined;
      if (stream === null) {
        result = OperationResult.InvalidTransaction;
        message = MESSAGES["invalid-transaction"];
      } else if (!auth.canAccess(ctx.principal, stream, "write")) {
        result = OperationResult.AccessDenied;
        message = ACCESS_DENIED;
      } else {
        const refusal = storage.writeRefusal(stream, request.events);
        if (refusal === null) {
          storage.writeTransaction(id, request.events);
        } else {
          ctx.services.log(`Transaction write to "${stream}" refused: ${refusal}`);
          result = OperationResult.PrepareTimeout;
          message = `Prepare phase timeout. ${refusal}`;
        }
      }
      ctx.reply(
        TcpCommand.TransactionWriteCompleted,
        transactionReply(TransactionWriteCompletedSchema, request.transactionId, result, message),
      );
    },
  });

  registry.register(TcpCommand.TransactionCommit, {
    unwrap(payload) {
      return decodeMessage(TransactionCommitSchema, payload, TcpCommand.TransactionCommit)
        .transactionId;
    },
    handle(ctx, transactionId) {
      const { storage, auth } = ctx.services;
      const id = Number(transactionId);
      const stream = storage.transactionStream(id);
      let outcome: WriteOutcome | "access-denied";
      if (stream !== null && !auth.canAccess(ctx.principal, stream, "write")) {
        outcome = "access-denied";
      } else {
        outcome = storage.commitTransaction(id);
        if (stream !== null) logRefusal(ctx, stream, outcome);
      }
      if (outcome !== "access-denied" && outcome.status === "success") {
        return ctx.reply(
          TcpCommand.TransactionCommitCompleted,
          encodeMessage(TransactionCommitCompletedSchema, {
            transactionId,
            result: OperationResult.Success,
            firstEventNumber: outcome.firstEventNumber,
            lastEventNumber: outcome.lastEventNumber,
            preparePosition: BigInt(outcome.position),
            commitPosition: BigInt(outcome.position),
          }),
        );
      }
      ctx.reply(
        TcpCommand.TransactionCommitCompleted,
        encodeMessage(TransactionCommitCompletedSchema, {
          transactionId,
          result: outcome === "access-denied"
            ? OperationResult.AccessDenied
            : RESULTS[outcome.status],
          message: outcome === "access-denied" ? ACCESS_DENIED : failureMessage(outcome),
          firstEventNumber: INVALID_EVENT_NUMBER,
          lastEventNumber: INVALID_EVENT_NUMBER,
          preparePosition: -1n,
          commitPosition: -1n,
        }),
      );
    },
  });
}
