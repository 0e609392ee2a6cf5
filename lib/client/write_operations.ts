/**
 * Write-side operations: append, delete and the three transaction steps, with the reply mapping of
 * docs/protocol.md §4.5, §4.6, §4.12 and §6.3.
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
} from "../../gen/client_messages_pb.ts";
import {
  AccessDeniedError,
  ServerError,
  StreamDeletedError,
  WrongExpectedVersionError,
} from "../errors.ts";
import type { Credentials } from "../wire/package_codec.ts";
import { encodeMessage } from "../wire/proto_codec.ts";
import { writeEventsPayload } from "../wire/write_events_encoder.ts";
import { bodyOf } from "../wire/message.ts";
import { TcpCommand } from "../wire/tcp_command.ts";
import { type EventData, toNewEventMessage } from "./new_event.ts";
import { type Decision, RequestOperation } from "./operation.ts";
import { Position } from "./position.ts";
import { type DeleteResultJson, withToJSON, type WriteResultJson } from "../json.ts";

/** The outcome of a successful append or transaction commit. */
export interface WriteResult {
  /** Number of the first event written (for an empty write: the stream's version + 1). */
  readonly firstEventNumber: bigint;
  /** Number of the last event written: the stream's new version (the next expected version). */
  readonly lastEventNumber: bigint;
  /** Log position of the write, when the server reports one. */
  readonly position: Position | undefined;
  /** A JSON form (`JSON.stringify` throws on `bigint`): event numbers as decimal strings. */
  toJSON(): WriteResultJson;
}

/** The outcome of a successful delete. */
export interface DeleteResult {
  /** Log position of the tombstone or metadata record, when the server reports one. */
  readonly position: Position | undefined;
  /** A JSON form, positions as decimal strings. */
  toJSON(): DeleteResultJson;
}

/** What every write operation carries. */
export interface WriteContext {
  /** The stream written to. */
  readonly stream: string;
  /** The expected version sent. */
  readonly expectedVersion: bigint;
  /** Whether only the leader may handle it. */
  readonly requireLeader: boolean;
  /** Credentials for the auth block. */
  readonly credentials: Credentials | undefined;
}

function position(commit: bigint, prepare: bigint): Position | undefined {
  return commit < 0n || prepare < 0n ? undefined : new Position(commit, prepare);
}

/**
 * Maps a non-success OperationResult to an error, or to a retry for the server-side timeouts.
 */
function writeFailure(
  result: OperationResult,
  message: string,
  context: WriteContext,
  what: string,
  currentVersion: bigint | undefined,
): Error | Decision {
  switch (result) {
    case OperationResult.WrongExpectedVersion:
      return new WrongExpectedVersionError(context.stream, context.expectedVersion, currentVersion);
    case OperationResult.StreamDeleted:
      return new StreamDeletedError(context.stream);
    case OperationResult.AccessDenied:
      return new AccessDeniedError(context.stream, what);
    case OperationResult.PrepareTimeout:
    case OperationResult.CommitTimeout:
    case OperationResult.ForwardTimeout:
      return {
        kind: "retry",
        error: new ServerError(
          `Cannot ${what} stream "${context.stream}": ${message || OperationResult[result]}`,
        ),
      };
    case OperationResult.InvalidTransaction:
      return new ServerError(`Invalid transaction on stream "${context.stream}": ${message}`);
    default:
      return new ServerError(
        `Cannot ${what} stream "${context.stream}": unknown result ${result} ${message}`,
      );
  }
}

function orThrow<T>(value: Error | Decision): T | Decision {
  if (value instanceof Error) throw value;
  return value;
}

/** Builds a WriteEvents operation. */
export function appendOperation(
  context: WriteContext,
  events: readonly EventData[],
): RequestOperation<WriteResult> {
  return new RequestOperation<WriteResult>("WriteEvents", {
    command: TcpCommand.WriteEvents,
    payload: writeEventsPayload(
      context.stream,
      context.expectedVersion,
      events,
      context.requireLeader,
    ),
    responseCommand: TcpCommand.WriteEventsCompleted,
    credentials: context.credentials,
    // The write calls attach the caller's stack on failure (`atCaller` in writes.ts).
    captureOrigin: false,
    decode(message) {
      const reply = bodyOf(message, WriteEventsCompletedSchema);
      if (reply.result === OperationResult.Success) {
        return withToJSON<Omit<WriteResult, "toJSON">, WriteResultJson>({
          firstEventNumber: reply.firstEventNumber,
          lastEventNumber: reply.lastEventNumber,
          position: position(reply.commitPosition, reply.preparePosition),
        });
      }
      return orThrow(
        writeFailure(reply.result, reply.message, context, "write to", reply.currentVersion),
      );
    },
  });
}

