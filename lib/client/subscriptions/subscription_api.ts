/**
 * The client's subscription methods, checked and assembled here so the client only delegates:
 * `subscribeTo` (volatile, or catch-up with `startFrom`), `subscribeToAll`, and the persistent
 * subscription methods (`createSubscription`, `updateSubscription`, `deleteSubscription`,
 * `connectSubscription`).
 *
 * Each function here is the `Client` method of the same name over a `ClientContext`; their
 * runnable examples are on `Client` (lib/client/client.ts).
 *
 * @module
 */

import {
  type CallOptions,
  checkBatch,
  checkBoolean,
  checkCallback,
  checkCount,
  checkFilter,
  checkGroup,
  checkOptions,
  checkStream,
} from "../call_options.ts";
import { type ClientContext, credentialsFor, requireLeaderFor, run } from "../client_context.ts";
import { Position } from "../position.ts";
import type { AllFilter } from "../read_operations.ts";
import type { Subscription } from "./subscription.ts";
import { ConnectionClosedError } from "../../errors.ts";
import type { SubscriptionGap } from "./subscribe_operation.ts";
import { startCatchUpSubscription } from "./catch_up_subscription.ts";
import { toBigInt } from "../expected_version.ts";
import {
  createGroupOperation,
  deleteGroupOperation,
  PERSISTENT_SETTING_KEYS,
  type PersistentSubscriptionSettings,
  resolvePersistentSettings,
  updateGroupOperation,
} from "./persistent_group_operations.ts";
import {
  connectPersistentSubscription,
  type PersistentSubscription,
} from "./persistent_subscription.ts";
import { startVolatileSubscription } from "./volatile_subscription.ts";

/** Options shared by {@linkcode subscribeTo} and {@linkcode subscribeToAll}. */
export interface SubscriptionOptions extends CallOptions {
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
  /** The most events buffered for the consumer (default 1000). */
  readonly bufferSize?: number;
  /** Catch-up only: called each time the subscription has caught up and goes live. */
  readonly onLive?: () => void;
  /**
   * Volatile only: called each time the subscription was re-established after a lost
   * connection, with what it missed (a volatile subscription delivers live events only: those
   * written while it had no connection are not delivered). Without reconnection, or when it is
   * exhausted, the subscription drops with `"connection-lost"` instead.
   */
  readonly onResubscribed?: (gap: SubscriptionGap) => void;
}

/** Options of `Client.subscribeTo`. */
export interface SubscribeToOptions extends SubscriptionOptions {
  /**
   * Without it the subscription is volatile (live events only). With it, a catch-up
   * subscription: events from this number on, then live ones.
   */
  readonly startFrom?: bigint | number;
  /** Events per history read of a catch-up subscription, 1 to 4096 (default 100). */
  readonly batchSize?: number;
}

/** Options of `Client.subscribeToAll`. */
export interface SubscribeToAllOptions extends SubscriptionOptions {
  /** Without it a volatile subscription; with it, catch-up from this position. */
  readonly startFrom?: Position;
  /** Events per history read of a catch-up subscription, 1 to 4096 (default 100). */
  readonly batchSize?: number;
  /** Server-side filter on stream name or event type (20.6+ servers). */
  readonly filter?: AllFilter;
  /** Events the server considers between two checkpoints of a filtered subscription (default 32). */
  readonly checkpointInterval?: number;
  /** Called with each checkpoint of a filtered subscription, once the events before it were delivered. */
  readonly onCheckpoint?: (position: Position) => void;
}

/**
 * Refuses to start anything on a closed client, and honours an already aborted signal.
 *
 * @throws {ConnectionClosedError} after `close()`
 * @throws the signal's reason when it is aborted
 */
function checkStart(context: ClientContext, call: CallOptions): void {
  if (context.executor.state.status === "closed") {
    throw new ConnectionClosedError("The connection is closed");
  }
  call.signal?.throwIfAborted();
}

/** Ends `subscription` when `signal` aborts (its stream ends as if unsubscribed). */
function stopOnAbort<S extends Subscription>(subscription: S, signal: AbortSignal | undefined): S {
  if (!signal) return subscription;
  const stop = (): void => {
    subscription.unsubscribe().catch(() => {});
  };
  signal.addEventListener("abort", stop, { once: true });
  subscription.dropped.then(() => signal.removeEventListener("abort", stop));
  return subscription;
}

/** Default `bufferSize`. */
export const DEFAULT_BUFFER_SIZE = 1000;
/** Default `batchSize` of catch-up history reads (photon-pump's). */
export const DEFAULT_BATCH_SIZE = 100;
/** Default `checkpointInterval` of filtered subscriptions. */
export const DEFAULT_CHECKPOINT_INTERVAL = 32;

