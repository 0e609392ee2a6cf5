/**
 * The write calls: `publishEvent`, `publish`, `deleteStream`, `setStreamMetadata` and
 * transactions. Each checks its arguments, then runs a write operation (`write_operations.ts`)
 * over the {@linkcode ClientContext}.
 *
 * Each function here is the `Client` method of the same name over a `ClientContext`; their
 * runnable examples are on `Client` (lib/client/client.ts).
 *
 * @module
 */

import { TcpCommand } from "../wire/tcp_command.ts";
import {
  type CallOptions,
  checkBoolean,
  checkEvents,
  checkMetadataStream,
  checkOptions,
  checkStream,
} from "./call_options.ts";
import { type ClientContext, credentialsFor, run, writeContext } from "./client_context.ts";
import {
  ExpectedVersion,
  type ExpectedVersionValue,
  toExpectedVersion,
} from "./expected_version.ts";
import { buildEvent, type EventBody, type EventData, newEvent } from "./new_event.ts";
import { atCaller, RequestOperation } from "./operation.ts";
import { serializeStreamMetadata, type StreamMetadata } from "./stream_metadata.ts";
import {
  appendOperation,
  deleteOperation,
  type DeleteResult,
  transactionCommitOperation,
  transactionStartOperation,
  transactionWriteOperation,
  type WriteResult,
} from "./write_operations.ts";

/** Options of `Client.publishEvent`; `T` types the body. */
export interface PublishEventOptions<T = EventBody> extends CallOptions {
  /** The body: a JSON value, JSON text as a string, or binary (see `EventBody`). */
  readonly body?: T;
  /** Alias of `body`. */
  readonly data?: T;
  /** Metadata: a JSON-serialisable value, or `Uint8Array`. */
  readonly metadata?: EventBody;
  /** The event id (default: a fresh GUID). */
  readonly id?: string;
  /** Expected version of the stream (default `ExpectedVersion.Any`). */
  readonly expectedVersion?: ExpectedVersionValue;
}

/** Options of `Client.publish` and `Client.startTransaction`. */
export interface PublishOptions extends CallOptions {
  /** Expected version of the stream (default `ExpectedVersion.Any`). */
  readonly expectedVersion?: ExpectedVersionValue;
}

/** Options of `Client.deleteStream`. */
export interface DeleteStreamOptions extends CallOptions {
  /** Expected version (default `ExpectedVersion.Any`). */
  readonly expectedVersion?: ExpectedVersionValue;
  /** Hard delete: the stream can never be recreated (default false: soft delete). */
  readonly hardDelete?: boolean;
}

/** Options of `Client.setStreamMetadata`. */
export interface SetStreamMetadataOptions extends CallOptions {
  /** Expected version of the metastream (default `ExpectedVersion.Any`). */
  readonly expectedVersion?: ExpectedVersionValue;
}

const EMPTY = new Uint8Array(0);

function expected(value: ExpectedVersionValue | undefined): bigint {
  return toExpectedVersion(value ?? ExpectedVersion.Any);
}

/**
 * Measures the round trip to the server, in milliseconds.
 */
export async function ping(context: ClientContext, options?: CallOptions): Promise<number> {
  const call = checkOptions("ping", options, []);
  const started = context.clock.now();
  await run(
    context,
    new RequestOperation<void>("Ping", {
      command: TcpCommand.Ping,
      payload: EMPTY,
      responseCommand: TcpCommand.Pong,
      credentials: credentialsFor(context, call),
      decode: () => undefined,
    }),
    call,
  );
  return context.clock.now() - started;
}

/**
 * Writes one event. Plain values are sent as JSON, `Uint8Array` as binary.
 *
 * @throws {WrongExpectedVersionError} if the stream is not at `expectedVersion`
 */
export async function publishEvent<T = EventBody>(
  context: ClientContext,
  stream: string,
  type: string,
  options?: PublishEventOptions<T>,
): Promise<WriteResult> {
  const call = checkOptions("publishEvent", options, [
    "body",
    "data",
    "metadata",
    "id",
    "expectedVersion",
  ]);
  checkStream(stream, "publishEvent");
  if (typeof type !== "string" || type.length === 0) {
    throw new TypeError("Invalid event type: expected a non-empty string");
  }
  const { body, data, metadata, id, expectedVersion } = call;
  const event = buildEvent(type, data, body, metadata, id);
  const write = writeContext(context, stream, expected(expectedVersion), call);
  try {
    return await run(context, appendOperation(write, [event]), call);
  } catch (error) {
    throw atCaller(error);
  }
}

/**
 * Writes events atomically (build them with `newEvent()`).
 *
 * @throws {WrongExpectedVersionError} if the stream is not at `expectedVersion`
 */
