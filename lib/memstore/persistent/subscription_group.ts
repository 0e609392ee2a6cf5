/**
 * One running persistent-subscription group (the server's `PersistentSubscription`, docs/protocol.md
 * §4.14): reads its stream into a bounded buffer, hands messages to clients through the consumer
 * strategy, tracks them until ack/nak/timeout, retries, parks and checkpoints.
 *
 * Live events are not pushed into the group: after each commit to its stream the group is told
 * to look, and it reads on from the next number it has not read. History and live events thus
 * come through one cursor — no gaps, no duplicates — and memory stays bounded by `bufferSize`
 * however far the clients fall behind.
 *
 * @module
 */

import { PersistentSubscriptionNakEvents_NakAction as NakAction } from "../../../gen/client_messages_pb.ts";
import { type Clock, systemClock, type TimerHandle } from "../../clock.ts";
import { type ConsumerStrategy, createConsumerStrategy } from "./consumer_strategy.ts";
import { type GroupEvent, messageId, originalEventNumber, parkedLinkData } from "./group_event.ts";
import { type GroupSettings, resolveStrategyName } from "./group_settings.ts";
import type { GroupStorage } from "./group_storage.ts";
import {
  checkpointEvent,
  checkpointStreamMetadataEvent,
  checkpointStreamName,
  parkedMessageEvent,
  parkedStreamName,
  subscriptionId,
} from "./group_stream_names.ts";
import { MessageBuffer } from "./message_buffer.ts";
import { OutstandingMessages } from "./outstanding_messages.ts";
import { type ClientInit, PersistentClient } from "./persistent_client.ts";

/** The server checks timeouts and time-driven checkpoints once a second. */
export const TICK_MS = 1000;

/** What a group is made of. */
export interface SubscriptionGroupOptions {
  /** The subscribed stream. */
  readonly streamId: string;
  /** The group name. */
  readonly groupName: string;
  /** Validated settings (a known strategy). */
  readonly settings: GroupSettings;
  /** Reads and system writes. */
  readonly storage: GroupStorage;
  /** Timers; the system clock by default. */
  readonly clock?: Clock;
  /** Wall-clock time for parked-message metadata. */
  readonly now?: () => Date;
}

/** One connected client in {@linkcode GroupStats}. */
export interface GroupClientStats {
  /** The connection it came on. */
  readonly connectionId: string;
  /** Who connected. */
  readonly username: string;
  /** The connection's name. */
  readonly connectionName: string;
  /** Messages it holds unacknowledged. */
  readonly inFlight: number;
  /** Its in-flight limit. */
  readonly maxInFlight: number;
}

/** A snapshot of a group's counters (what the HTTP `/subscriptions` statistics show). */
export interface GroupStats {
  /** Messages acknowledged since the group started. */
  readonly totalItemsProcessed: number;
  /** The highest event number delivered, −1 if none. */
  readonly lastKnownEventNumber: bigint;
  /** The last checkpoint, −1 if none. */
  readonly lastCheckpoint: bigint;
  /** Events read ahead, not yet delivered. */
  readonly readBufferCount: number;
  /** Retries (and replayed parked messages) waiting for delivery. */
  readonly retryBufferCount: number;
  /** Delivered, unacknowledged messages. */
  readonly outstandingCount: number;
  /** The connected clients. */
  readonly clients: readonly GroupClientStats[];
}

/** A running group. */
export class SubscriptionGroup {
  /** The subscribed stream. */
  readonly streamId: string;
  /** The group name. */
  readonly groupName: string;
  /** `"<stream>::<group>"`. */
  readonly subscriptionId: string;
  /** The group's settings. */
  readonly settings: GroupSettings;
  #storage: GroupStorage;
  #clock: Clock;
  #now: () => Date;
  #strategy: ConsumerStrategy;
  #clients = new Map<string, PersistentClient>();
  #outstanding = new OutstandingMessages();
  #buffer = new MessageBuffer();
  #nextToRead = 0n;
  #lastKnown = -1n;
  #lastCheckpoint = -1n;
  #lastCheckpointTime = -Infinity;
  #checkpointStreamHasMetadata = false;
  #timer: TimerHandle | undefined;
  #closed = false;
  #pushing = false;
  #processed = 0;

