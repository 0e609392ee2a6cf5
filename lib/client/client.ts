/**
 * The user-facing client: `connect()` and the read/write API, built on an
 * {@linkcode OperationExecutor} (`connect()` uses the reconnecting executor of
 * `reconnecting_executor.ts`). Every method checks its arguments before anything is sent.
 *
 * @module
 */

import { StreamNotFoundError } from "../errors.ts";
import type { Credentials } from "../wire/package_codec.ts";
import { TcpCommand } from "../wire/tcp_command.ts";
import {
  type CallOptions,
  checkBatch,
  checkDirection,
  checkOptions,
  checkStream,
  type Direction,
} from "./call_options.ts";
import type { ConnectionState, OperationExecutor } from "./connection.ts";
import { stateStream } from "./connection_state.ts";
import { openExecutor } from "./open_executor.ts";
import { type ExpectedVersionValue, toBigInt, toExpectedVersion } from "./expected_version.ts";
import { checkEventData, type EventBody, type EventData, newEvent } from "./new_event.ts";
import { RequestOperation } from "./operation.ts";
import { Position } from "./position.ts";
import { pagedStream } from "./read_iterator.ts";
import {
  type AllFilter,
  type AllSlice,
  readAllOperation,
  readEventOperation,
  readStreamOperation,
  type StreamSlice,
} from "./read_operations.ts";
import type { ResolvedEvent } from "./resolved_event.ts";
import { type ConnectionSettings, type ConnectOptions, resolveSettings } from "./settings.ts";
import {
  parseStreamMetadata,
  serializeStreamMetadata,
  type StreamMetadata,
  type StreamMetadataResult,
} from "./stream_metadata.ts";
import {
  appendOperation,
  deleteOperation,
  type DeleteResult,
  transactionCommitOperation,
  transactionStartOperation,
  transactionWriteOperation,
  type WriteContext,
  type WriteResult,
} from "./write_operations.ts";
import { EventNotFoundError, StreamDeletedError } from "../errors.ts";
import {
  connectSubscription,
  type ConnectSubscriptionOptions,
  createSubscription,
  deleteSubscription,
  type PersistentSubscriptionOptions,
  subscribeTo,
  subscribeToAll,
  type SubscribeToAllOptions,
  type SubscribeToOptions,
  type SubscriptionHost,
  updateSubscription,
} from "./subscriptions/subscription_api.ts";
import type { Subscription } from "./subscriptions/subscription.ts";
import type { PersistentSubscription } from "./subscriptions/persistent_subscription.ts";

/** Options of {@linkcode Client.publishEvent}. */
export interface PublishEventOptions extends CallOptions {
  /** The body: a JSON-serialisable value, or `Uint8Array` for binary. */
  readonly body?: EventBody;
  /** Alias of `body`. */
  readonly data?: EventBody;
  /** Metadata: a JSON-serialisable value, or `Uint8Array`. */
  readonly metadata?: EventBody;
  /** The event id (default: a fresh GUID). */
  readonly id?: string;
  /** Expected version of the stream (default `ExpectedVersion.Any`). */
  readonly expectedVersion?: ExpectedVersionValue;
}

/** Options of {@linkcode Client.publish} and {@linkcode Client.startTransaction}. */
export interface PublishOptions extends CallOptions {
  /** Expected version of the stream (default `ExpectedVersion.Any`). */
  readonly expectedVersion?: ExpectedVersionValue;
}

/** Options of {@linkcode Client.getEvent}. */
export interface GetEventOptions extends CallOptions {
  /** Resolve `$>` links to their targets (default true). */
  readonly resolveLinks?: boolean;
}

/** Options of {@linkcode Client.get}. */
export interface GetOptions extends CallOptions {
  /** `"forward"` (default) or `"backward"`. */
  readonly direction?: Direction;
  /** First event number to read (default 0 forward, the last event backward). */
  readonly fromEvent?: bigint | number;
  /** Most events to return, 1 to 4096 (default 100). */
  readonly maxCount?: number;
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
}

/** Options of {@linkcode Client.getAll}. */
export interface GetAllOptions extends CallOptions {
  /** `"forward"` (default) or `"backward"`. */
  readonly direction?: Direction;
  /** Position to read from (default the start forward, the end backward). */
  readonly fromPosition?: Position;
  /** Most events to return, 1 to 4096 (default 100). */
  readonly maxCount?: number;
  /** Server-side filter (20.6+ servers). */
  readonly filter?: AllFilter;
  /** Events a filtered read scans at most (default `maxCount`). */
  readonly maxSearchWindow?: number;
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
}