/** Builds a DeleteStream operation. */
export function deleteOperation(
  context: WriteContext,
  hardDelete: boolean,
): RequestOperation<DeleteResult> {
  return new RequestOperation<DeleteResult>("DeleteStream", {
    command: TcpCommand.DeleteStream,
    payload: encodeMessage(DeleteStreamSchema, {
      eventStreamId: context.stream,
      expectedVersion: context.expectedVersion,
      requireLeader: context.requireLeader,
      hardDelete,
    }),
    responseCommand: TcpCommand.DeleteStreamCompleted,
    credentials: context.credentials,
    // The write calls attach the caller's stack on failure (`atCaller` in writes.ts).
    captureOrigin: false,
    decode(message) {
      const reply = bodyOf(message, DeleteStreamCompletedSchema);
      if (reply.result === OperationResult.Success) {
        return withToJSON<Omit<DeleteResult, "toJSON">, DeleteResultJson>({
          position: position(reply.commitPosition, reply.preparePosition),
        });
      }
      // current_version exists only from 21.10.x; absent reads as 0, which is unknowable here.
      return orThrow(
        writeFailure(reply.result, reply.message, context, "delete", reply.currentVersion),
      );
    },
  });
}

/** Builds a TransactionStart operation; resolves with the transaction id. */
export function transactionStartOperation(context: WriteContext): RequestOperation<bigint> {
  return new RequestOperation<bigint>("TransactionStart", {
    command: TcpCommand.TransactionStart,
    payload: encodeMessage(TransactionStartSchema, {
      eventStreamId: context.stream,
      expectedVersion: context.expectedVersion,
      requireLeader: context.requireLeader,
    }),
    responseCommand: TcpCommand.TransactionStartCompleted,
    credentials: context.credentials,
    // The write calls attach the caller's stack on failure (`atCaller` in writes.ts).
    captureOrigin: false,
    decode(message) {
      const reply = bodyOf(message, TransactionStartCompletedSchema);
      if (reply.result === OperationResult.Success) return reply.transactionId;
      return orThrow(
        writeFailure(reply.result, reply.message, context, "start a transaction on", undefined),
      );
    },
  });
}

/** Builds a TransactionWrite operation. */
export function transactionWriteOperation(
  context: WriteContext,
  transactionId: bigint,
  events: readonly EventData[],
): RequestOperation<void> {
  return new RequestOperation<void>("TransactionWrite", {
    command: TcpCommand.TransactionWrite,
    payload: encodeMessage(TransactionWriteSchema, {
      transactionId,
      events: events.map(toNewEventMessage),
      requireLeader: context.requireLeader,
    }),
    responseCommand: TcpCommand.TransactionWriteCompleted,
    credentials: context.credentials,
    // The write calls attach the caller's stack on failure (`atCaller` in writes.ts).
    captureOrigin: false,
    decode(message) {
      const reply = bodyOf(message, TransactionWriteCompletedSchema);
      if (reply.result === OperationResult.Success) return undefined;
      return orThrow(
        writeFailure(reply.result, reply.message, context, "write a transaction to", undefined),
      );
    },
  });
}

/** Builds a TransactionCommit operation. */
export function transactionCommitOperation(
  context: WriteContext,
  transactionId: bigint,
): RequestOperation<WriteResult> {
  return new RequestOperation<WriteResult>("TransactionCommit", {
    command: TcpCommand.TransactionCommit,
    payload: encodeMessage(TransactionCommitSchema, {
      transactionId,
      requireLeader: context.requireLeader,
    }),
    responseCommand: TcpCommand.TransactionCommitCompleted,
    credentials: context.credentials,
    // The write calls attach the caller's stack on failure (`atCaller` in writes.ts).
    captureOrigin: false,
    decode(message) {
      const reply = bodyOf(message, TransactionCommitCompletedSchema);
      if (reply.result === OperationResult.Success) {
        return withToJSON<Omit<WriteResult, "toJSON">, WriteResultJson>({
          firstEventNumber: reply.firstEventNumber,
          lastEventNumber: reply.lastEventNumber,
          position: position(reply.commitPosition, reply.preparePosition),
        });
      }
      return orThrow(
        writeFailure(reply.result, reply.message, context, "commit a transaction to", undefined),
      );
    },
  });
}