const COMMON_KEYS = [
  "resolveLinks",
  "bufferSize",
  "startFrom",
  "batchSize",
  "onLive",
  "onResubscribed",
];

/**
 * Subscribes to a stream: volatile without `startFrom`, catch-up (history from `startFrom`, then
 * live) with it.
 *
 * @throws {TypeError} / {RangeError} for bad arguments
 * @throws {SubscriptionDroppedError} if a volatile subscription is refused
 */
export async function subscribeTo(
  context: ClientContext,
  stream: string,
  options?: SubscribeToOptions,
): Promise<Subscription> {
  const call = checkOptions("subscribeTo", options, COMMON_KEYS);
  checkStream(stream, "subscribeTo");
  checkStart(context, call);
  const resolveLinks = checkBoolean(call.resolveLinks, "resolveLinks", "subscribeTo") ?? true;
  const bufferSize = checkCount(call.bufferSize, "bufferSize", "subscribeTo", DEFAULT_BUFFER_SIZE);
  const batchSize = checkBatch(call.batchSize ?? DEFAULT_BATCH_SIZE, "batchSize");
  const executor = context.executor;
  const credentials = credentialsFor(context, call);
  if (call.startFrom === undefined) {
    return await startVolatileSubscription(
      executor,
      {
        stream,
        resolveLinks,
        bufferSize,
        credentials,
        onResubscribed: checkCallback(call.onResubscribed, "onResubscribed", "subscribeTo"),
      },
      { signal: call.signal, timeout: call.timeout },
    );
  }
  const startFrom = toBigInt(call.startFrom, "startFrom");
  if (startFrom < 0n) {
    throw new RangeError(
      `Invalid option "startFrom" ${startFrom} for subscribeTo(): expected a number >= 0`,
    );
  }
  return stopOnAbort(
    startCatchUpSubscription(executor, {
      stream,
      startFrom,
      resolveLinks,
      batchSize,
      bufferSize,
      credentials,
      requireLeader: requireLeaderFor(context, call),
      onLive: checkCallback(call.onLive, "onLive", "subscribeTo"),
    }),
    call.signal,
  );
}

/**
 * Subscribes to `$all`: volatile without `startFrom`; filtered with `filter`.
 *
 * @throws {TypeError} / {RangeError} for bad arguments
 * @throws {SubscriptionDroppedError} if a volatile subscription is refused
 */
export async function subscribeToAll(
  context: ClientContext,
  options?: SubscribeToAllOptions,
): Promise<Subscription> {
  const method = "subscribeToAll";
  const call = checkOptions(method, options, [
    ...COMMON_KEYS,
    "filter",
    "checkpointInterval",
    "onCheckpoint",
  ]);
  checkStart(context, call);
  const resolveLinks = checkBoolean(call.resolveLinks, "resolveLinks", method) ?? true;
  const bufferSize = checkCount(call.bufferSize, "bufferSize", method, DEFAULT_BUFFER_SIZE);
  const batchSize = checkBatch(call.batchSize ?? DEFAULT_BATCH_SIZE, "batchSize");
  const filter = checkFilter(call.filter, method);
  const checkpointInterval = checkCount(
    call.checkpointInterval,
    "checkpointInterval",
    method,
    DEFAULT_CHECKPOINT_INTERVAL,
  );
  checkCallback(call.onCheckpoint, "onCheckpoint", method);
  if (call.startFrom !== undefined && !(call.startFrom instanceof Position)) {
    throw new TypeError(`Invalid option "startFrom" for ${method}(): expected a Position`);
  }
  const executor = context.executor;
  const credentials = credentialsFor(context, call);
  if (call.startFrom === undefined) {
    return await startVolatileSubscription(
      executor,
      {
        stream: "",
        resolveLinks,
        bufferSize,
        credentials,
        filter,
        checkpointInterval,
        onCheckpoint: call.onCheckpoint,
        onResubscribed: checkCallback(call.onResubscribed, "onResubscribed", method),
      },
      { signal: call.signal, timeout: call.timeout },
    );
  }
  return stopOnAbort(
    startCatchUpSubscription(executor, {
      stream: "",
      startFrom: call.startFrom,
      resolveLinks,
      batchSize,
      bufferSize,
      credentials,
      requireLeader: requireLeaderFor(context, call),
      filter,
      checkpointInterval,
      onCheckpoint: call.onCheckpoint,
      onLive: checkCallback(call.onLive, "onLive", method),
    }),
    call.signal,
  );
}

