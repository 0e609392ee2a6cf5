/**
 * The memstore's storage: the API handlers and server-side features (persistent subscriptions,
 * the HTTP API) use. It joins the log ({@linkcode EventLog}: records, indexes, event bytes in
 * arena slabs outside the V8 heap), the write rules ({@linkcode checkCommit}) and the read rules
 * ({@linkcode ReadRules}), and adds what spans them: deletes, transactions, the memory budget and
 * commit listeners (docs/protocol.md §4.5–§4.12). Everything here is synchronous and
 * protocol-agnostic; handlers turn results into packages.
 *
 * @module
 */

import { EventLog, RECORD_OVERHEAD } from "./event_log.ts";
import { defaultMaxMemory, MemoryBudget } from "./memory_budget.ts";
import { defaultAllFilter, ReadRules } from "./read_rules.ts";
import {
  type AllReadOutcome,
  type CommitListener,
  type EventReadOutcome,
  type LogPosition,
  METADATA_EVENT_TYPE,
  type NewEventData,
  type ResolvedRecord,
  type StoredEvent,
  STREAM_DELETED_EVENT_TYPE,
  type StreamReadOutcome,
  type WriteOutcome,
} from "./storage_types.ts";
import {
  DELETED_STREAM,
  encodeMetadataJson,
  isMetastream,
  metastreamOf,
  originalStreamOf,
  type StreamMetadata,
  type SystemSettings,
  withTruncateBefore,
} from "./stream_metadata.ts";
import { checkCommit, type CommitDecision } from "./write_rules.ts";

export { defaultAllFilter } from "./read_rules.ts";
export {
  LINK_EVENT_TYPE,
  MAX_READ_SIZE,
  METADATA_EVENT_TYPE,
  STREAM_DELETED_EVENT_TYPE,
} from "./storage_types.ts";
export type {
  AllReadOutcome,
  CommitListener,
  EventReadOutcome,
  LogPosition,
  NewEventData,
  ResolvedRecord,
  StoredEvent,
  StreamReadOutcome,
  WriteOutcome,
} from "./storage_types.ts";

/** Options of {@linkcode MemoryStorage}. */
export interface MemoryStorageOptions {
  /** Wall-clock milliseconds since the epoch, for `created` and `$maxAge`. Default `Date.now`. */
  now?: () => number;
  /**
   * Memory budget in bytes (event bytes plus an index estimate); past it writes are refused with
   * a `memory-full` outcome while reads and deletes keep working. Default
   * {@linkcode defaultMaxMemory}.
   */
  maxMemory?: number;
}

/** Bytes of a transaction begin or commit record. */
const TRANSACTION_RECORD_SIZE = 32;

const ZERO_ID = "00000000-0000-0000-0000-000000000000";
const encoder = new TextEncoder();
/** What a delete is charged: a tombstone or a metadata event. */
const DELETE_ESTIMATE: NewEventData = {
  eventId: ZERO_ID,
  eventType: METADATA_EVENT_TYPE,
  isJson: true,
  data: new Uint8Array(64),
};

interface Transaction {
  readonly stream: string;
  readonly expectedVersion: bigint;
  readonly events: { data: NewEventData; preparePosition: number; size: number }[];
}

/**
 * The in-memory log and index.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "./storage.ts";
 * const storage = new MemoryStorage();
 * const data = new TextEncoder().encode("{}");
 * storage.append("orders-1", -2n, [{ eventId: crypto.randomUUID(), eventType: "Placed", isJson: true, data }]);
 * const read = storage.readStreamForward("orders-1", 0n, 10);
 * ```
 */
export class MemoryStorage {
  readonly #log: EventLog;
  readonly #reads: ReadRules;
  readonly #transactions = new Map<number, Transaction>();
  readonly #listeners = new Set<CommitListener>();
  readonly #streamListeners = new Map<string, Set<CommitListener>>();
  readonly #budget: MemoryBudget;
  #batch: StoredEvent[] | null = null;

