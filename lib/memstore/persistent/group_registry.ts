/**
 * The groups of one store (the server's `PersistentSubscriptionService`, docs/protocol.md §4.14):
 * create, update and delete with the server's results and reasons, definitions persisted to
 * `$persistentSubscriptionConfig`, lookup for connects, and commit notifications.
 *
 * @module
 */

import { type Clock, systemClock } from "../../clock.ts";
import { type GroupSettings, resolveStrategyName, validateGroupRequest } from "./group_settings.ts";
import type { GroupStorage } from "./group_storage.ts";
import {
  checkpointStreamName,
  CONFIG_EVENT_TYPE,
  CONFIG_STREAM,
  parkedStreamName,
  subscriptionId,
} from "./group_stream_names.ts";
import { SubscriptionGroup } from "./subscription_group.ts";

/** The outcome of a create, update or delete (access is checked by the caller, first). */
export type GroupChangeOutcome =
  | { readonly result: "success" }
  | { readonly result: "already-exists" | "does-not-exist" | "fail"; readonly reason: string };

/** What the registry is made of. */
export interface GroupRegistryOptions {
  /** Reads and system writes. */
  readonly storage: GroupStorage;
  /** Timers of the groups. */
  readonly clock?: Clock;
  /** Wall-clock time for definitions and parked-message metadata. */
  readonly now?: () => Date;
}

interface Definition {
  readonly streamId: string;
  readonly groupName: string;
  readonly settings: GroupSettings;
  readonly createdBy: string;
  readonly created: Date;
}

const utf8 = new TextEncoder();

/**
 * All groups of a store.
 *
 * @example
 * ```ts
 * import { GroupRegistry } from "./group_registry.ts";
 * import { DEFAULT_GROUP_SETTINGS } from "./group_settings.ts";
 * import { MemoryGroupStorage } from "./memory_group_storage.ts";
 * import { MemoryStorage } from "../storage.ts";
 * import assert from "node:assert/strict";
 *
 * const groups = new GroupRegistry({ storage: new MemoryGroupStorage(new MemoryStorage()) });
 * assert.deepEqual(groups.create("orders", "billing", DEFAULT_GROUP_SETTINGS, "admin"), {
 *   result: "success",
 * });
 * groups.close();
 * ```
 */
export class GroupRegistry {
  #storage: GroupStorage;
  #clock: Clock;
  #now: () => Date;
  #definitions = new Map<string, Definition>();
  #groups = new Map<string, SubscriptionGroup>();

  /** Creates a registry with no groups. */
  constructor(options: GroupRegistryOptions) {
    this.#storage = options.storage;
    this.#clock = options.clock ?? systemClock;
    this.#now = options.now ?? (() => new Date());
  }

  /** The running group, if defined. */
  get(streamId: string, groupName: string): SubscriptionGroup | undefined {
    return this.#groups.get(subscriptionId(streamId, groupName));
  }

  /** The running group by wire id `"<stream>::<group>"`. */
  bySubscriptionId(id: string): SubscriptionGroup | undefined {
    return this.#groups.get(id);
  }

