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
import type { EventBody, EventData } from "./new_event.ts";
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
import { describeTarget, logStateChange } from "./lifecycle_log.ts";
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await conn.publishEvent("adventure", "player_created", { body: { name: "Gil" } });
 * const [created] = await conn.get("adventure");
 * assert.deepEqual(created.json(), { name: "Gil" });
 * ```
 */
export class Client {
  readonly #context: ClientContext;

  /** Wraps a context; call {@linkcode connect} instead. */
  constructor(context: ClientContext) {
    this.#context = context;
  }

  /**
   * The current state: `connecting`, `connected`, `reconnecting` (with the attempt and the
   * error that ended the last connection) or `closed` (with the error, unless `close()` did it).
   */
  get state(): ConnectionState {
    return this.#context.executor.state;
  }

  /**
   * The connection's states as a stream: the current one, then every change; it ends after
   * `closed` (or when `signal` aborts). A reader that falls behind loses the oldest states.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * const conn = await connect(store.url);
   * const states = conn.states();
   * await conn.close();
   * const seen = await Array.fromAsync(states, (state) => state.status);
   * assert.deepEqual(seen, ["connected", "closed"]);
   * ```
   */
  states(signal?: AbortSignal): ReadableStream<ConnectionState> {
    return this.#context.executor.states(signal);
  }

  /**
   * Calls `listener` on every change of the connection's state; returns a function that stops it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * const seen: string[] = [];
   * const reconnected = new Promise<void>((resolve) => {
   *   const stop = conn.watch((state) => {
   *     seen.push(state.status);
   *     if (state.status === "connected") {
   *       stop();
   *       resolve();
   *     }
   *   });
   * });
   * store.dropConnections(); // the client reconnects after 100 ms by default
   * await reconnected;
   * assert.deepEqual(seen, ["reconnecting", "connected"]);
   * ```
   */
  watch(listener: (state: ConnectionState) => void): () => void {
    return this.#context.executor.watch(listener);
  }

  /**
   * Measures the round trip to the server, in milliseconds.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * const ms = await conn.ping(); // milliseconds, not seconds as in photon-pump
   * assert.ok(ms >= 0 && ms < 10_000);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, ExpectedVersion, WrongExpectedVersionError } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * const result = await conn.publishEvent("adventure", "player_created", {
   *   body: { name: "Gil" },
   *   expectedVersion: ExpectedVersion.NoStream,
   * });
   * assert.equal(result.firstEventNumber, 0n); // event numbers are bigint
   * await assert.rejects(
   *   conn.publishEvent("adventure", "player_created", {
   *     body: { name: "Gil" },
   *     expectedVersion: ExpectedVersion.NoStream,
   *   }),
   *   WrongExpectedVersionError,
   * );
   * ```
   */
  publishEvent<T = EventBody>(
    stream: string,
    type: string,
    options?: PublishEventOptions<T>,
  ): Promise<WriteResult> {
    return publishEvent(this.#context, stream, type, options);
  }

  /**
   * Writes events atomically (build them with `newEvent()`).
   *
   * @throws {WrongExpectedVersionError} if the stream is not at `expectedVersion`
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, newEvent } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * const result = await conn.publish("adventure", [
   *   newEvent("moved", { body: { to: "north" } }),
   *   newEvent("moved", { body: { to: "east" } }),
   * ]);
   * assert.equal(result.firstEventNumber, 0n);
   * assert.equal(result.lastEventNumber, 1n);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, EventNotFoundError, newEvent } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * await conn.publish("adventure", [newEvent("moved", { body: { to: "north" } }), newEvent("rested")]);
   * assert.equal((await conn.getEvent("adventure", 0)).type, "moved");
   * assert.equal((await conn.getEvent("adventure", -1)).type, "rested");
   * await assert.rejects(conn.getEvent("adventure", 5), EventNotFoundError);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, newEvent } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * await conn.publish("ponies", ["Sparkle", "Applejack", "Rarity"].map((name) => newEvent("pony", { body: { name } })));
   *
   * const page = await conn.get("ponies", { maxCount: 2 });
   * assert.deepEqual(page.map((e) => e.json<{ name: string }>().name), ["Sparkle", "Applejack"]);
   * assert.equal(page.isEndOfStream, false);
   * const rest = await conn.get("ponies", { fromEvent: page.nextEventNumber });
   * assert.equal(rest.length, 1);
   * assert.equal(rest.isEndOfStream, true);
   * ```
   */
  get(stream: string, options?: GetOptions): Promise<StreamSlice> {
    return get(this.#context, stream, options);
  }

  /**
   * Reads a page of `$all` (admins only by default).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url, {
   *   credentials: { username: "admin", password: "changeit" },
   * });
   * await conn.publishEvent("orders-1", "order_placed", { body: {} });
   * await conn.publishEvent("users-1", "user_joined", { body: {} });
   * const slice = await conn.getAll({ maxCount: 10, filter: { on: "streamId", prefixes: ["orders-"] } });
   * assert.deepEqual(slice.map((e) => e.stream), ["orders-1"]);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, newEvent } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * await conn.publish("feet", [3, 10, 33].map((feet) => newEvent("measured", { body: { feet } })));
   *
   * let metres = 0;
   * for await (const event of conn.iter("feet", { batchSize: 2 })) { // two reads of 2 and 1
   *   metres += event.json<{ feet: number }>().feet * 0.3048;
   * }
   * assert.equal(Math.round(metres), 14);
   * ```
   */
  iter(stream: string, options?: IterOptions): ReadableStream<ResolvedEvent> {
    return iter(this.#context, stream, options);
  }

  /**
   * Streams `$all`, paging lazily like {@linkcode Client.iter}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url, {
   *   credentials: { username: "admin", password: "changeit" },
   * });
   * await conn.publishEvent("a", "first", { body: {} });
   * await conn.publishEvent("b", "second", { body: {} });
   * const types = await Array.fromAsync(conn.iterAll({ direction: "backward" }), (e) => e.type);
   * assert.deepEqual(types.filter((type) => !type.startsWith("$")), ["second", "first"]);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, StreamDeletedError } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * await conn.publishEvent("adventure", "player_created", { body: {} });
   * await conn.deleteStream("adventure", { hardDelete: true });
   * // A hard-deleted stream can never be written again.
   * await assert.rejects(conn.publishEvent("adventure", "again", { body: {} }), StreamDeletedError);
   * ```
   */
  deleteStream(stream: string, options?: DeleteStreamOptions): Promise<DeleteResult> {
    return deleteStream(this.#context, stream, options);
  }

  /**
   * Reads a stream's metadata (empty metadata with version -1 when none was written).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * const none = await conn.getStreamMetadata("adventure");
   * assert.equal(none.metastreamVersion, -1n);
   * await conn.setStreamMetadata("adventure", { maxCount: 1000 });
   * const { metadata, metastreamVersion } = await conn.getStreamMetadata("adventure");
   * assert.equal(metadata.maxCount, 1000n);
   * assert.equal(metastreamVersion, 0n);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, newEvent } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * await conn.publish("adventure", [newEvent("a"), newEvent("b"), newEvent("c")]);
   * // Keep only the last two events; the server hides the older ones from reads.
   * await conn.setStreamMetadata("adventure", { maxCount: 2, custom: { owner: "gil" } });
   * assert.deepEqual((await conn.get("adventure")).map((e) => e.type), ["b", "c"]);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, newEvent, StreamNotFoundError } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * const tx = await conn.startTransaction("adventure");
   * await tx.write([newEvent("moved", { body: { to: "north" } })]);
   * await tx.write([newEvent("moved", { body: { to: "east" } })]);
   * // Nothing is visible before the commit.
   * await assert.rejects(conn.get("adventure"), StreamNotFoundError);
   * const result = await tx.commit();
   * assert.equal(result.lastEventNumber, 1n);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url);
   * await conn.publishEvent("orders", "order_placed", { body: { order: 1 } });
   *
   * // Catch-up from event 0: the history first, then live events.
   * await using subscription = await conn.subscribeTo("orders", { startFrom: 0 });
   * await conn.publishEvent("orders", "order_shipped", { body: { order: 1 } });
   * const types: string[] = [];
   * for await (const event of subscription) {
   *   types.push(event.type);
   *   if (types.length === 2) break; // leaving the loop unsubscribes
   * }
   * assert.deepEqual(types, ["order_placed", "order_shipped"]);
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url, {
   *   credentials: { username: "admin", password: "changeit" },
   * });
   * // Volatile (no startFrom): only events written after the server confirmed it.
   * await using subscription = await conn.subscribeToAll({
   *   filter: { on: "eventType", prefixes: ["order_"] },
   * });
   * await conn.publishEvent("users-1", "user_joined", { body: {} });
   * await conn.publishEvent("orders-1", "order_placed", { body: {} });
   * for await (const event of subscription) {
   *   assert.equal(event.type, "order_placed");
   *   break;
   * }
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, PersistentSubscriptionError } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url, {
   *   credentials: { username: "admin", password: "changeit" },
   * });
   * await conn.createSubscription("workers", "orders", { startFrom: 0, maxRetryCount: 3 });
   * await assert.rejects(
   *   conn.createSubscription("workers", "orders"),
   *   (error) => error instanceof PersistentSubscriptionError && error.result === "already-exists",
   * );
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
   * ```ts
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url, {
   *   credentials: { username: "admin", password: "changeit" },
   * });
   * await conn.createSubscription("workers", "orders");
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
   * ```ts
   * import assert from "node:assert/strict";
   * import { connect, PersistentSubscriptionError } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * await using conn = await connect(store.url, {
   *   credentials: { username: "admin", password: "changeit" },
   * });
   * await conn.createSubscription("workers", "orders");
   * await conn.deleteSubscription("workers", "orders");
   * await assert.rejects(conn.deleteSubscription("workers", "orders"), PersistentSubscriptionError);
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
   * @throws {SubscriptionDroppedError} `"not-found"` or `"subscriber-max-count-reached"` when the
   * server refuses

   * @throws {AccessDeniedError} (`dropReason: "access-denied"`) when the credentials may not read
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
   * await conn.publish("orders", [newEvent("order_placed"), newEvent("order_placed")]);
   * await conn.createSubscription("workers", "orders", { startFrom: 0 });
   *
   * await using worker = await conn.connectSubscription("workers", "orders");
   * let handled = 0;
   * for await (const event of worker) { // autoAck: acknowledged when the loop body finishes
   *   assert.equal(event.retryCount, 0);
   *   if (++handled === 2) break;
   * }
   * ```
   */
  connectSubscription(
    group: string,
    stream: string,
    options?: ConnectSubscriptionOptions,
  ): Promise<PersistentSubscription> {
    return connectSubscription(this.#context, group, stream, options);
  }

  /**
   * Closes the connection; pending operations fail with `ConnectionClosedError`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ConnectionClosedError, connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   *
   * await using store = await startMemoryStore({ port: 0 });
   * const conn = await connect(store.url);
   * await conn.close();
   * await conn.close(); // closing twice is a no-op
   * await assert.rejects(conn.ping(), ConnectionClosedError);
   * ```
   */
  close(): Promise<void> {
    return this.#context.executor.close();
  }

  /**
   * Closes gracefully: new calls are refused with `ConnectionClosedError`, the calls already in
   * flight complete (each bounded by its own timeout), volatile and persistent subscriptions end
   * with `"unsubscribed"`, then the connection closes. `close()` is the immediate alternative.
   *
   * @example
   * ```ts
   * import { connect } from "@photonpump/client";
   * import { startMemoryStore } from "@photonpump/client/memstore";
   * await using store = await startMemoryStore({ listen: false });
   * const conn = await connect({ transport: () => Promise.resolve(store.connectPipe()) });
   * const writes = [1, 2, 3].map((n) => conn.publishEvent("drained", "n", { body: { n } }));
   * await conn.drain();
   * console.log((await Promise.all(writes)).length); // 3
   * ```
   */
  drain(): Promise<void> {
    return this.#context.executor.drain();
  }

  /** Same as {@linkcode Client.drain}: `await using` lets the calls in flight finish. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.drain();
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * // "host", "host:port", a URL or an options object; here the memstore's "tcp://127.0.0.1:<port>".
 * await using conn = await connect(store.url);
 * assert.equal(conn.state.status, "connected");
 *
 * // Credentials, reconnection and timeouts as URL parameters or options.
 * await using admin = await connect(`tcp://admin:changeit@127.0.0.1:${store.port}`, {
 *   reconnection: { delay: 500, maxAttempts: "forever" },
 * });
 * assert.ok((await admin.getAll({ maxCount: 1 })).length >= 0);
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { openClient } from "./client.ts";
 * import { resolveSettings } from "./settings.ts";
 * import { startMemoryStore } from "../memstore/mod.ts";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await openClient(resolveSettings(store.url));
 * assert.equal(conn.state.status, "connected");
 * ```
 */
export async function openClient(settings: ResolvedSettings): Promise<Client> {
  const { logger } = settings;
  logger.info(`photonpump: connecting to ${describeTarget(settings)}`);
  const user = settings.connect.onStateChange;
  // Until connect() resolves only failed attempts are logged; afterwards every change.
  const onStateChange = (state: ConnectionState): void => {
    if (state.status === "connecting") logStateChange(logger, state, undefined);
    user?.(state);
  };
  let executor: ReconnectingExecutor;
  try {
    executor = await ReconnectingExecutor.open(settings.executor, endpointSource(settings), {
      ...settings.connect,
      onStateChange,
    });
  } catch (error) {
    logger.error(
      `photonpump: could not connect to ${describeTarget(settings)}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    throw error;
  }
  logStateChange(logger, executor.state, executor.endpoint);
  executor.watch((state) => logStateChange(logger, state, executor.endpoint));
  return clientOf(executor, settings);
}

/** A client over an executor that is already open (tests that build the executor themselves). */
export function clientOf(executor: OperationExecutor, settings: ResolvedSettings): Client {
  return new Client({ executor, calls: settings.calls, clock: settings.executor.clock });
}