  /** Creates an empty store. */
  constructor(options: MemoryStorageOptions = {}) {
    this.#log = new EventLog(options.now ?? Date.now);
    this.#log.onRecord = (record) => this.#batch?.push(record);
    this.#reads = new ReadRules(this.#log);
    this.#budget = new MemoryBudget(options.maxMemory ?? defaultMaxMemory());
  }

  /** The memory budget in bytes. */
  get maxMemory(): number {
    return this.#budget.maxMemory;
  }

  /** Estimated bytes in use, as the memory budget counts them. */
  get memoryUsed(): number {
    return this.#budget.used(this.#memoryUse());
  }

  /**
   * Null if `events` fit in the memory budget as a write to `stream`, else why not (a sentence
   * for logs and the wire). Writes and transaction commits check this themselves.
   */
  writeRefusal(stream: string, events: readonly NewEventData[], isDelete = false): string | null {
    let bytes = 0;
    const header = stream.length * 3 + 64;
    for (const e of events) {
      bytes += e.data.length + (e.metadata?.length ?? 0) + e.eventType.length * 3 + header;
    }
    const streams = this.#log.hasStream(stream) ? 0 : 1;
    return this.#budget.refusal(this.#memoryUse(), bytes, events.length, streams, isDelete);
  }

  #memoryUse(): { recordBytes: number; records: number; streams: number } {
    return {
      recordBytes: this.#log.recordBytes,
      records: this.#log.allCount,
      streams: this.#log.streamCount,
    };
  }

  /** Log position of the last committed record, −1 while the log is empty. */
  get lastCommitPosition(): number {
    return this.#log.lastCommitPosition;
  }

  /** The position where the next record will be written (the "writer checkpoint"). */
  get writerCheckpoint(): number {
    return this.#log.writerCheckpoint;
  }

  /** Bytes of the buffers holding the stored records (slabs outside the V8 heap). */
  get recordBytes(): number {
    return this.#log.recordBytes;
  }

  /** Number of records in `$all`. */
  get allCount(): number {
    return this.#log.allCount;
  }

  /** Registers a listener for every commit (`$all`); returns a function that removes it. */
  onCommit(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Registers a listener for the commits that add events to `stream`, called with those events
   * only; listeners of other streams cost a commit nothing. Returns a function that removes it.
   */
  onStreamCommit(stream: string, listener: CommitListener): () => void {
    let set = this.#streamListeners.get(stream);
    if (!set) {
      set = new Set();
      this.#streamListeners.set(stream, set);
    }
    set.add(listener);
    return () => {
      const current = this.#streamListeners.get(stream);
      if (!current?.delete(listener)) return;
      if (current.size === 0) this.#streamListeners.delete(stream);
    };
  }

  // ---- stream state (the log) ----------------------------------------------------------------

  /**
   * The stream's last event number as the index knows it: −1 if it never had events, the raw last
   * number if soft-deleted or truncated, {@linkcode DELETED_STREAM} if hard-deleted (a metastream
   * of a hard-deleted stream counts as hard-deleted too).
   */
  lastEventNumber(stream: string): bigint {
    return this.#log.lastEventNumber(stream);
  }

  /** True once a tombstone was written to the stream. */
  isHardDeleted(stream: string): boolean {
    return this.#log.isHardDeleted(stream);
  }

  /** True if the stream's metadata has `$tb` = long.MaxValue. */
  isSoftDeleted(stream: string): boolean {
    return this.#log.isSoftDeleted(stream);
  }

  /** The effective metadata of a stream (`{maxCount: 1}` for metastreams). */
  metadataOf(stream: string): StreamMetadata {
    return this.#log.metadataOf(stream);
  }

  /** The last metadata event of `stream` (the last event of `$$stream`), if any. */
  rawMetadataOf(stream: string): StoredEvent | null {
    return this.#log.rawMetadataOf(stream);
  }

  /** The default ACLs from the last `$settings` event. */
  get systemSettings(): SystemSettings {
    return this.#log.systemSettings;
  }

  /** The stored event `number` of `stream`, ignoring metadata windows; null if absent. */
  eventAt(stream: string, number: bigint): StoredEvent | null {
    return this.#log.eventAt(stream, number);
  }

  // ---- writes ---------------------------------------------------------------------------------

  /**
   * Appends events with the server's expected-version and idempotency rules (docs/protocol.md §4.5).
   * `expectedVersion`: −2 any, −1 no stream, −4 stream exists, or an exact number. Validation of
   * the request (stream name, ids, types, expected version) is the caller's job.
   */
  append(stream: string, expectedVersion: bigint, events: readonly NewEventData[]): WriteOutcome {
    const decision = checkCommit(this.#log, stream, expectedVersion, events.map((e) => e.eventId));
    if (decision.kind === "ok" && events.length > 0) {
      const refusal = this.writeRefusal(stream, events);
      if (refusal !== null) return { status: "memory-full", message: refusal };
    }
    return this.#runBatch(() => this.#commitDecision(stream, decision, events, null));
  }

  /**
   * Deletes a stream (docs/protocol.md §4.6): a tombstone at long.MaxValue (`hard`) or metadata
   * `{"$tb": long.MaxValue}` (soft).
   */
  deleteStream(stream: string, expectedVersion: bigint, hard: boolean): WriteOutcome {
    const decision = checkCommit(this.#log, stream, expectedVersion, [crypto.randomUUID()]);
    if (decision.kind === "deleted") return { status: "stream-deleted" };
    if (decision.kind === "wrong-expected-version") {
      return { status: "wrong-expected-version", currentVersion: decision.current };
    }
    // 21.10+: a soft delete of a stream that never had events nor metadata is refused.
    if (!hard && decision.current === -1n && this.lastEventNumber(metastreamOf(stream)) < 0n) {
      return { status: "wrong-expected-version", currentVersion: -1n };
    }
    const refusal = this.writeRefusal(stream, [DELETE_ESTIMATE], true);
    if (refusal !== null) return { status: "memory-full", message: refusal };
    return this.#runBatch(() => {
      if (hard) {
        const tombstone = this.#log.writeRecord(stream, DELETED_STREAM, {
          eventId: crypto.randomUUID(),
          eventType: STREAM_DELETED_EVENT_TYPE,
          isJson: false,
          data: new Uint8Array(0),
        }, null);
        return {
          status: "success",
          firstEventNumber: DELETED_STREAM,
          lastEventNumber: DELETED_STREAM,
          position: tombstone.preparePosition,
          idempotent: false,
          currentVersion: DELETED_STREAM - 1n,
        };
      }
      const meta = this.#log.appendRaw(metastreamOf(stream), [{
        eventId: crypto.randomUUID(),
        eventType: METADATA_EVENT_TYPE,
        isJson: true,
        data: encodeMetadataJson({ $tb: DELETED_STREAM }),
      }], null)[0];
      return {
        status: "success",
        firstEventNumber: meta.eventNumber,
        lastEventNumber: meta.eventNumber,
        position: meta.preparePosition,
        idempotent: false,
        currentVersion: meta.eventNumber,
      };
    });
  }

  /** Starts an explicit transaction; returns its id (the begin record's position). */
  startTransaction(stream: string, expectedVersion: bigint): number {
    const id = this.#log.allocate(TRANSACTION_RECORD_SIZE);
    this.#transactions.set(id, { stream, expectedVersion, events: [] });
    return id;
  }

  /** The stream of an open transaction, or null if the id is unknown. */
  transactionStream(transactionId: number): string | null {
    return this.#transactions.get(transactionId)?.stream ?? null;
  }

  /** Adds events to an open transaction (invisible until commit); false if the id is unknown. */
  writeTransaction(transactionId: number, events: readonly NewEventData[]): boolean {
    const tx = this.#transactions.get(transactionId);
    if (!tx) return false;
    for (const data of events) {
      const size = RECORD_OVERHEAD + tx.stream.length + data.eventType.length + data.data.length +
        (data.metadata?.length ?? 0) + 40;
      // Copied: an open transaction must not pin the socket chunk its request arrived in.
      const copy = { ...data, data: data.data.slice(), metadata: data.metadata?.slice() };
      tx.events.push({ data: copy, preparePosition: this.#log.allocate(size), size });
    }
    return true;
  }

  /** Commits a transaction with the checks of a write, evaluated now (docs/protocol.md §4.12). */
  commitTransaction(transactionId: number): WriteOutcome {
    const tx = this.#transactions.get(transactionId);
    if (!tx) return { status: "invalid-transaction" };
    this.#transactions.delete(transactionId);
    const datas = tx.events.map((e) => e.data);
    const decision = checkCommit(
      this.#log,
      tx.stream,
      tx.expectedVersion,
      datas.map((e) => e.eventId),
    );
    if (decision.kind === "ok" && datas.length > 0) {
      const refusal = this.writeRefusal(tx.stream, datas);
      if (refusal !== null) return { status: "memory-full", message: refusal };
    }
    return this.#runBatch(() => {
      if (decision.kind !== "ok" || datas.length === 0) {
        return this.#commitDecision(tx.stream, decision, datas, null);
      }
      const commit = this.#log.allocate(TRANSACTION_RECORD_SIZE);
      return this.#commitDecision(tx.stream, decision, datas, {
        commit,
        prepares: tx.events.map((e) => [e.preparePosition, e.preparePosition + e.size]),
      });
    });
  }

  #runBatch(run: () => WriteOutcome): WriteOutcome {
    this.#batch = [];
    let outcome: WriteOutcome;
    let batch: StoredEvent[];
    try {
      outcome = run();
    } finally {
      batch = this.#batch;
      this.#batch = null;
    }
    if (batch.length > 0) this.#notify(batch);
    return outcome;
  }

  /** Runs the `$all` listeners, then those of each stream in the batch with its events. */
  #notify(batch: StoredEvent[]): void {
    // Set iteration tolerates listeners that remove themselves; no copy per commit.
    for (const listener of this.#listeners) listener(batch);
    if (this.#streamListeners.size === 0) return;
    const first = batch[0].stream;
    if (batch.every((event) => event.stream === first)) {
      const set = this.#streamListeners.get(first);
      if (set) { for (const listener of set) listener(batch); }
      return;
    }
    const byStream = new Map<string, StoredEvent[]>();
    for (const event of batch) {
      if (!this.#streamListeners.has(event.stream)) continue;
      const events = byStream.get(event.stream);
      if (events) events.push(event);
      else byStream.set(event.stream, [event]);
    }
    for (const [stream, events] of byStream) {
      const set = this.#streamListeners.get(stream);
      if (set) { for (const listener of set) listener(events); }
    }
  }

  #commitDecision(
    stream: string,
    decision: CommitDecision,
    events: readonly NewEventData[],
    transaction: { commit: number; prepares: [number, number][] } | null,
  ): WriteOutcome {
    switch (decision.kind) {
      case "deleted":
        return { status: "stream-deleted" };
      case "wrong-expected-version":
        return { status: "wrong-expected-version", currentVersion: decision.current };
      case "idempotent": {
        const last = this.eventAt(stream, decision.last);
        return {
          status: "success",
          firstEventNumber: decision.first,
          lastEventNumber: decision.last,
          position: last ? last.preparePosition : -1,
          idempotent: true,
          currentVersion: decision.last,
        };
      }
    }
    const metaOfSoftDeleted = isMetastream(stream) &&
      this.isSoftDeleted(originalStreamOf(stream));
    if (decision.softDeleted) this.#softUndelete(stream, decision.current + 1n);
    const written = this.#log.appendRaw(stream, events, transaction);
    if (metaOfSoftDeleted && written.length > 0) {
      const original = originalStreamOf(stream);
      this.#softUndelete(original, this.lastEventNumber(original) + 1n);
    }
    if (written.length === 0) {
      return {
        status: "success",
        firstEventNumber: decision.current + 1n,
        lastEventNumber: decision.current,
        position: -1,
        idempotent: false,
        currentVersion: decision.current,
      };
    }
    const last = written[written.length - 1];
    return {
      status: "success",
      firstEventNumber: written[0].eventNumber,
      lastEventNumber: last.eventNumber,
      position: transaction ? transaction.commit : last.preparePosition,
      idempotent: false,
      currentVersion: last.eventNumber,
    };
  }

  /** Rewrites the metadata of a soft-deleted stream with `$tb` = `from`, keeping other keys. */
  #softUndelete(stream: string, from: bigint): void {
    const raw = this.rawMetadataOf(stream);
    if (!raw) return;
    const data = withTruncateBefore(raw.data, from);
    if (data === null) return;
    this.#log.appendRaw(metastreamOf(stream), [{
      eventId: crypto.randomUUID(),
      eventType: METADATA_EVENT_TYPE,
      isJson: true,
      data,
    }], null);
  }

  // ---- reads (the read rules) ----------------------------------------------------------------

  /** ReadEvent (docs/protocol.md §4.7); `number` −1 = the last event. */
  readEvent(stream: string, number: bigint): EventReadOutcome {
    return this.#reads.readEvent(stream, number);
  }

  /**
   * ReadStreamEventsForward (docs/protocol.md §4.8). `maxBytes` ends the page early once its encoded
   * events would pass it (never before the first event); the next number then follows the last
   * event returned.
   */
  readStreamForward(
    stream: string,
    from: bigint,
    maxCount: number,
    maxBytes = Infinity,
  ): StreamReadOutcome {
    return this.#reads.readStreamForward(stream, from, maxCount, maxBytes);
  }

  /** ReadStreamEventsBackward (docs/protocol.md §4.8); `from` < 0 = from the end; `maxBytes` as forward. */
  readStreamBackward(
    stream: string,
    from: bigint,
    maxCount: number,
    maxBytes = Infinity,
  ): StreamReadOutcome {
    return this.#reads.readStreamBackward(stream, from, maxCount, maxBytes);
  }

  /**
   * Resolves a `$>` link record (docs/protocol.md §4.10). Non-links come back as `{event}`; a link
   * whose target cannot be read comes back as `{link}` only.
   */
  resolve(record: StoredEvent): ResolvedRecord {
    return this.#reads.resolve(record);
  }

  /**
   * Reads `$all` forward from `position` (docs/protocol.md §4.9): scans at most `maxSearchWindow`
   * records (default `maxCount`) and returns at most `maxCount` that pass `filter`, ending
   * early once the encoded events would pass `maxBytes` (never before the first one).
   */
  readAllForward(
    position: LogPosition,
    maxCount: number,
    filter: (event: StoredEvent) => boolean = defaultAllFilter,
    maxSearchWindow = maxCount,
    maxBytes = Infinity,
  ): AllReadOutcome {
    return this.#reads.readAllForward(position, maxCount, filter, maxSearchWindow, maxBytes);
  }

  /** Reads `$all` backward from `position` (records strictly before it), like the forward read. */
  readAllBackward(
    position: LogPosition,
    maxCount: number,
    filter: (event: StoredEvent) => boolean = defaultAllFilter,
    maxSearchWindow = maxCount,
    maxBytes = Infinity,
  ): AllReadOutcome {
    return this.#reads.readAllBackward(position, maxCount, filter, maxSearchWindow, maxBytes);
  }
}

/** True if `eventId` is the all-zero GUID, which the server rejects. */
export function isZeroEventId(eventId: string): boolean {
  return eventId === ZERO_ID;
}

/** Encodes text for event data (a convenience for tests and system writes). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
