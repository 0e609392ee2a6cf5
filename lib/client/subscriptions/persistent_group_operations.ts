/**
 * Creating, updating and deleting persistent subscription groups (docs/protocol.md §4.14), with
 * photon-pump's defaults for the group settings.
 *
 * @module
 */

import {
  CreatePersistentSubscriptionCompleted_CreatePersistentSubscriptionResult as CreateResult,
  CreatePersistentSubscriptionCompletedSchema,
  CreatePersistentSubscriptionSchema,
  DeletePersistentSubscriptionCompleted_DeletePersistentSubscriptionResult as DeleteResult,
  DeletePersistentSubscriptionCompletedSchema,
  DeletePersistentSubscriptionSchema,
  UpdatePersistentSubscriptionCompleted_UpdatePersistentSubscriptionResult as UpdateResult,
  UpdatePersistentSubscriptionCompletedSchema,
  UpdatePersistentSubscriptionSchema,
} from "../../../gen/client_messages_pb.ts";
import { AccessDeniedError, PersistentSubscriptionError } from "../../errors.ts";
import type { Credentials } from "../../wire/package_codec.ts";
import { encodeMessage } from "../../wire/proto_codec.ts";
import { bodyOf } from "../../wire/message.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import { toBigInt } from "../expected_version.ts";
import { RequestOperation } from "../operation.ts";

/** How a group hands messages to its consumers. */
export type ConsumerStrategy = "RoundRobin" | "DispatchToSingle" | "Pinned";

/** The settings of a persistent subscription group. Every field is optional. */
export interface PersistentSubscriptionSettings {
  /** First event number: -1 (default) = only new events, 0 = the beginning. */
  readonly startFrom?: bigint | number;
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
  /** Milliseconds before an unacknowledged message is retried; 0 = never (default 30 000). */
  readonly messageTimeout?: number;
  /** Server-side latency statistics (default false). */
  readonly recordStatistics?: boolean;
  /** Deliveries before a failing message is parked (default 10). */
  readonly maxRetryCount?: number;
  /** Live events the group buffers (default 500). */
  readonly liveBufferSize?: number;
  /** Events per history read (default 500). */
  readonly readBatchSize?: number;
  /** History events the group buffers (default 1000). */
  readonly historyBufferSize?: number;
  /** Milliseconds between checkpoints; 0 = not by time (default 2000). */
  readonly checkpointAfter?: number;
  /** Fewest acknowledged messages before a checkpoint (default 10). */
  readonly checkpointMinCount?: number;
  /** Most acknowledged messages before a checkpoint (default 1024). */
  readonly checkpointMaxCount?: number;
  /** Most connected consumers; 0 = unlimited (default 10). */
  readonly maxSubscriberCount?: number;
  /** How messages are spread over consumers (default `"RoundRobin"`). */
  readonly consumerStrategy?: ConsumerStrategy;
}

/** photon-pump's defaults for {@linkcode PersistentSubscriptionSettings}. */
export const DEFAULT_PERSISTENT_SETTINGS: Readonly<Required<PersistentSubscriptionSettings>> = {
  startFrom: -1n,
  resolveLinks: true,
  messageTimeout: 30_000,
  recordStatistics: false,
  maxRetryCount: 10,
  liveBufferSize: 500,
  readBatchSize: 500,
  historyBufferSize: 1000,
  checkpointAfter: 2000,
  checkpointMinCount: 10,
  checkpointMaxCount: 1024,
  maxSubscriberCount: 10,
  consumerStrategy: "RoundRobin",
};

/** The keys of {@linkcode PersistentSubscriptionSettings}. */
export const PERSISTENT_SETTING_KEYS: readonly string[] = Object.keys(DEFAULT_PERSISTENT_SETTINGS);

function checkInt(value: unknown, key: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > 2 ** 31 - 1) {
    throw new RangeError(
      `Invalid persistent subscription setting "${key}" ${
        String(value)
      }: expected an integer >= ${min}`,
    );
  }
  return value;
}

/**
 * Fills in the defaults and checks every setting.
 *
 * @throws {TypeError} / {RangeError} naming the bad setting
 */
export function resolvePersistentSettings(
  settings: PersistentSubscriptionSettings,
): Required<PersistentSubscriptionSettings> & { startFrom: bigint } {
  const s = { ...DEFAULT_PERSISTENT_SETTINGS, ...settings };
  const startFrom = toBigInt(s.startFrom, "startFrom");
  if (startFrom < -1n) {
    throw new RangeError(
      `Invalid persistent subscription setting "startFrom" ${startFrom}: expected -1 or more`,
    );
  }
  for (const key of ["resolveLinks", "recordStatistics"] as const) {
    if (typeof s[key] !== "boolean") {
      throw new TypeError(`Invalid persistent subscription setting "${key}": expected a boolean`);
    }
  }
  for (
    const key of [
      "messageTimeout",
      "checkpointAfter",
      "maxSubscriberCount",
      "maxRetryCount",
    ] as const
  ) {
    checkInt(s[key], key, 0);
  }
  for (
    const key of [
      "liveBufferSize",
      "readBatchSize",
      "historyBufferSize",
      "checkpointMinCount",
      "checkpointMaxCount",
    ] as const
  ) {
    checkInt(s[key], key, 1);
  }
  if (!["RoundRobin", "DispatchToSingle", "Pinned"].includes(s.consumerStrategy)) {
    throw new TypeError(
      `Invalid persistent subscription setting "consumerStrategy" "${s.consumerStrategy}": expected "RoundRobin", "DispatchToSingle" or "Pinned"`,
    );
  }
  return { ...s, startFrom };
}

