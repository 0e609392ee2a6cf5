/**
 * The settings of a persistent-subscription group (docs/protocol.md §3.3.7, §4.14): the protocol's
 * fields, the .NET client's defaults, consumer-strategy resolution and the server's validation.
 *
 * @module
 */

/** The consumer strategies the server knows (`SystemConsumerStrategies`). */
export const CONSUMER_STRATEGIES = [
  "RoundRobin",
  "DispatchToSingle",
  "Pinned",
  "PinnedByCorrelation",
] as const;

/** A known consumer strategy name. */
export type ConsumerStrategyName = typeof CONSUMER_STRATEGIES[number];

/** The settings of one group, as Create/UpdatePersistentSubscription carry them. */
export interface GroupSettings {
  /** Deliver the targets of `$>` links instead of the links. */
  readonly resolveLinkTos: boolean;
  /** −1 = live only, 0 = from the beginning, N = from event N. */
  readonly startFrom: bigint;
  /** Milliseconds before an unacknowledged message is retried; 0 = never. */
  readonly messageTimeoutMs: number;
  /** Timing statistics (stored, no effect here). */
  readonly recordStatistics: boolean;
  /** Live events kept in memory (stored; the memstore reads live events from the log). */
  readonly liveBufferSize: number;
  /** Events read from the stream per page. */
  readonly readBatchSize: number;
  /** Read-but-undelivered events kept in memory. */
  readonly bufferSize: number;
  /** Retries before a message is parked. */
  readonly maxRetryCount: number;
  /** Legacy flag: the strategy when `namedConsumerStrategy` is empty. */
  readonly preferRoundRobin: boolean;
  /** Milliseconds between time-driven checkpoints. */
  readonly checkpointAfterMs: number;
  /** Processed events before a time-driven checkpoint is written. */
  readonly checkpointMinCount: number;
  /** Processed events that force a checkpoint. */
  readonly checkpointMaxCount: number;
  /** Connected clients allowed; 0 = unlimited. */
  readonly subscriberMaxCount: number;
  /** The strategy name as sent (may be empty: see {@linkcode resolveStrategyName}). */
  readonly namedConsumerStrategy: string;
}

/**
 * The .NET client's `PersistentSubscriptionSettings.Create()` defaults (docs/protocol.md §4.14).
 *
 * @example
 * ```ts
 * import { DEFAULT_GROUP_SETTINGS } from "./group_settings.ts";
 * const settings = { ...DEFAULT_GROUP_SETTINGS, startFrom: 0n };
 * ```
 */
export const DEFAULT_GROUP_SETTINGS: GroupSettings = Object.freeze({
  resolveLinkTos: false,
  startFrom: -1n,
  messageTimeoutMs: 30_000,
  recordStatistics: false,
  liveBufferSize: 500,
  readBatchSize: 20,
  bufferSize: 500,
  maxRetryCount: 10,
  preferRoundRobin: true,
  checkpointAfterMs: 2_000,
  checkpointMinCount: 10,
  checkpointMaxCount: 1_000,
  subscriberMaxCount: 0,
  namedConsumerStrategy: "RoundRobin",
});

/** The protocol fields of Create/UpdatePersistentSubscription (protobuf-es names). */
export interface GroupSettingsMessage {
  /** Field 3. */
  readonly resolveLinkTos: boolean;
  /** Field 4. */
  readonly startFrom: bigint;
  /** Field 5. */
  readonly messageTimeoutMilliseconds: number;
  /** Field 6. */
  readonly recordStatistics: boolean;
  /** Field 7. */
  readonly liveBufferSize: number;
  /** Field 8. */
  readonly readBatchSize: number;
  /** Field 9. */
  readonly bufferSize: number;
  /** Field 10. */
  readonly maxRetryCount: number;
  /** Field 11. */
  readonly preferRoundRobin: boolean;
  /** Field 12. */
  readonly checkpointAfterTime: number;
  /** Field 13. */
  readonly checkpointMaxCount: number;
  /** Field 14. */
  readonly checkpointMinCount: number;
  /** Field 15. */
  readonly subscriberMaxCount: number;
  /** Field 16 (absent = empty). */
  readonly namedConsumerStrategy?: string;
}