  /**
   * Starts the group: loads its checkpoint, else positions at `startFrom` (−1: after the stream's
   * current last event).
   *
   * @throws {RangeError} when the settings name an unknown strategy
   */
  constructor(options: SubscriptionGroupOptions) {
    this.streamId = options.streamId;
    this.groupName = options.groupName;
    this.subscriptionId = subscriptionId(options.streamId, options.groupName);
    this.settings = options.settings;
    this.#storage = options.storage;
    this.#clock = options.clock ?? systemClock;
    this.#now = options.now ?? (() => new Date());
    const strategy = resolveStrategyName(options.settings);
    if (strategy === undefined) {
      throw new RangeError(
        `Unknown consumer strategy "${options.settings.namedConsumerStrategy}"`,
      );
    }
    this.#strategy = createConsumerStrategy(strategy);
    const checkpoint = this.#loadCheckpoint();
    if (checkpoint !== undefined) {
      this.#nextToRead = checkpoint + 1n;
      this.#lastCheckpoint = checkpoint;
      this.#lastKnown = checkpoint;
      this.#checkpointStreamHasMetadata = true;
    } else if (this.settings.startFrom >= 0n) {
      this.#nextToRead = this.settings.startFrom;
    } else {
      this.#nextToRead = this.#storage.lastEventNumber(this.streamId) + 1n;
    }
    this.#fill();
  }

  /** The stream position the group reads next (for diagnostics and tests). */
  get nextEventNumber(): bigint {
    return this.#nextToRead;
  }

  /** The last checkpoint written or loaded, −1 if none. */
  get lastCheckpoint(): bigint {
    return this.#lastCheckpoint;
  }

  /** Connected clients. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Delivered, unacknowledged messages. */
  get outstandingCount(): number {
    return this.#outstanding.size;
  }

  /** Messages read or retried but not yet delivered. */
  get bufferedCount(): number {
    return this.#buffer.size;
  }

  /** True when `subscriberMaxCount` clients are connected (0 = unlimited). */
  get isFull(): boolean {
    const max = this.settings.subscriberMaxCount;
    return max > 0 && this.#clients.size >= max;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Connects a client and starts delivering to it.
   *
   * @throws {RangeError} when the group is full or the key is taken
   */
  addClient(init: ClientInit): PersistentClient {
    if (this.#closed) throw new RangeError(`Group "${this.subscriptionId}" is closed`);
    if (this.isFull) {
      throw new RangeError(`Group "${this.subscriptionId}" has its maximum of clients`);
    }
    const client = new PersistentClient(init);
    if (this.#clients.has(client.key)) {
      throw new RangeError(`Client "${client.key}" is already connected`);
    }
    this.#clients.set(client.key, client);
    this.#strategy.clientAdded(client);
    this.#pump();
    return client;
  }

  /**
   * Disconnects a client; its in-flight messages go back to the buffer (retryCount 1, as the
   * server's `RetryMessage(m, 0)`) for the others. With `notify` the client gets
   * SubscriptionDropped. Returns false for an unknown key.
   */
  removeClient(key: string, notify: boolean): boolean {
    const client = this.#clients.get(key);
    if (client === undefined) return false;
    this.#clients.delete(key);
    this.#strategy.clientRemoved(client);
    for (const entry of client.takeAll()) this.#retry(entry, 0);
    if (notify) client.sink.dropped();
    this.#pump();
    return true;
  }

  /** Disconnects every client of a closed connection, silently. */
  removeConnection(connectionId: string): void {
    for (const client of [...this.#clients.values()]) {
      if (client.connectionId === connectionId) this.removeClient(client.key, false);
    }
  }

  /** Acknowledges messages (ids as RFC strings) sent by the client `key`. */
  acknowledge(key: string, ids: readonly string[]): void {
    if (this.#closed) return;
    this.#processed += ids.length;
    this.#removeProcessing(key, ids);
    this.#after(false);
  }

  /** The group's counters now. */
  stats(): GroupStats {
    return {
      totalItemsProcessed: this.#processed,
      lastKnownEventNumber: this.#lastKnown,
      lastCheckpoint: this.#lastCheckpoint,
      readBufferCount: this.#buffer.readCount,
      retryBufferCount: this.#buffer.size - this.#buffer.readCount,
      outstandingCount: this.#outstanding.size,
      clients: [...this.#clients.values()].map((c) => ({
        connectionId: c.connectionId,
        username: c.username,
        connectionName: c.connectionName,
        inFlight: c.inFlightCount,
        maxInFlight: c.maxInFlight,
      })),
    };
  }

  /**
   * Replays parked messages (the server's `RetryParkedMessages`): every readable event of the
   * parked stream numbered below `stopAt` (all when absent) goes back into the retry buffer as
   * its resolved target, with retryCount 0, and the parked stream is truncated before the first
   * one not replayed (`$tb`), so the same messages are not replayed twice. Parked links whose
   * target is gone are dropped. Returns how many messages were replayed.
   */
  replayParked(stopAt?: bigint): number {
    if (this.#closed) return 0;
    const stream = parkedStreamName(this.streamId, this.groupName);
    let from = 0n;
    let replayed = 0;
    let truncateBefore = -1n;
    for (;;) {
      const page = this.#storage.readStreamForward(stream, from, 100, true);
      let stop = false;
      for (const entry of page.events) {
        const n = originalEventNumber(entry);
        if (stopAt !== undefined && n >= stopAt) {
          stop = true;
          break;
        }
        if (entry.event !== undefined) {
          this.#buffer.addRetry({ event: entry.event }, 0);
          replayed++;
        }
        truncateBefore = n + 1n;
      }
      if (stop || page.isEndOfStream || page.nextEventNumber <= from) break;
      from = page.nextEventNumber;
    }
    if (truncateBefore > 0n) {
      this.#storage.append(`$$${stream}`, [{
        eventType: "$metadata",
        data: new TextEncoder().encode(`{"$tb":${truncateBefore}}`),
        metadata: new Uint8Array(0),
        isJson: true,
      }]);
    }
    this.#pump();
    return replayed;
  }