/** Options of {@linkcode Client.iter}. */
export interface IterOptions extends CallOptions {
  /** `"forward"` (default) or `"backward"`. */
  readonly direction?: Direction;
  /** First event number (default 0 forward, the last event backward). */
  readonly fromEvent?: bigint | number;
  /** Events per page, 1 to 4096 (default 100). */
  readonly batchSize?: number;
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
}

/** Options of {@linkcode Client.iterAll}. */
export interface IterAllOptions extends CallOptions {
  /** `"forward"` (default) or `"backward"`. */
  readonly direction?: Direction;
  /** Position to start at (default the start forward, the end backward). */
  readonly fromPosition?: Position;
  /** Events per page, 1 to 4096 (default 100). */
  readonly batchSize?: number;
  /** Server-side filter (20.6+ servers). */
  readonly filter?: AllFilter;
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
}

/** Options of {@linkcode Client.deleteStream}. */
export interface DeleteStreamOptions extends CallOptions {
  /** Expected version (default `ExpectedVersion.Any`). */
  readonly expectedVersion?: ExpectedVersionValue;
  /** Hard delete: the stream can never be recreated (default false: soft delete). */
  readonly hardDelete?: boolean;
}

/** Options of {@linkcode Client.setStreamMetadata}. */
export interface SetStreamMetadataOptions extends CallOptions {
  /** Expected version of the metastream (default `ExpectedVersion.Any`). */
  readonly expectedVersion?: ExpectedVersionValue;
}

const DEFAULT_PAGE = 100;
const EMPTY = new Uint8Array(0);

function checkBoolean(value: unknown, key: string, method: string): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") {
    throw new TypeError(`Invalid option "${key}" for ${method}(): expected a boolean`);
  }
  return value;
}

function checkPosition(value: unknown, method: string): Position | undefined {
  if (value !== undefined && !(value instanceof Position)) {
    throw new TypeError(`Invalid option "fromPosition" for ${method}(): expected a Position`);
  }
  return value;
}

function checkFilter(value: unknown, method: string): AllFilter | undefined {
  if (value === undefined) return undefined;
  const filter = value as Record<string, unknown>;
  const valid = typeof filter === "object" && filter !== null &&
    (filter.on === "streamId" || filter.on === "eventType") &&
    ((Array.isArray(filter.prefixes) && filter.prefixes.every((p) => typeof p === "string") &&
      filter.regex === undefined) ||
      (typeof filter.regex === "string" && filter.prefixes === undefined));
  if (!valid) {
    throw new TypeError(
      `Invalid option "filter" for ${method}(): expected { on: "streamId" | "eventType", prefixes: string[] } or { on, regex: string }`,
    );
  }
  return value as AllFilter;
}

/** A transaction started by {@linkcode Client.startTransaction}. */
export class Transaction {
  /** The server's id for the transaction. */
  readonly transactionId: bigint;
  /** The stream the transaction writes to. */
  readonly stream: string;
  readonly #client: Client;
  readonly #context: WriteContext;

  /** Created by {@linkcode Client.startTransaction}. */
  constructor(client: Client, context: WriteContext, transactionId: bigint) {
    this.#client = client;
    this.#context = context;
    this.stream = context.stream;
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
    return await this.#client.execute(
      transactionWriteOperation(
        this.#client.writeContext(this.#context, call),
        this.transactionId,
        checked,
      ),
      call,
    );
  }

  /**
   * Commits: checks the expected version given at start, then makes the events visible.
   *
   * @throws {WrongExpectedVersionError} if the stream moved on
   */
  async commit(options?: CallOptions): Promise<WriteResult> {
    const call = checkOptions("commit", options, []);
    return await this.#client.execute(
      transactionCommitOperation(
        this.#client.writeContext(this.#context, call),
        this.transactionId,
      ),
      call,
    );
  }
}

function checkEvents(events: unknown, method: string): EventData[] {
  if (!Array.isArray(events)) {
    throw new TypeError(`Invalid events for ${method}(): expected an array of newEvent() results`);
  }
  return events.map(checkEventData);
}