export async function publish(
  context: ClientContext,
  stream: string,
  events: readonly EventData[],
  options?: PublishOptions,
): Promise<WriteResult> {
  const call = checkOptions("publish", options, ["expectedVersion"]);
  checkStream(stream, "publish");
  const checked = checkEvents(events, "publish");
  const write = writeContext(context, stream, expected(call.expectedVersion), call);
  try {
    return await run(context, appendOperation(write, checked), call);
  } catch (error) {
    throw atCaller(error);
  }
}

/**
 * Deletes a stream: soft by default (it can be recreated), hard with `hardDelete`.
 *
 * @throws {WrongExpectedVersionError} if the stream is not at `expectedVersion`
 */
export async function deleteStream(
  context: ClientContext,
  stream: string,
  options?: DeleteStreamOptions,
): Promise<DeleteResult> {
  const call = checkOptions("deleteStream", options, ["expectedVersion", "hardDelete"]);
  checkStream(stream, "deleteStream");
  const hardDelete = checkBoolean(call.hardDelete, "hardDelete", "deleteStream") ?? false;
  const write = writeContext(context, stream, expected(call.expectedVersion), call);
  try {
    return await run(context, deleteOperation(write, hardDelete), call);
  } catch (error) {
    throw atCaller(error);
  }
}

/**
 * Replaces a stream's metadata (writes a `$metadata` event to `$$<stream>`).
 *
 * @throws {WrongExpectedVersionError} if the metastream is not at `expectedVersion`
 */
export async function setStreamMetadata(
  context: ClientContext,
  stream: string,
  metadata: StreamMetadata,
  options?: SetStreamMetadataOptions,
): Promise<WriteResult> {
  const call = checkOptions("setStreamMetadata", options, ["expectedVersion"]);
  checkMetadataStream(stream, "setStreamMetadata");
  const data = serializeStreamMetadata(metadata);
  const event: EventData = { ...newEvent("$metadata"), data, isJson: true };
  const write = writeContext(context, `$$${stream}`, expected(call.expectedVersion), call);
  try {
    return await run(context, appendOperation(write, [event]), call);
  } catch (error) {
    throw atCaller(error);
  }
}

/**
 * A transaction started by `Client.startTransaction`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, newEvent, WrongExpectedVersionError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * // The expected version is checked at commit, not at start.
 * const tx = await conn.startTransaction("ledger", { expectedVersion: -1n });
 * await tx.write([newEvent("credited", { body: { amount: 10 } })]);
 * await conn.publishEvent("ledger", "debited", { body: { amount: 5 } }); // someone else wrote
 * await assert.rejects(tx.commit(), WrongExpectedVersionError);
 * ```
 */
export class Transaction {
  /** The server's id for the transaction. */
  readonly transactionId: bigint;
  /** The stream the transaction writes to. */
  readonly stream: string;
  readonly #context: ClientContext;
  readonly #expectedVersion: bigint;

  /** Created by {@linkcode startTransaction}. */
  constructor(
    context: ClientContext,
    stream: string,
    expectedVersion: bigint,
    transactionId: bigint,
  ) {
    this.#context = context;
    this.#expectedVersion = expectedVersion;
    this.stream = stream;
    this.transactionId = transactionId;
  }

  /**
   * Adds events to the transaction (not visible until committed).
   *
   * @throws {TypeError} for events not built with `newEvent()`
   */
  async write(events: readonly EventData[], options?: CallOptions): Promise<void> {
    const call = checkOptions("write", options, []);
    const checked = checkEvents(events, "write");
    const write = writeContext(this.#context, this.stream, this.#expectedVersion, call);
    try {
      return await run(
        this.#context,
        transactionWriteOperation(write, this.transactionId, checked),
        call,
      );
    } catch (error) {
      throw atCaller(error);
    }
  }

  /**
   * Commits: checks the expected version given at start, then makes the events visible.
   *
   * @throws {WrongExpectedVersionError} if the stream moved on
   */
  async commit(options?: CallOptions): Promise<WriteResult> {
    const call = checkOptions("commit", options, []);
    const write = writeContext(this.#context, this.stream, this.#expectedVersion, call);
    try {
      return await run(this.#context, transactionCommitOperation(write, this.transactionId), call);
    } catch (error) {
      throw atCaller(error);
    }
  }
}

/**
 * Starts a transaction; the expected version is checked at commit.
 */
export async function startTransaction(
  context: ClientContext,
  stream: string,
  options?: PublishOptions,
): Promise<Transaction> {
  const call = checkOptions("startTransaction", options, ["expectedVersion"]);
  checkStream(stream, "startTransaction");
  const expectedVersion = expected(call.expectedVersion);
  const write = writeContext(context, stream, expectedVersion, call);
  let id: bigint;
  try {
    id = await run(context, transactionStartOperation(write), call);
  } catch (error) {
    throw atCaller(error);
  }
  return new Transaction(context, stream, expectedVersion, id);
}