  /** Every running group. */
  groups(): SubscriptionGroup[] {
    return [...this.#groups.values()];
  }

  /** CreatePersistentSubscription after the access check. */
  create(
    streamId: string,
    groupName: string,
    settings: GroupSettings,
    user: string,
  ): GroupChangeOutcome {
    const problem = validateGroupRequest(streamId, settings);
    if (problem !== undefined) return { result: "fail", reason: problem };
    const key = subscriptionId(streamId, groupName);
    if (this.#definitions.has(key)) {
      return { result: "already-exists", reason: `Group '${groupName}' already exists.` };
    }
    this.#definitions.set(key, {
      streamId,
      groupName,
      settings,
      createdBy: user,
      created: this.#now(),
    });
    this.#start(key);
    this.#saveConfig(user);
    return { result: "success" };
  }

  /** UpdatePersistentSubscription after the access check: replaces the group, dropping its clients. */
  update(
    streamId: string,
    groupName: string,
    settings: GroupSettings,
    user: string,
  ): GroupChangeOutcome {
    if (streamId === "$all") {
      return { result: "fail", reason: validateGroupRequest(streamId, settings)! };
    }
    const key = subscriptionId(streamId, groupName);
    const existing = this.#definitions.get(key);
    if (existing === undefined) {
      return { result: "does-not-exist", reason: `Group '${groupName}' does not exist.` };
    }
    const problem = validateGroupRequest(streamId, settings);
    if (problem !== undefined) return { result: "fail", reason: problem };
    this.#groups.get(key)?.close(true);
    this.#definitions.set(key, { ...existing, settings });
    this.#start(key);
    this.#saveConfig(user);
    return { result: "success" };
  }

  /** DeletePersistentSubscription after the access check: drops clients, deletes its streams. */
  delete(streamId: string, groupName: string, user: string): GroupChangeOutcome {
    const key = subscriptionId(streamId, groupName);
    if (!this.#definitions.has(key)) {
      return { result: "does-not-exist", reason: `Group '${groupName}' does not exist.` };
    }
    this.#definitions.delete(key);
    this.#groups.get(key)?.close(true);
    this.#groups.delete(key);
    this.#saveConfig(user);
    this.#storage.deleteStream(checkpointStreamName(streamId, groupName));
    this.#storage.deleteStream(parkedStreamName(streamId, groupName));
    return { result: "success" };
  }

  /** Tells the groups of `streamId` that it has new events. */
  notifyAppended(streamId: string): void {
    for (const group of this.#groups.values()) {
      if (group.streamId === streamId) group.notifyAppended();
    }
  }

  /** Disconnects every client of a closed connection, silently. */
  connectionClosed(connectionId: string): void {
    for (const group of this.#groups.values()) group.removeConnection(connectionId);
  }

  /** Stops every group silently (the store is closing). */
  close(): void {
    for (const group of this.#groups.values()) group.close(false);
    this.#groups.clear();
  }

  #start(key: string): void {
    const d = this.#definitions.get(key)!;
    this.#groups.set(
      key,
      new SubscriptionGroup({
        streamId: d.streamId,
        groupName: d.groupName,
        settings: d.settings,
        storage: this.#storage,
        clock: this.#clock,
        now: this.#now,
      }),
    );
  }

  /** Writes every definition as one `$PersistentConfig` event (the server's config shape). */
  #saveConfig(user: string): void {
    const entries = [...this.#definitions.values()].map((d) => ({
      stream: d.streamId,
      group: d.groupName,
      resolveLinkTos: d.settings.resolveLinkTos,
      extraStatistics: d.settings.recordStatistics,
      messageTimeout: d.settings.messageTimeoutMs,
      startFrom: Number(d.settings.startFrom),
      liveBufferSize: d.settings.liveBufferSize,
      historyBufferSize: d.settings.bufferSize,
      maxRetryCount: d.settings.maxRetryCount,
      readBatchSize: d.settings.readBatchSize,
      preferRoundRobin: d.settings.preferRoundRobin,
      checkPointAfter: d.settings.checkpointAfterMs,
      minCheckPointCount: d.settings.checkpointMinCount,
      maxCheckPointCount: d.settings.checkpointMaxCount,
      maxSubscriberCount: d.settings.subscriberMaxCount,
      namedConsumerStrategy: resolveStrategyName(d.settings),
      createdBy: d.createdBy,
      createdDate: d.created.toISOString(),
    }));
    const config = {
      version: "2",
      updated: this.#now().toISOString(),
      updatedBy: user,
      entries,
    };
    this.#storage.append(CONFIG_STREAM, [{
      eventType: CONFIG_EVENT_TYPE,
      data: utf8.encode(JSON.stringify(config)),
      metadata: new Uint8Array(0),
      isJson: true,
    }]);
  }
}