/**
 * A client connected to one EventStore node. Get one with {@linkcode connect}.
 *
 * @example
 * ```ts ignore
 * import { connect } from "./client.ts";
 * await using conn = await connect("localhost:1113");
 * await conn.publishEvent("adventure", "player_created", { body: { name: "Gil" } });
 * ```
 */
export class Client {
  readonly #executor: OperationExecutor;
  readonly #settings: ConnectionSettings;

  /** Wraps an executor; most code should call {@linkcode connect} instead. */
  constructor(executor: OperationExecutor, settings: ConnectionSettings) {
    this.#executor = executor;
    this.#settings = settings;
  }

  /** The connection's state. */
  get state(): ConnectionState {
    return this.#executor.state;
  }

  /**
   * The connection's states as a stream: the current one, then every change; it ends after
   * `closed` (or when `signal` aborts). A reader that falls behind loses the oldest states.
   *
   * @example
   * ```ts ignore
   * for await (const state of conn.states()) {
   *   if (state.status === "reconnecting") console.log("reconnecting, attempt", state.attempt);
   * }
   * ```
   */
  states(signal?: AbortSignal): ReadableStream<ConnectionState> {
    return stateStream(this.#executor, signal);
  }

  /**
   * Calls `listener` on every change of the connection's state; returns a function that stops it.
   *
   * @example
   * ```ts ignore
   * const stop = conn.watch((state) => console.log(state.status));
   * stop();
   * ```
   */
  watch(listener: (state: ConnectionState) => void): () => void {
    return this.#executor.watch(listener);
  }

  /** @internal Runs an operation with the call's signal and timeout. */
  execute<T>(
    operation: RequestOperation<T>,
    call: CallOptions,
  ): Promise<T> {
    return this.#executor.execute(operation, { signal: call.signal, timeout: call.timeout });
  }

  /** @internal The executor running this client's operations (subscriptions build on it). */
  get executor(): OperationExecutor {
    return this.#executor;
  }

  /** @internal The credentials a call runs with: its own, else the connection's default. */
  credentialsFor(call: CallOptions): Credentials | undefined {
    return call.credentials ?? this.#settings.credentials;
  }

  #credentials(call: CallOptions): Credentials | undefined {
    return this.credentialsFor(call);
  }

  /** @internal The write context of a call. */
  writeContext(
    base: { stream: string; expectedVersion: bigint },
    call: CallOptions,
  ): WriteContext {
    return {
      stream: base.stream,
      expectedVersion: base.expectedVersion,
      requireLeader: call.requireLeader ?? this.#settings.requireLeader,
      credentials: this.#credentials(call),
    };
  }