/** Options of `Client.createSubscription` and `Client.updateSubscription`. */
export interface PersistentSubscriptionOptions
  extends PersistentSubscriptionSettings, CallOptions {}

/** Options of `Client.connectSubscription`. */
export interface ConnectSubscriptionOptions extends CallOptions {
  /** Unacknowledged messages the server may send, and the client's queue bound (default 10). */
  readonly bufferSize?: number;
  /**
   * Acknowledge each event when the consumer asks for the next one (default true); leaving a
   * `for await` loop early naks the event in hand with `"retry"`.
   */
  readonly autoAck?: boolean;
  /**
   * Called each time the consumer was connected to the group again after a lost connection.
   * The server redelivers the messages that were in flight (their `retryCount` grows); acks and
   * naks of messages received before the loss go out on the new connection, where the server
   * ignores the ids it no longer has in flight, and fail with `ConnectionClosedError` while there
   * is no connection.
   */
  readonly onResubscribed?: (gap: SubscriptionGap) => void;
}

/** Default `bufferSize` of persistent subscriptions (photon-pump's and .NET's). */
export const DEFAULT_PERSISTENT_BUFFER_SIZE = 10;

async function changeGroup(
  context: ClientContext,
  verb: "create" | "update",
  group: string,
  stream: string,
  options: PersistentSubscriptionOptions | undefined,
): Promise<void> {
  const method = `${verb}Subscription`;
  const call = checkOptions(method, options, PERSISTENT_SETTING_KEYS);
  checkGroup(group, method);
  checkStream(stream, method);
  const { credentials, requireLeader: _l, signal, timeout, ...settings } = call;
  const resolved = resolvePersistentSettings(settings);
  const build = verb === "create" ? createGroupOperation : updateGroupOperation;
  await run(context, build(group, stream, resolved, credentials ?? context.calls.credentials), {
    signal,
    timeout,
  });
}

/**
 * Creates a persistent subscription group on a stream.
 *
 * @throws {PersistentSubscriptionError} `"already-exists"` if the group exists
 * @throws {AccessDeniedError} unless the user is an admin or operator
 */
export function createSubscription(
  context: ClientContext,
  group: string,
  stream: string,
  options?: PersistentSubscriptionOptions,
): Promise<void> {
  return changeGroup(context, "create", group, stream, options);
}

/**
 * Replaces a group's settings; its consumers are dropped.
 *
 * @throws {PersistentSubscriptionError} `"does-not-exist"` if there is no such group
 */
export function updateSubscription(
  context: ClientContext,
  group: string,
  stream: string,
  options?: PersistentSubscriptionOptions,
): Promise<void> {
  return changeGroup(context, "update", group, stream, options);
}

/**
 * Deletes a group; its consumers are dropped.
 *
 * @throws {PersistentSubscriptionError} `"does-not-exist"` if there is no such group
 */
export async function deleteSubscription(
  context: ClientContext,
  group: string,
  stream: string,
  options?: CallOptions,
): Promise<void> {
  const call = checkOptions("deleteSubscription", options, []);
  checkGroup(group, "deleteSubscription");
  checkStream(stream, "deleteSubscription");
  await run(context, deleteGroupOperation(group, stream, credentialsFor(context, call)), call);
}

/**
 * Connects to a group as one of its consumers.
 *
 * @throws {SubscriptionDroppedError} `"not-found"` or `"subscriber-max-count-reached"` when the
 * server refuses
 * @throws {AccessDeniedError} (`dropReason: "access-denied"`) when the credentials may not read
 */
export async function connectSubscription(
  context: ClientContext,
  group: string,
  stream: string,
  options?: ConnectSubscriptionOptions,
): Promise<PersistentSubscription> {
  const method = "connectSubscription";
  const call = checkOptions(method, options, ["bufferSize", "autoAck", "onResubscribed"]);
  checkGroup(group, method);
  checkStream(stream, method);
  checkStart(context, call);
  const bufferSize = checkCount(
    call.bufferSize,
    "bufferSize",
    method,
    DEFAULT_PERSISTENT_BUFFER_SIZE,
  );
  const autoAck = checkBoolean(call.autoAck, "autoAck", method) ?? true;
  return await connectPersistentSubscription(
    context.executor,
    {
      group,
      stream,
      bufferSize,
      autoAck,
      credentials: credentialsFor(context, call),
      onResubscribed: checkCallback(call.onResubscribed, "onResubscribed", method),
    },
    { signal: call.signal, timeout: call.timeout },
  );
}