  /**
   * Handles a nak: Retry/Unknown → redeliver with retryCount + 1 or park at the maximum; Park →
   * park; Skip → drop. Every named message is then released by the client, so Stop — whose
   * server handler is empty — lets the message go like Skip (no retry, no park).
   */
  notAcknowledge(key: string, ids: readonly string[], action: NakAction, reason: string): void {
    if (this.#closed) return;
    for (const id of ids) {
      const message = this.#outstanding.get(id);
      switch (action) {
        case NakAction.Retry:
        case NakAction.Unknown:
          if (message !== undefined && !this.#parkIfExhausted(message.entry, message.retryCount)) {
            this.#retry(message.entry, message.retryCount);
          }
          break;
        case NakAction.Park:
          if (message !== undefined) {
            this.#park(message.entry, `Client explicitly NAK'ed message.\n${reason}`);
          }
          break;
        case NakAction.Stop:
          break;
        default:
          this.#outstanding.remove(id);
      }
    }
    this.#removeProcessing(key, ids);
    this.#after(false);
  }

  /** Called after a commit to the group's stream: read on and deliver. */
  notifyAppended(): void {
    if (this.#closed) return;
    this.#pump();
  }

  /**
   * Stops the group: clears its timer and, with `notify`, sends each client
   * SubscriptionDropped (the server drops clients with Unsubscribed on update and delete).
   */
  close(notify: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    if (notify) { for (const client of clients) client.sink.dropped(); }
  }

  #loadCheckpoint(): bigint | undefined {
    const record = this.#storage.readLastEvent(checkpointStreamName(this.streamId, this.groupName));
    if (record === undefined) return undefined;
    const text = new TextDecoder().decode(record.data).trim().replace(/^"|"$/g, "");
    return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
  }

  #removeProcessing(key: string, ids: readonly string[]): void {
    const client = this.#clients.get(key);
    for (const id of ids) {
      client?.release(id);
      this.#outstanding.remove(id);
    }
  }