  #readContext(call: CallOptions, resolveLinks: boolean | undefined) {
    return {
      resolveLinks: resolveLinks ?? true,
      requireLeader: call.requireLeader ?? this.#settings.requireLeader,
      credentials: this.#credentials(call),
    };
  }

  /**
   * Measures the round trip to the server, in milliseconds.
   *
   * @example
   * ```ts ignore
   * const ms = await conn.ping();
   * ```
   */
  async ping(options?: CallOptions): Promise<number> {
    const call = checkOptions("ping", options, []);
    const clock = this.#settings.clock;
    const started = clock.now();
    await this.execute(
      new RequestOperation<void>("Ping", {
        command: TcpCommand.Ping,
        payload: EMPTY,
        responseCommand: TcpCommand.Pong,
        credentials: this.#credentials(call),
        decode: () => undefined,
      }),
      call,
    );
    return clock.now() - started;
  }

  /**
   * Writes one event. Plain values are sent as JSON, `Uint8Array` as binary.
   *
   * @throws {WrongExpectedVersionError} if the stream is not at `expectedVersion`
   * @throws {StreamDeletedError} if the stream was deleted
   *
   * @example
   * ```ts ignore
   * await conn.publishEvent("adventure", "player_created", { body: { name: "Gil" } });
   * ```
   */
  async publishEvent(
    stream: string,
    type: string,
    options?: PublishEventOptions,
  ): Promise<WriteResult> {
    const call = checkOptions("publishEvent", options, [
      "body",
      "data",
      "metadata",
      "id",
      "expectedVersion",
    ]);
    checkStream(stream, "publishEvent");
    const { body, data, metadata, id, expectedVersion } = call;
    const event = newEvent(type, {
      ...(body !== undefined && { body }),
      ...(data !== undefined && { data }),
      ...(metadata !== undefined && { metadata }),
      ...(id !== undefined && { id }),
    });
    return await this.#append(stream, [event], expectedVersion, call);
  }

  /**
   * Writes events atomically (build them with `newEvent()`).
   *
   * @throws {WrongExpectedVersionError} if the stream is not at `expectedVersion`
   *
   * @example
   * ```ts ignore
   * import { newEvent } from "./new_event.ts";
   * await conn.publish("adventure", [newEvent("moved", { body: { to: "north" } })]);
   * ```
   */
  async publish(
    stream: string,
    events: readonly EventData[],
    options?: PublishOptions,
  ): Promise<WriteResult> {
    const call = checkOptions("publish", options, ["expectedVersion"]);
    checkStream(stream, "publish");
    return await this.#append(stream, checkEvents(events, "publish"), call.expectedVersion, call);
  }

  #append(
    stream: string,
    events: EventData[],
    expectedVersion: ExpectedVersionValue | undefined,
    call: CallOptions,
  ): Promise<WriteResult> {
    const context = this.writeContext(
      { stream, expectedVersion: toExpectedVersion(expectedVersion ?? -2n) },
      call,
    );
    return this.execute(appendOperation(context, events), call);
  }

  /**
   * Reads one event (`-1` for the last one).
   *
   * @throws {EventNotFoundError} if there is no such event
   * @throws {StreamNotFoundError} if the stream does not exist
   * @throws {StreamDeletedError} if the stream was hard-deleted
   *
   * @example
   * ```ts ignore
   * const first = await conn.getEvent("adventure", 0);
   * ```
   */
  async getEvent(
    stream: string,
    eventNumber: bigint | number,
    options?: GetEventOptions,
  ): Promise<ResolvedEvent> {
    const call = checkOptions("getEvent", options, ["resolveLinks"]);
    checkStream(stream, "getEvent");
    const number = toBigInt(eventNumber, "eventNumber");
    if (number < -1n) {
      throw new RangeError(`Invalid eventNumber ${number}: expected -1 (last) or a number >= 0`);
    }
    const resolveLinks = checkBoolean(call.resolveLinks, "resolveLinks", "getEvent");
    return await this.execute(
      readEventOperation(this.#readContext(call, resolveLinks), stream, number),
      call,
    );
  }

  /**
   * Reads a page of a stream.
   *
   * @throws {StreamNotFoundError} if the stream does not exist
   * @throws {StreamDeletedError} if the stream was hard-deleted
   *
   * @example
   * ```ts ignore
   * const slice = await conn.get("adventure", { maxCount: 10 });
   * for (const event of slice) console.log(event.type);
   * console.log(slice.isEndOfStream);
   * ```
   */
  async get(stream: string, options?: GetOptions): Promise<StreamSlice> {
    const call = checkOptions("get", options, [
      "direction",
      "fromEvent",
      "maxCount",
      "resolveLinks",
    ]);
    checkStream(stream, "get");
    const direction = checkDirection(call.direction, "get");
    const from = call.fromEvent === undefined
      ? (direction === "forward" ? 0n : -1n)
      : toBigInt(call.fromEvent, "fromEvent");
    checkFrom(from, direction, "get");
    const maxCount = checkBatch(call.maxCount ?? DEFAULT_PAGE, "maxCount");
    const resolveLinks = checkBoolean(call.resolveLinks, "resolveLinks", "get");
    return await this.execute(
      readStreamOperation(this.#readContext(call, resolveLinks), stream, direction, from, maxCount),
      call,
    );
  }

  /**
   * Reads a page of `$all` (admins only by default).
   *
   * @example
   * ```ts ignore
   * const slice = await conn.getAll({ maxCount: 10, credentials: { username: "admin", password: "changeit" } });
   * ```
   */
  async getAll(options?: GetAllOptions): Promise<AllSlice> {
    const call = checkOptions("getAll", options, [
      "direction",
      "fromPosition",
      "maxCount",
      "filter",
      "maxSearchWindow",
      "resolveLinks",
    ]);
    const direction = checkDirection(call.direction, "getAll");
    const from = checkPosition(call.fromPosition, "getAll") ??
      (direction === "forward" ? Position.start : Position.end);
    const maxCount = checkBatch(call.maxCount ?? DEFAULT_PAGE, "maxCount");
    const filter = checkFilter(call.filter, "getAll");
    const window = call.maxSearchWindow === undefined
      ? undefined
      : checkBatch(call.maxSearchWindow, "maxSearchWindow");
    const resolveLinks = checkBoolean(call.resolveLinks, "resolveLinks", "getAll");
    return await this.execute(
      readAllOperation(
        this.#readContext(call, resolveLinks),
        direction,
        from,
        maxCount,
        filter,
        window,
      ),
      call,
    );
  }

  /**
   * Streams every event of a stream, reading pages lazily: memory stays bounded by `batchSize`,
   * and cancelling (or leaving a `for await` loop) stops the reads.
   *
   * @example
   * ```ts ignore
   * for await (const event of conn.iter("adventure", { batchSize: 500 })) console.log(event.type);
   * ```
   */
  iter(stream: string, options?: IterOptions): ReadableStream<ResolvedEvent> {
    const call = checkOptions("iter", options, [
      "direction",
      "fromEvent",
      "batchSize",
      "resolveLinks",
    ]);
    checkStream(stream, "iter");
    const direction = checkDirection(call.direction, "iter");
    const start = call.fromEvent === undefined
      ? (direction === "forward" ? 0n : -1n)
      : toBigInt(call.fromEvent, "fromEvent");
    checkFrom(start, direction, "iter");
    const batchSize = checkBatch(call.batchSize ?? DEFAULT_PAGE, "batchSize");
    const context = this.#readContext(
      call,
      checkBoolean(call.resolveLinks, "resolveLinks", "iter"),
    );
    return pagedStream(start, async (from, signal) => {
      const slice = await this.execute(
        readStreamOperation(context, stream, direction, from, batchSize),
        { ...call, signal: call.signal ? AbortSignal.any([call.signal, signal]) : signal },
      );
      return { events: slice, next: slice.nextEventNumber, done: slice.isEndOfStream };
    });
  }

  /**
   * Streams `$all`, paging lazily like {@linkcode Client.iter}.
   *
   * @example
   * ```ts ignore
   * for await (const event of conn.iterAll({ batchSize: 500 })) console.log(event.stream);
   * ```
   */
  iterAll(options?: IterAllOptions): ReadableStream<ResolvedEvent> {
    const call = checkOptions("iterAll", options, [
      "direction",
      "fromPosition",
      "batchSize",
      "filter",
      "resolveLinks",
    ]);
    const direction = checkDirection(call.direction, "iterAll");
    const start = checkPosition(call.fromPosition, "iterAll") ??
      (direction === "forward" ? Position.start : Position.end);
    const batchSize = checkBatch(call.batchSize ?? DEFAULT_PAGE, "batchSize");
    const filter = checkFilter(call.filter, "iterAll");
    const context = this.#readContext(
      call,
      checkBoolean(call.resolveLinks, "resolveLinks", "iterAll"),
    );
    return pagedStream(start, async (from, signal) => {
      const slice = await this.execute(
        readAllOperation(context, direction, from, batchSize, filter),
        { ...call, signal: call.signal ? AbortSignal.any([call.signal, signal]) : signal },
      );
      return { events: slice, next: slice.nextPosition, done: slice.isEndOfStream };
    });
  }

  /**
   * Deletes a stream: soft by default (it can be recreated), hard with `hardDelete`.
   *
   * @throws {WrongExpectedVersionError} if the stream is not at `expectedVersion`
   *
   * @example
   * ```ts ignore
   * await conn.deleteStream("adventure", { hardDelete: true });
   * ```
   */
  async deleteStream(stream: string, options?: DeleteStreamOptions): Promise<DeleteResult> {
    const call = checkOptions("deleteStream", options, ["expectedVersion", "hardDelete"]);
    checkStream(stream, "deleteStream");
    const hardDelete = checkBoolean(call.hardDelete, "hardDelete", "deleteStream") ?? false;
    const context = this.writeContext(
      { stream, expectedVersion: toExpectedVersion(call.expectedVersion ?? -2n) },
      call,
    );
    return await this.execute(deleteOperation(context, hardDelete), call);
  }

  /**
   * Reads a stream's metadata (empty metadata with version -1 when none was written).
   *
   * @example
   * ```ts ignore
   * const { metadata } = await conn.getStreamMetadata("adventure");
   * console.log(metadata.maxCount);
   * ```
   */
  async getStreamMetadata(stream: string, options?: CallOptions): Promise<StreamMetadataResult> {
    const call = checkOptions("getStreamMetadata", options, []);
    checkStream(stream, "getStreamMetadata");
    if (stream.startsWith("$$")) {
      throw new TypeError(`Invalid stream name "${stream}": a metastream has no metadata`);
    }
    try {
      const event = await this.execute(
        readEventOperation(this.#readContext(call, false), `$$${stream}`, -1n),
        call,
      );
      return {
        stream,
        isDeleted: false,
        metastreamVersion: event.eventNumber,
        metadata: parseStreamMetadata(event.data),
      };
    } catch (error) {
      // As the .NET client: no metadata event, or no metastream, means empty metadata.
      if (error instanceof EventNotFoundError || error instanceof StreamNotFoundError) {
        return { stream, isDeleted: false, metastreamVersion: -1n, metadata: {} };
      }
      if (error instanceof StreamDeletedError) {
        return { stream, isDeleted: true, metastreamVersion: -1n, metadata: {} };
      }
      throw error;
    }
  }

  /**
   * Replaces a stream's metadata (writes a `$metadata` event to `$$<stream>`).
   *
   * @throws {WrongExpectedVersionError} if the metastream is not at `expectedVersion`
   *
   * @example
   * ```ts ignore
   * await conn.setStreamMetadata("adventure", { maxCount: 1000, custom: { owner: "gil" } });
   * ```
   */
  async setStreamMetadata(
    stream: string,
    metadata: StreamMetadata,
    options?: SetStreamMetadataOptions,
  ): Promise<WriteResult> {
    const call = checkOptions("setStreamMetadata", options, ["expectedVersion"]);
    checkStream(stream, "setStreamMetadata");
    if (stream.startsWith("$$")) {
      throw new TypeError(`Invalid stream name "${stream}": a metastream has no metadata`);
    }
    const data = serializeStreamMetadata(metadata);
    const event: EventData = { ...newEvent("$metadata"), data, isJson: true };
    return await this.#append(`$$${stream}`, [event], call.expectedVersion, call);
  }

  /**
   * Starts a transaction; the expected version is checked at commit.
   *
   * @example
   * ```ts ignore
   * import { newEvent } from "./new_event.ts";
   * const tx = await conn.startTransaction("adventure");
   * await tx.write([newEvent("moved", { body: { to: "north" } })]);
   * await tx.commit();
   * ```
   */
  async startTransaction(stream: string, options?: PublishOptions): Promise<Transaction> {
    const call = checkOptions("startTransaction", options, ["expectedVersion"]);
    checkStream(stream, "startTransaction");
    const base = { stream, expectedVersion: toExpectedVersion(call.expectedVersion ?? -2n) };
    const id = await this.execute(transactionStartOperation(this.writeContext(base, call)), call);
    return new Transaction(this, this.writeContext(base, call), id);
  }

  #subscriptionHost(): SubscriptionHost {
    return {
      executor: this.#executor,
      credentials: this.#settings.credentials,
      requireLeader: this.#settings.requireLeader,
    };
  }

  /**
   * Subscribes to a stream. Without `startFrom`: a volatile subscription (live events only),
   * resolved once the server confirmed it. With `startFrom`: a catch-up subscription that reads
   * the stream from that event number, then delivers live events, without gaps or duplicates.
   *
   * @throws {SubscriptionDroppedError} if the server refuses a volatile subscription
   *
   * @example
   * ```ts ignore
   * await using subscription = await conn.subscribeTo("orders", { startFrom: 0 });
   * for await (const event of subscription) console.log(event.eventNumber, event.type);
   * ```
   */
  subscribeTo(stream: string, options?: SubscribeToOptions): Promise<Subscription> {
    return subscribeTo(this.#subscriptionHost(), stream, options);
  }

  /**
   * Subscribes to `$all` (admins only by default): volatile without `startFrom`, catch-up from
   * a position with it; `filter` selects events by stream name or event type on the server.
   *
   * @throws {SubscriptionDroppedError} if the server refuses a volatile subscription
   *
   * @example
   * ```ts ignore
   * await using subscription = await conn.subscribeToAll({
   *   filter: { on: "eventType", prefixes: ["order-"] },
   *   onCheckpoint: (position) => console.log("checkpoint", position.toString()),
   * });
   * ```
   */
  subscribeToAll(options?: SubscribeToAllOptions): Promise<Subscription> {
    return subscribeToAll(this.#subscriptionHost(), options);
  }

  /**
   * Creates a persistent subscription group on a stream (admins and operators only). Settings
   * default to photon-pump's (start from -1 = new events only, resolve links, 30 s message
   * timeout, 10 retries, round robin, …).
   *
   * @throws {PersistentSubscriptionError} `"already-exists"` if the group exists
   *
   * @example
   * ```ts ignore
   * await conn.createSubscription("workers", "orders", { startFrom: 0, maxRetryCount: 3 });
   * ```
   */
  createSubscription(
    group: string,
    stream: string,
    options?: PersistentSubscriptionOptions,
  ): Promise<void> {
    return createSubscription(this.#subscriptionHost(), group, stream, options);
  }

  /**
   * Replaces a persistent subscription group's settings; its consumers are dropped.
   *
   * @throws {PersistentSubscriptionError} `"does-not-exist"` if there is no such group
   *
   * @example
   * ```ts ignore
   * await conn.updateSubscription("workers", "orders", { messageTimeout: 5000 });
   * ```
   */
  updateSubscription(
    group: string,
    stream: string,
    options?: PersistentSubscriptionOptions,
  ): Promise<void> {
    return updateSubscription(this.#subscriptionHost(), group, stream, options);
  }

  /**
   * Deletes a persistent subscription group; its consumers are dropped.
   *
   * @throws {PersistentSubscriptionError} `"does-not-exist"` if there is no such group
   *
   * @example
   * ```ts ignore
   * await conn.deleteSubscription("workers", "orders");
   * ```
   */
  deleteSubscription(group: string, stream: string, options?: CallOptions): Promise<void> {
    return deleteSubscription(this.#subscriptionHost(), group, stream, options);
  }

  /**
   * Connects to a persistent subscription group as one of its consumers: a stream of events
   * with `ack()` / `nack()`. With `autoAck` (default) each event is acknowledged once the loop
   * body finished; leaving the loop early naks the event in hand with `"retry"`.
   *
   * @throws {SubscriptionDroppedError} `"not-found"`, `"access-denied"` or
   * `"subscriber-max-count-reached"` when the server refuses
   *
   * @example
   * ```ts ignore
   * await using subscription = await conn.connectSubscription("workers", "orders");
   * for await (const event of subscription) console.log(event.type, event.retryCount);
   * ```
   */
  connectSubscription(
    group: string,
    stream: string,
    options?: ConnectSubscriptionOptions,
  ): Promise<PersistentSubscription> {
    return connectSubscription(this.#subscriptionHost(), group, stream, options);
  }

  /** Closes the connection; pending operations fail with `ConnectionClosedError`. */
  close(): Promise<void> {
    return this.#executor.close();
  }

  /** Same as {@linkcode Client.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `Client(<status>)`; never includes credentials. */
  toString(): string {
    return `Client(${this.#executor.state.name}, ${this.#executor.state.status})`;
  }
}

function checkFrom(from: bigint, direction: Direction, method: string): void {
  if (direction === "forward" ? from < 0n : from < -1n) {
    throw new RangeError(
      `Invalid option "fromEvent" ${from} for ${method}(): expected ${
        direction === "forward" ? "a number >= 0" : "-1 (the end) or a number >= 0"
      }`,
    );
  }
}

/**
 * Connects to a node: `"host"`, `"host:port"`, a URL (`tcp://user:pass@host:1113?tls=true`) or
 * an options object. Resolves once the server has identified the connection.
 *
 * The client reconnects when the connection is lost (by default as the .NET client: every
 * 100 ms, up to 10 times; see the `reconnection` option) and re-sends the operations in flight
 * (up to `maxRetries`, default 10; appends keep their event ids, so they are written once).
 * `reconnection: false` gives a single connection whose loss fails the calls in flight.
 *
 * @throws {TypeError} for a malformed target or an unknown option
 * @throws {ConnectionClosedError} if no connection could be made (`cause` says why)
 *
 * @example
 * ```ts ignore
 * import { connect } from "./client.ts";
 * await using conn = await connect("localhost");
 * console.log(await conn.ping());
 * await using resilient = await connect("tls://localhost:1113", {
 *   tls: { caFile: "./ca.pem" },
 *   reconnection: { delay: 500, maxAttempts: "forever" },
 * });
 * ```
 */
export async function connect(
  target?: string | URL | ConnectOptions,
  options?: ConnectOptions,
): Promise<Client> {
  const settings = resolveSettings(target, options);
  return new Client(await openExecutor(settings), settings);
}
