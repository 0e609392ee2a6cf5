/**
 * The public surface: {@linkcode connect} and the {@linkcode Client} facade. The client only
 * delegates: argument checks live in `call_options.ts`, the calls in `reads.ts`, `writes.ts` and
 * `subscriptions/subscription_api.ts`, all over one {@linkcode ClientContext} built here.
 *
 * @module
 */

import type { CallOptions } from "./call_options.ts";
import type { ClientContext } from "./client_context.ts";
import type { ConnectionState } from "./connection_state.ts";
import type { EventData } from "./new_event.ts";
import type { OperationExecutor } from "./executor.ts";
import {
  get,
  getAll,
  type GetAllOptions,
  getEvent,
  type GetEventOptions,
  type GetOptions,
  getStreamMetadata,
  iter,
  iterAll,
  type IterAllOptions,
  type IterOptions,
} from "./reads.ts";
import type { AllSlice, StreamSlice } from "./read_operations.ts";
import { ReconnectingExecutor } from "./reconnecting_executor.ts";
import { endpointSource } from "./endpoint_source.ts";
import type { ResolvedEvent } from "./resolved_event.ts";
import { type ConnectOptions, type ResolvedSettings, resolveSettings } from "./settings.ts";
import type { StreamMetadata, StreamMetadataResult } from "./stream_metadata.ts";
import type { PersistentSubscription } from "./subscriptions/persistent_subscription.ts";
import type { Subscription } from "./subscriptions/subscription.ts";
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
  updateSubscription,
} from "./subscriptions/subscription_api.ts";
import type { DeleteResult, WriteResult } from "./write_operations.ts";
import {
  deleteStream,
  type DeleteStreamOptions,
  ping,
  publish,
  publishEvent,
  type PublishEventOptions,
  type PublishOptions,
  setStreamMetadata,
  type SetStreamMetadataOptions,
  startTransaction,
  type Transaction,
} from "./writes.ts";

/**
 * A client connected to EventStore. Get one with {@linkcode connect}.
 *
 * @example
 * ```ts ignore
 * import { connect } from "./client.ts";
 * await using conn = await connect("localhost:1113");
 * await conn.publishEvent("adventure", "player_created", { body: { name: "Gil" } });
 * ```
 */
export class Client {
  readonly #context: ClientContext;

  /** Wraps a context; call {@linkcode connect} instead. */
  constructor(context: ClientContext) {
    this.#context = context;
  }

  /** The connection's state. */
  get state(): ConnectionState {
    return this.#context.executor.state;
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
    return this.#context.executor.states(signal);
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
    return this.#context.executor.watch(listener);
  }

  /**
   * Measures the round trip to the server, in milliseconds.
   *
   * @example
   * ```ts ignore
   * const ms = await conn.ping();
   * ```
   */
  ping(options?: CallOptions): Promise<number> {
    return ping(this.#context, options);
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
  publishEvent(
    stream: string,
    type: string,
    options?: PublishEventOptions,
  ): Promise<WriteResult> {
    return publishEvent(this.#context, stream, type, options);
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
  publish(
    stream: string,
    events: readonly EventData[],
    options?: PublishOptions,
  ): Promise<WriteResult> {
    return publish(this.#context, stream, events, options);
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
  getEvent(
    stream: string,
    eventNumber: bigint | number,
    options?: GetEventOptions,
  ): Promise<ResolvedEvent> {
    return getEvent(this.#context, stream, eventNumber, options);
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
  get(stream: string, options?: GetOptions): Promise<StreamSlice> {
    return get(this.#context, stream, options);
  }

  /**
   * Reads a page of `$all` (admins only by default).
   *
   * @example
   * ```ts ignore
   * const slice = await conn.getAll({ maxCount: 10, credentials: { username: "admin", password: "changeit" } });
   * ```
   */
  getAll(options?: GetAllOptions): Promise<AllSlice> {
    return getAll(this.#context, options);
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
    return iter(this.#context, stream, options);
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
    return iterAll(this.#context, options);
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
  deleteStream(stream: string, options?: DeleteStreamOptions): Promise<DeleteResult> {
    return deleteStream(this.#context, stream, options);
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
  getStreamMetadata(stream: string, options?: CallOptions): Promise<StreamMetadataResult> {
    return getStreamMetadata(this.#context, stream, options);
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
  setStreamMetadata(
    stream: string,
    metadata: StreamMetadata,
    options?: SetStreamMetadataOptions,
  ): Promise<WriteResult> {
    return setStreamMetadata(this.#context, stream, metadata, options);
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
  startTransaction(stream: string, options?: PublishOptions): Promise<Transaction> {
    return startTransaction(this.#context, stream, options);
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
    return subscribeTo(this.#context, stream, options);
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
    return subscribeToAll(this.#context, options);
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
    return createSubscription(this.#context, group, stream, options);
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
    return updateSubscription(this.#context, group, stream, options);
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
    return deleteSubscription(this.#context, group, stream, options);
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
    return connectSubscription(this.#context, group, stream, options);
  }

  /** Closes the connection; pending operations fail with `ConnectionClosedError`. */
  close(): Promise<void> {
    return this.#context.executor.close();
  }

  /** Same as {@linkcode Client.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `Client(<name>, <status>)`; never includes credentials. */
  toString(): string {
    const state = this.#context.executor.state;
    return `Client(${state.name}, ${state.status})`;
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
  return await openClient(resolveSettings(target, options));
}

/**
 * Opens a client on resolved settings: the test seam behind {@linkcode connect} (tests pass a
 * manual clock through {@linkcode resolveSettings}'s seams). Not exported from `mod.ts`.
 *
 * @throws {ConnectionClosedError} if no connection could be made (`cause` says why)
 *
 * @example
 * ```ts ignore
 * import { openClient } from "./client.ts";
 * import { resolveSettings } from "./settings.ts";
 * await using conn = await openClient(resolveSettings("localhost", {}, { clock }));
 * ```
 */
export async function openClient(settings: ResolvedSettings): Promise<Client> {
  const executor = await ReconnectingExecutor.open(settings.executor, endpointSource(settings));
  return clientOf(executor, settings);
}

/**
 * A client over an executor that is already open (tests that build the executor themselves).
 *
 * @example
 * ```ts ignore
 * const client = clientOf(executor, resolveSettings({}));
 * ```
 */
export function clientOf(executor: OperationExecutor, settings: ResolvedSettings): Client {
  return new Client({ executor, calls: settings.calls, clock: settings.executor.clock });
}