function settingsMessage(
  group: string,
  stream: string,
  s: ReturnType<typeof resolvePersistentSettings>,
) {
  return {
    subscriptionGroupName: group,
    eventStreamId: stream,
    resolveLinkTos: s.resolveLinks,
    startFrom: s.startFrom,
    messageTimeoutMilliseconds: s.messageTimeout,
    recordStatistics: s.recordStatistics,
    liveBufferSize: s.liveBufferSize,
    readBatchSize: s.readBatchSize,
    bufferSize: s.historyBufferSize,
    maxRetryCount: s.maxRetryCount,
    preferRoundRobin: s.consumerStrategy === "RoundRobin",
    checkpointAfterTime: s.checkpointAfter,
    checkpointMaxCount: s.checkpointMaxCount,
    checkpointMinCount: s.checkpointMinCount,
    subscriberMaxCount: s.maxSubscriberCount,
    namedConsumerStrategy: s.consumerStrategy,
  };
}

type GroupVerb = "create" | "update" | "delete";

function failure(
  verb: GroupVerb,
  group: string,
  stream: string,
  result: "AccessDenied" | "AlreadyExists" | "DoesNotExist" | "Fail" | string,
  reason: string,
): Error {
  if (result === "AccessDenied") {
    return new AccessDeniedError(stream, `${verb} persistent subscription "${group}" on`);
  }
  const kind = result === "AlreadyExists"
    ? "already-exists"
    : result === "DoesNotExist"
    ? "does-not-exist"
    : "failed";
  return new PersistentSubscriptionError(
    kind,
    group,
    stream,
    `Cannot ${verb} persistent subscription "${group}" on stream "${stream}": ${reason || result}`,
  );
}

/** Builds a CreatePersistentSubscription operation. */
export function createGroupOperation(
  group: string,
  stream: string,
  settings: ReturnType<typeof resolvePersistentSettings>,
  credentials: Credentials | undefined,
): RequestOperation<void> {
  return new RequestOperation<void>("CreatePersistentSubscription", {
    command: TcpCommand.CreatePersistentSubscription,
    payload: encodeMessage(
      CreatePersistentSubscriptionSchema,
      settingsMessage(group, stream, settings),
    ),
    responseCommand: TcpCommand.CreatePersistentSubscriptionCompleted,
    credentials,
    decode(message) {
      const reply = bodyOf(message, CreatePersistentSubscriptionCompletedSchema);
      if (reply.result === CreateResult.Success) return undefined;
      throw failure("create", group, stream, CreateResult[reply.result], reply.reason);
    },
  });
}

/** Builds an UpdatePersistentSubscription operation. */
export function updateGroupOperation(
  group: string,
  stream: string,
  settings: ReturnType<typeof resolvePersistentSettings>,
  credentials: Credentials | undefined,
): RequestOperation<void> {
  return new RequestOperation<void>("UpdatePersistentSubscription", {
    command: TcpCommand.UpdatePersistentSubscription,
    payload: encodeMessage(
      UpdatePersistentSubscriptionSchema,
      settingsMessage(group, stream, settings),
    ),
    responseCommand: TcpCommand.UpdatePersistentSubscriptionCompleted,
    credentials,
    decode(message) {
      const reply = bodyOf(message, UpdatePersistentSubscriptionCompletedSchema);
      if (reply.result === UpdateResult.Success) return undefined;
      throw failure("update", group, stream, UpdateResult[reply.result], reply.reason);
    },
  });
}

/** Builds a DeletePersistentSubscription operation. */
export function deleteGroupOperation(
  group: string,
  stream: string,
  credentials: Credentials | undefined,
): RequestOperation<void> {
  return new RequestOperation<void>("DeletePersistentSubscription", {
    command: TcpCommand.DeletePersistentSubscription,
    payload: encodeMessage(DeletePersistentSubscriptionSchema, {
      subscriptionGroupName: group,
      eventStreamId: stream,
    }),
    responseCommand: TcpCommand.DeletePersistentSubscriptionCompleted,
    credentials,
    decode(message) {
      const reply = bodyOf(message, DeletePersistentSubscriptionCompletedSchema);
      if (reply.result === DeleteResult.Success) return undefined;
      throw failure("delete", group, stream, DeleteResult[reply.result], reply.reason);
    },
  });
}
