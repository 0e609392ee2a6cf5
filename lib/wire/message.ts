/**
 * What the decoding stage hands to the dispatcher: a package whose payload has been decoded once,
 * by the schema its command byte names ({@linkcode REPLY_SCHEMAS}). Operations read the body with
 * {@linkcode bodyOf} (or {@linkcode textOf} for the plain-text BadRequest and NotAuthenticated
 * replies) and never decode bytes themselves.
 *
 * @module
 */

import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import * as pb from "../../gen/client_messages_pb.ts";
import { ProtocolError } from "../errors.ts";
import type { Package } from "./package_codec.ts";
import { decodeEventReply } from "./event_reply_decoder.ts";
import { decodeMessage } from "./proto_codec.ts";
import { commandName, TcpCommand } from "./tcp_command.ts";

/** A decoded package from the server. */
export interface Message {
  /** The command byte. */
  readonly command: number;
  /** The correlation id, lower-case hex with dashes. */
  readonly correlationId: string;
  /** The schema the body was decoded with, or `undefined` for a command without one. */
  readonly schema: DescMessage | undefined;
  /**
   * The decoded body: a protobuf message for commands with a schema, the UTF-8 text for
   * BadRequest and NotAuthenticated, `undefined` for empty commands (Pong, heartbeats...).
   */
  readonly body: unknown;
  /** Set when the payload did not decode: the operation it belongs to fails with it. */
  readonly error?: ProtocolError;
  /**
   * Set, to the size its length prefix claimed, when the frame was over the maximum package size:
   * only its header was read, its body skipped unbuffered (no `body`). The operation it answers
   * fails with `FrameTooLargeError`; the connection stays.
   */
  readonly oversized?: number;
}

/**
 * The schema of each command the server sends with a protobuf payload (docs/protocol.md §4). The
 * command byte alone picks the schema: forward and backward reads share one reply message.
 */
export const REPLY_SCHEMAS: ReadonlyMap<number, DescMessage> = new Map<number, DescMessage>([
  [TcpCommand.WriteEventsCompleted, pb.WriteEventsCompletedSchema],
  [TcpCommand.TransactionStartCompleted, pb.TransactionStartCompletedSchema],
  [TcpCommand.TransactionWriteCompleted, pb.TransactionWriteCompletedSchema],
  [TcpCommand.TransactionCommitCompleted, pb.TransactionCommitCompletedSchema],
  [TcpCommand.DeleteStreamCompleted, pb.DeleteStreamCompletedSchema],
  [TcpCommand.ReadEventCompleted, pb.ReadEventCompletedSchema],
  [TcpCommand.ReadStreamEventsForwardCompleted, pb.ReadStreamEventsCompletedSchema],
  [TcpCommand.ReadStreamEventsBackwardCompleted, pb.ReadStreamEventsCompletedSchema],
  [TcpCommand.ReadAllEventsForwardCompleted, pb.ReadAllEventsCompletedSchema],
  [TcpCommand.ReadAllEventsBackwardCompleted, pb.ReadAllEventsCompletedSchema],
  [TcpCommand.FilteredReadAllEventsForwardCompleted, pb.FilteredReadAllEventsCompletedSchema],
  [TcpCommand.FilteredReadAllEventsBackwardCompleted, pb.FilteredReadAllEventsCompletedSchema],
  [TcpCommand.SubscriptionConfirmation, pb.SubscriptionConfirmationSchema],
  [TcpCommand.StreamEventAppeared, pb.StreamEventAppearedSchema],
  [TcpCommand.SubscriptionDropped, pb.SubscriptionDroppedSchema],
  [TcpCommand.CheckpointReached, pb.CheckpointReachedSchema],
  [TcpCommand.PersistentSubscriptionConfirmation, pb.PersistentSubscriptionConfirmationSchema],
  [
    TcpCommand.PersistentSubscriptionStreamEventAppeared,
    pb.PersistentSubscriptionStreamEventAppearedSchema,
  ],
  [
    TcpCommand.CreatePersistentSubscriptionCompleted,
    pb.CreatePersistentSubscriptionCompletedSchema,
  ],
  [
    TcpCommand.UpdatePersistentSubscriptionCompleted,
    pb.UpdatePersistentSubscriptionCompletedSchema,
  ],
  [
    TcpCommand.DeletePersistentSubscriptionCompleted,
    pb.DeletePersistentSubscriptionCompletedSchema,
  ],
  [TcpCommand.NotHandled, pb.NotHandledSchema],
]);

/** Commands whose payload is a UTF-8 reason rather than a protobuf message. */
export const TEXT_COMMANDS: ReadonlySet<number> = new Set([
  TcpCommand.BadRequest,
  TcpCommand.NotAuthenticated,
]);

/**
 * The body of `message`, checked to be of `schema`.
 *
 * @throws {ProtocolError} when the payload did not decode, or the message is another command's
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bodyOf } from "./message.ts";
 * import { NotHandledSchema } from "../../gen/client_messages_pb.ts";
 * import { TcpCommand } from "./tcp_command.ts";
 * import { create } from "@bufbuild/protobuf";
 * const message = {
 *   command: TcpCommand.NotHandled,
 *   correlationId: "",
 *   schema: NotHandledSchema,
 *   body: create(NotHandledSchema, { reason: 1 }),
 * };
 * assert.deepEqual(bodyOf(message, NotHandledSchema).reason, 1);
 * ```
 */
export function bodyOf<D extends DescMessage>(message: Message, schema: D): MessageShape<D> {
  if (message.error) throw message.error;
  if (message.schema !== schema) {
    throw new ProtocolError(
      "unexpected-command",
      `Expected a ${schema.name} payload, got ${commandName(message.command)}`,
      { command: message.command },
    );
  }
  return message.body as MessageShape<D>;
}

/**
 * The text of a BadRequest or NotAuthenticated message (empty for any other).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textOf } from "./message.ts";
 * assert.deepEqual(textOf({ command: 0xf0, correlationId: "", schema: undefined, body: "no" }), "no");
 * ```
 */
export function textOf(message: Message): string {
  return typeof message.body === "string" ? message.body : "";
}

const utf8 = new TextDecoder();

/**
 * Decodes a package's payload by the schema its command names. A payload that does not decode is
 * not thrown: the message carries the `ProtocolError` for the operation it belongs to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeReply } from "./message.ts";
 * const message = decodeReply({ command: 0xf0, correlationId: "", payload: new Uint8Array([0x6e, 0x6f]) });
 * assert.deepEqual(message.body, "no");
 * ```
 */
export function decodeReply(pkg: Package): Message {
  const { command, correlationId, payload } = pkg;
  const schema = REPLY_SCHEMAS.get(command);
  if (schema !== undefined) {
    try {
      // Event-carrying replies take the hand-written decoder; what it leaves goes to protobuf-es.
      const body = decodeEventReply(schema, payload) ?? decodeMessage(schema, payload, command);
      return { command, correlationId, schema, body };
    } catch (error) {
      const protocolError = error instanceof ProtocolError ? error : new ProtocolError(
        "bad-payload",
        `Undecodable ${commandName(command)} payload: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { command, cause: error },
      );
      return { command, correlationId, schema, body: undefined, error: protocolError };
    }
  }
  if (TEXT_COMMANDS.has(command)) {
    return { command, correlationId, schema: undefined, body: utf8.decode(payload) };
  }
  return { command, correlationId, schema: undefined, body: undefined };
}