/**
 * Maps a decoded Create/UpdatePersistentSubscription message to settings.
 *
 * @example
 * ```ts
 * import { settingsFromMessage } from "./group_settings.ts";
 * const s = settingsFromMessage({
 *   resolveLinkTos: false, startFrom: 0n, messageTimeoutMilliseconds: 1000,
 *   recordStatistics: false, liveBufferSize: 10, readBatchSize: 5, bufferSize: 20,
 *   maxRetryCount: 3, preferRoundRobin: true, checkpointAfterTime: 1000,
 *   checkpointMaxCount: 10, checkpointMinCount: 1, subscriberMaxCount: 0,
 * });
 * ```
 */
export function settingsFromMessage(message: GroupSettingsMessage): GroupSettings {
  return {
    resolveLinkTos: message.resolveLinkTos,
    startFrom: message.startFrom,
    messageTimeoutMs: message.messageTimeoutMilliseconds,
    recordStatistics: message.recordStatistics,
    liveBufferSize: message.liveBufferSize,
    readBatchSize: message.readBatchSize,
    bufferSize: message.bufferSize,
    maxRetryCount: message.maxRetryCount,
    preferRoundRobin: message.preferRoundRobin,
    checkpointAfterMs: message.checkpointAfterTime,
    checkpointMinCount: message.checkpointMinCount,
    checkpointMaxCount: message.checkpointMaxCount,
    subscriberMaxCount: message.subscriberMaxCount,
    namedConsumerStrategy: message.namedConsumerStrategy ?? "",
  };
}

/**
 * The strategy a group runs: `namedConsumerStrategy`, or when empty `RoundRobin` if
 * `preferRoundRobin` else `DispatchToSingle` (the server's rule for pre-3.5 clients). Returns
 * `undefined` for an unknown name.
 *
 * @example
 * ```ts
 * import { DEFAULT_GROUP_SETTINGS, resolveStrategyName } from "./group_settings.ts";
 * resolveStrategyName({ ...DEFAULT_GROUP_SETTINGS, namedConsumerStrategy: "", preferRoundRobin: false });
 * // "DispatchToSingle"
 * ```
 */
export function resolveStrategyName(settings: GroupSettings): ConsumerStrategyName | undefined {
  const name = settings.namedConsumerStrategy;
  if (name === "") return settings.preferRoundRobin ? "RoundRobin" : "DispatchToSingle";
  return (CONSUMER_STRATEGIES as readonly string[]).includes(name)
    ? name as ConsumerStrategyName
    : undefined;
}

/** Why the server refuses a create or update with `Fail`: the reason text it sends. */
export type SettingsProblem = string;

/**
 * The server's checks on a create/update request that end in `Fail`, in its order; returns the
 * reason or `undefined` when the request may proceed. (Access and existence are checked by the
 * caller.)
 *
 * @example
 * ```ts
 * import { DEFAULT_GROUP_SETTINGS, validateGroupRequest } from "./group_settings.ts";
 * validateGroupRequest("$all", DEFAULT_GROUP_SETTINGS);
 * // "Persistent subscriptions to $all are only supported over gRPC through gRPC clients"
 * ```
 */
export function validateGroupRequest(
  streamId: string,
  settings: GroupSettings,
): SettingsProblem | undefined {
  if (streamId === "$all") {
    return "Persistent subscriptions to $all are only supported over gRPC through gRPC clients";
  }
  if (streamId === "") return "Bad stream name.";
  if (resolveStrategyName(settings) === undefined) {
    return `Consumer strategy ${settings.namedConsumerStrategy} does not exist.`;
  }
  if (settings.startFrom < -1n) return `Invalid Start From position: ${settings.startFrom}`;
  return undefined;
}