  #after(isTimeCheck: boolean): void {
    this.#tryCheckpoint(isTimeCheck);
    this.#pump();
  }

  #pump(): void {
    if (this.#closed || this.#pushing) return;
    this.#pushing = true;
    const deliveries: [PersistentClient, GroupEvent, number][] = [];
    try {
      for (;;) {
        this.#fill();
        const before = deliveries.length;
        this.#push(deliveries);
        if (deliveries.length === before || this.#buffer.readCount > 0) break;
      }
    } finally {
      this.#pushing = false;
    }
    this.#schedule();
    for (const [client, entry, retryCount] of deliveries) {
      if (this.#clients.get(client.key) === client) client.sink.deliver(entry, retryCount);
    }
  }

  /** Reads from the stream while the read-ahead buffer has room. */
  #fill(): void {
    const size = Math.max(1, this.settings.bufferSize);
    const batch = Math.max(1, this.settings.readBatchSize);
    while (this.#buffer.readCount < size) {
      const count = Math.min(batch, size - this.#buffer.readCount);
      const page = this.#storage.readStreamForward(
        this.streamId,
        this.#nextToRead,
        count,
        this.settings.resolveLinkTos,
      );
      let next = this.#nextToRead;
      for (const entry of page.events) {
        const n = originalEventNumber(entry);
        if (n < this.#nextToRead) continue;
        this.#buffer.addRead(entry);
        next = n + 1n;
      }
      if (page.nextEventNumber > next) next = page.nextEventNumber;
      const progressed = next > this.#nextToRead;
      this.#nextToRead = next;
      if (page.isEndOfStream || !progressed) return;
    }
  }

  #push(deliveries: [PersistentClient, GroupEvent, number][]): void {
    if (this.#clients.size === 0) return;
    const timeout = this.settings.messageTimeoutMs;
    this.#buffer.offer((message) => {
      const result = this.#strategy.push(message.entry);
      if (result.kind === "no-capacity") return "stop";
      if (result.kind === "skipped") return "skip";
      const deadline = timeout > 0 ? this.#clock.now() + timeout : Infinity;
      this.#outstanding.start(message.entry, message.retryCount, result.client.key, deadline);
      const n = originalEventNumber(message.entry);
      if (n > this.#lastKnown) this.#lastKnown = n;
      deliveries.push([result.client, message.entry, message.retryCount]);
      return "take";
    });
  }

  /** Parks when `retryCount` has reached the maximum; true if it did. */
  #parkIfExhausted(entry: GroupEvent, retryCount: number): boolean {
    if (retryCount < this.settings.maxRetryCount) return false;
    this.#park(entry, `Reached retry count of ${this.settings.maxRetryCount}`);
    return true;
  }

  #retry(entry: GroupEvent, retryCount: number): void {
    const id = messageId(entry);
    this.#outstanding.remove(id);
    for (const client of this.#clients.values()) client.release(id);
    this.#buffer.addRetry(entry, retryCount + 1);
  }

  #park(entry: GroupEvent, reason: string): void {
    const id = messageId(entry);
    this.#storage.append(parkedStreamName(this.streamId, this.groupName), [
      parkedMessageEvent(parkedLinkData(entry), reason, originalEventNumber(entry), this.#now()),
    ]);
    this.#outstanding.remove(id);
    for (const client of this.#clients.values()) client.release(id);
  }

  /** The highest event number up to which everything is done, −1 when nothing is. */
  #checkpointCandidate(): bigint {
    let candidate = this.#lastKnown;
    for (
      const lowest of [this.#outstanding.lowestEventNumber(), this.#buffer.lowestEventNumber()]
    ) {
      if (lowest !== undefined && lowest - 1n < candidate) candidate = lowest - 1n;
    }
    return candidate;
  }

  /**
   * The server's `TryMarkCheckpoint`: after acks/naks a checkpoint is written once `maxCount`
   * events are done; on a tick also once `checkpointAfter` has passed and `minCount` are done.
   */
  #tryCheckpoint(isTimeCheck: boolean): void {
    const candidate = this.#checkpointCandidate();
    if (candidate < 0n) return;
    const difference = candidate - this.#lastCheckpoint;
    if (difference <= 0n) return;
    const now = this.#clock.now();
    const elapsed = now - this.#lastCheckpointTime;
    const max = BigInt(this.settings.checkpointMaxCount);
    const min = BigInt(this.settings.checkpointMinCount);
    if (elapsed < this.settings.checkpointAfterMs && difference < max) return;
    if (!((difference >= min && isTimeCheck) || difference >= max)) return;
    this.#lastCheckpointTime = now;
    this.#lastCheckpoint = candidate;
    const stream = checkpointStreamName(this.streamId, this.groupName);
    if (!this.#checkpointStreamHasMetadata) {
      this.#storage.append(`$$${stream}`, [checkpointStreamMetadataEvent()]);
      this.#checkpointStreamHasMetadata = true;
    }
    this.#storage.append(stream, [checkpointEvent(candidate)]);
  }

  /**
   * Keeps a once-a-second tick while messages can time out, or while clients are connected and a
   * checkpoint may become due. A group without clients and messages holds no timer, so a closing
   * store leaves none behind.
   */
  #schedule(): void {
    const needed = !this.#closed && (this.#outstanding.hasDeadlines ||
      (this.#clients.size > 0 && this.#checkpointCandidate() > this.#lastCheckpoint));
    if (!needed) {
      if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    } else if (this.#timer === undefined) {
      this.#timer = this.#clock.setTimeout(() => this.#tick(), TICK_MS);
    }
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    for (const message of this.#outstanding.expiredAt(this.#clock.now())) {
      if (!this.#parkIfExhausted(message.entry, message.retryCount)) {
        this.#retry(message.entry, message.retryCount);
      }
    }
    this.#after(true);
  }
}
