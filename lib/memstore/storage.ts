/**
 * The memstore's storage: one `$all` log with strictly increasing positions and a per-stream index
 * (an array by event number), with the server's write, delete and read rules (PROTOCOL.md
 * §4.5–§4.12). Everything here is synchronous and protocol-agnostic; handlers turn results into
 * packages. Each stored record is one encoded `EventRecord`, copied once into an arena slab outside
 * the V8 heap ({@linkcode RecordArena}), so replies never re-serialise and no record pins a request.
 *
 * This is also the API for server-side features built on top (persistent subscriptions): read
 * streams, append events with the normal rules, and observe commits with {@linkcode MemoryStorage.onCommit}.
 *
 * @module
 */

import { defaultMaxMemory, MemoryBudget } from "./memory_budget.ts";
import { RecordArena } from "./record_arena.ts";
import { encodeEventRecord, StoredRecord } from "./stored_record.ts";
import {
  DELETED_STREAM,
  EMPTY_METADATA,
  encodeMetadataJson,
  isMetastream,
  METASTREAM_METADATA,
  metastreamOf,
  originalStreamOf,
  parseStreamMetadata,
  parseSystemSettings,
  type StreamMetadata,
  type SystemSettings,
  withTruncateBefore,
} from "./stream_metadata.ts";

/** An event to append. */
export interface NewEventData {
  /** The event id (RFC 4122 string). */
  readonly eventId: string;
  /** The event type; never empty. */
  readonly eventType: string;
  /** True if `data` is JSON (`data_content_type = 1`). */
  readonly isJson: boolean;
  /** The event data. */
  readonly data: Uint8Array;
  /** The event metadata (may be empty). */
  readonly metadata?: Uint8Array;
}

/** A committed event as stored in the log. */
export interface StoredEvent {
  /** The stream it belongs to. */
  readonly stream: string;
  /** Its number in the stream; {@linkcode DELETED_STREAM} for a hard-delete tombstone. */
  readonly eventNumber: bigint;
  /** The event id (RFC 4122 string). */
  readonly eventId: string;
  /** The event type. */
  readonly eventType: string;
  /** True if the data is JSON. */
  readonly isJson: boolean;
  /** The data. */
  readonly data: Uint8Array;
  /** The metadata. */
  readonly metadata: Uint8Array;
  /** When it was written, in milliseconds since the Unix epoch. */
  readonly createdEpochMs: number;
  /** Commit position in the log (= prepare position unless written by a transaction). */
  readonly commitPosition: number;
  /** Prepare position in the log: the record's own byte offset. */
  readonly preparePosition: number;
  /** Commit part of the position where a forward `$all` read continues after this event. */
  readonly nextCommitPosition: number;
  /** Prepare part of the position where a forward `$all` read continues after this event. */
  readonly nextPreparePosition: number;
  /** The encoded `EventRecord` message, spliced as-is into replies. */
  readonly encoded: Uint8Array;
  /** `encoded.length`, without making a view. */
  readonly encodedLength: number;
}

/** The outcome of a write, a delete or a transaction commit. */
export type WriteOutcome =
  | {
    readonly status: "success";
    /** First event number written (or matched, when idempotent); current + 1 for empty writes. */
    readonly firstEventNumber: bigint;
    /** Last event number written (or matched); current for empty writes. */
    readonly lastEventNumber: bigint;
    /** Log position of the last record written (or matched); −1 if none. */
    readonly position: number;
    /** True when nothing was written because the events were already there. */
    readonly idempotent: boolean;
    /** For deletes: the number the server reports as `current_version`. */
    readonly currentVersion: bigint;
  }
  | { readonly status: "wrong-expected-version"; readonly currentVersion: bigint }
  | { readonly status: "stream-deleted" }
  | { readonly status: "invalid-transaction" }
  /** Refused by the memory budget (the real server's full disk); `message` says why. */
  | { readonly status: "memory-full"; readonly message: string };

/** The outcome of a stream read. */
export type StreamReadOutcome =
  | {
    readonly status: "success";
    readonly events: readonly StoredEvent[];
    readonly nextEventNumber: bigint;
    readonly lastEventNumber: bigint;
    readonly isEndOfStream: boolean;
  }
  | {
    readonly status: "no-stream" | "stream-deleted";
    /** −1, the old last number (soft-deleted) or {@linkcode DELETED_STREAM} (hard-deleted). */
    readonly lastEventNumber: bigint;
  }
  | { readonly status: "error"; readonly message: string };

/** The outcome of reading one event. */
export type EventReadOutcome =
  | { readonly status: "success"; readonly event: StoredEvent | null }
  | { readonly status: "not-found" | "no-stream" | "stream-deleted" };

/** A position in `$all`, as plain numbers. */
export interface LogPosition {
  /** Commit position. */
  readonly commit: number;
  /** Prepare position. */
  readonly prepare: number;
}

/** The outcome of an `$all` read. */
export type AllReadOutcome =
  | {
    readonly status: "success";
    /** The request position after (−1, −1) substitution. */
    readonly from: LogPosition;
    readonly events: readonly StoredEvent[];
    readonly next: LogPosition;
    /** True when the scan reached the end (forward) or the start (backward) of the log. */
    readonly isEndOfStream: boolean;
  }
  | { readonly status: "error"; readonly message: string };

/** A record that may be a resolved link: `event` absent = unresolvable link. */
export interface ResolvedRecord {
  /** The event (the link target when resolved). */
  readonly event?: StoredEvent;
  /** The link record, when `event` came from resolving it (or it could not be resolved). */
  readonly link?: StoredEvent;
}

/** Called after each commit with the records it added to `$all`, in log order. */
export type CommitListener = (events: readonly StoredEvent[]) => void;

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

/** Largest `max_count` of a read (`MaxPageSize`). */
export const MAX_READ_SIZE = 4096;

/** The event type of hard-delete tombstones. */
export const STREAM_DELETED_EVENT_TYPE = "$streamDeleted";
/** The event type of metadata events. */
export const METADATA_EVENT_TYPE = "$metadata";
/** The event type of links. */
export const LINK_EVENT_TYPE = "$>";

/** Bytes a record occupies in the log besides its encoded message (an approximation). */
const RECORD_OVERHEAD = 48;
/** Bytes of a transaction begin or commit record. */
const TRANSACTION_RECORD_SIZE = 32;

const ZERO_ID = "00000000-0000-0000-0000-000000000000";
const encoder = new TextEncoder();
const EMPTY_BYTES = new Uint8Array(0);
/** What a delete is charged: a tombstone or a metadata event. */
const DELETE_ESTIMATE: NewEventData = {
  eventId: ZERO_ID,
  eventType: METADATA_EVENT_TYPE,
  isJson: true,
  data: new Uint8Array(64),
};
const linkDecoder = new TextDecoder();

interface StreamState {
  /** The stream name (one string shared by all its records). */
  readonly name: string;
  /** The name, UTF-8 encoded once. */
  readonly nameBytes: Uint8Array;
  readonly events: StoredEvent[];
  tombstone: StoredEvent | null;
}

interface Transaction {
  readonly stream: string;
  readonly expectedVersion: bigint;
  readonly events: { data: NewEventData; preparePosition: number; size: number }[];
}

type CommitDecision =
  | { kind: "ok"; current: bigint; softDeleted: boolean }
  | { kind: "idempotent"; current: bigint; first: bigint; last: bigint }
  | { kind: "wrong-expected-version"; current: bigint }
  | { kind: "deleted" };

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
  readonly #now: () => number;
  readonly #all: StoredEvent[] = [];
  readonly #streams = new Map<string, StreamState>();
  readonly #metadataCache = new Map<string, StreamMetadata>();
  readonly #eventIds = new Map<string, StoredEvent>();
  readonly #transactions = new Map<number, Transaction>();
  readonly #listeners = new Set<CommitListener>();
  readonly #streamListeners = new Map<string, Set<CommitListener>>();
  readonly #arena = new RecordArena();
  readonly #budget: MemoryBudget;
  #settings: SystemSettings | null = null;
  #writerCheckpoint = 0;
  #lastCommitPosition = -1;
  #batch: StoredEvent[] | null = null;

  /** Creates an empty store. */
  constructor(options: MemoryStorageOptions = {}) {
    this.#now = options.now ?? Date.now;
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
    const streams = this.#streams.has(stream) ? 0 : 1;
    return this.#budget.refusal(this.#memoryUse(), bytes, events.length, streams, isDelete);
  }

  #memoryUse(): { recordBytes: number; records: number; streams: number } {
    return {
      recordBytes: this.#arena.byteLength,
      records: this.#all.length,
      streams: this.#streams.size,
    };
  }

  /** Log position of the last committed record, −1 while the log is empty. */
  get lastCommitPosition(): number {
    return this.#lastCommitPosition;
  }

  /** The position where the next record will be written (the "writer checkpoint"). */
  get writerCheckpoint(): number {
    return this.#writerCheckpoint;
  }

  /** Bytes of the buffers holding the stored records (slabs outside the V8 heap). */
  get recordBytes(): number {
    return this.#arena.byteLength;
  }

  /** Number of records in `$all`. */
  get allCount(): number {
    return this.#all.length;
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

  // ---- stream state ---------------------------------------------------------------------------

  /**
   * The stream's last event number as the index knows it: −1 if it never had events, the raw last
   * number if soft-deleted or truncated, {@linkcode DELETED_STREAM} if hard-deleted (a metastream
   * of a hard-deleted stream counts as hard-deleted too).
   */
  lastEventNumber(stream: string): bigint {
    if (isMetastream(stream) && this.isHardDeleted(originalStreamOf(stream))) return DELETED_STREAM;
    const state = this.#streams.get(stream);
    if (!state) return -1n;
    if (state.tombstone) return DELETED_STREAM;
    return BigInt(state.events.length - 1);
  }

  /** True once a tombstone was written to the stream. */
  isHardDeleted(stream: string): boolean {
    return (this.#streams.get(stream)?.tombstone ?? null) !== null;
  }

  /** True if the stream's metadata has `$tb` = long.MaxValue. */
  isSoftDeleted(stream: string): boolean {
    return this.metadataOf(stream).truncateBefore === DELETED_STREAM;
  }

  /** The effective metadata of a stream (`{maxCount: 1}` for metastreams). */
  metadataOf(stream: string): StreamMetadata {
    if (isMetastream(stream)) return METASTREAM_METADATA;
    return this.#metadataCache.get(stream) ?? EMPTY_METADATA;
  }

  /** The last metadata event of `stream` (the last event of `$$stream`), if any. */
  rawMetadataOf(stream: string): StoredEvent | null {
    const events = this.#streams.get(metastreamOf(stream))?.events;
    return events && events.length > 0 ? events[events.length - 1] : null;
  }

  /** The default ACLs from the last `$settings` event. */
  get systemSettings(): SystemSettings {
    if (this.#settings === null) {
      const events = this.#streams.get("$settings")?.events;
      this.#settings = parseSystemSettings(
        events && events.length > 0 ? events[events.length - 1].data : new Uint8Array(0),
      );
    }
    return this.#settings;
  }

  /** The stored event `number` of `stream`, ignoring metadata windows; null if absent. */
  eventAt(stream: string, number: bigint): StoredEvent | null {
    const state = this.#streams.get(stream);
    if (!state || number < 0n) return null;
    if (number === DELETED_STREAM) return state.tombstone;
    return number < BigInt(state.events.length) ? state.events[Number(number)] : null;
  }

  // ---- writes ---------------------------------------------------------------------------------

  /**
   * Appends events with the server's expected-version and idempotency rules (PROTOCOL.md §4.5).
   * `expectedVersion`: −2 any, −1 no stream, −4 stream exists, or an exact number. Validation of
   * the request (stream name, ids, types, expected version) is the caller's job.
   */
  append(stream: string, expectedVersion: bigint, events: readonly NewEventData[]): WriteOutcome {
    const decision = this.#checkCommit(stream, expectedVersion, events.map((e) => e.eventId));
    if (decision.kind === "ok" && events.length > 0) {
      const refusal = this.writeRefusal(stream, events);
      if (refusal !== null) return { status: "memory-full", message: refusal };
    }
    return this.#runBatch(() => this.#commitDecision(stream, decision, events, null));
  }

  /**
   * Deletes a stream (PROTOCOL.md §4.6): a tombstone at long.MaxValue (`hard`) or metadata
   * `{"$tb": long.MaxValue}` (soft).
   */
  deleteStream(stream: string, expectedVersion: bigint, hard: boolean): WriteOutcome {
    const decision = this.#checkCommit(stream, expectedVersion, [crypto.randomUUID()]);
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
        const tombstone = this.#writeRecord(stream, DELETED_STREAM, {
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
      const meta = this.#appendRaw(metastreamOf(stream), [{
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
    const id = this.#allocate(TRANSACTION_RECORD_SIZE);
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
      tx.events.push({ data: copy, preparePosition: this.#allocate(size), size });
    }
    return true;
  }

  /** Commits a transaction with the checks of a write, evaluated now (PROTOCOL.md §4.12). */
  commitTransaction(transactionId: number): WriteOutcome {
    const tx = this.#transactions.get(transactionId);
    if (!tx) return { status: "invalid-transaction" };
    this.#transactions.delete(transactionId);
    const datas = tx.events.map((e) => e.data);
    const decision = this.#checkCommit(tx.stream, tx.expectedVersion, datas.map((e) => e.eventId));
    if (decision.kind === "ok" && datas.length > 0) {
      const refusal = this.writeRefusal(tx.stream, datas);
      if (refusal !== null) return { status: "memory-full", message: refusal };
    }
    return this.#runBatch(() => {
      if (decision.kind !== "ok" || datas.length === 0) {
        return this.#commitDecision(tx.stream, decision, datas, null);
      }
      const commit = this.#allocate(TRANSACTION_RECORD_SIZE);
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
    const written = this.#appendRaw(stream, events, transaction);
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
    this.#appendRaw(metastreamOf(stream), [{
      eventId: crypto.randomUUID(),
      eventType: METADATA_EVENT_TYPE,
      isJson: true,
      data,
    }], null);
  }

  /** IndexWriter.CheckCommit (PROTOCOL.md §4.5). */
  #checkCommit(stream: string, expected: bigint, ids: readonly string[]): CommitDecision {
    const current = this.lastEventNumber(stream);
    if (current === DELETED_STREAM) return { kind: "deleted" };
    if (expected === -4n) {
      if (this.isSoftDeleted(stream)) return { kind: "deleted" };
      if (current < 0n && this.lastEventNumber(metastreamOf(stream)) < 0n) {
        return { kind: "wrong-expected-version", current };
      }
    }
    if (expected === -2n || expected === -4n) {
      let first = -1n;
      let last = -1n;
      for (let i = 0; i < ids.length; i++) {
        const known = this.#eventIds.get(ids[i]);
        if (!known || known.stream !== stream) {
          return i === 0
            ? { kind: "ok", current, softDeleted: this.isSoftDeleted(stream) }
            : { kind: "wrong-expected-version", current };
        }
        if (i === 0) first = known.eventNumber;
        last = known.eventNumber;
      }
      if (ids.length === 0) return { kind: "ok", current, softDeleted: this.isSoftDeleted(stream) };
      return { kind: "idempotent", current, first, last };
    }
    if (expected < current) {
      let number = expected;
      for (const id of ids) {
        number += 1n;
        const known = this.#eventIds.get(id);
        if (known && known.stream === stream && known.eventNumber === number) continue;
        if (this.eventAt(stream, number)?.eventId === id) continue;
        if (number !== expected + 1n) return { kind: "wrong-expected-version", current };
        if (expected === -1n && this.isSoftDeleted(stream)) {
          return { kind: "ok", current, softDeleted: true };
        }
        return { kind: "wrong-expected-version", current };
      }
      return number === expected
        ? { kind: "wrong-expected-version", current }
        : { kind: "idempotent", current, first: expected + 1n, last: number };
    }
    if (expected > current) return { kind: "wrong-expected-version", current };
    return { kind: "ok", current, softDeleted: this.isSoftDeleted(stream) };
  }

  /** Appends events to a stream with no checks, numbering them after its current last event. */
  #appendRaw(
    stream: string,
    events: readonly NewEventData[],
    transaction: { commit: number; prepares: [number, number][] } | null,
  ): StoredEvent[] {
    const state = this.#state(stream);
    const written: StoredEvent[] = [];
    for (let i = 0; i < events.length; i++) {
      const record = this.#writeRecord(
        stream,
        BigInt(state.events.length),
        events[i],
        transaction ? { commit: transaction.commit, prepare: transaction.prepares[i] } : null,
      );
      written.push(record);
    }
    return written;
  }

  #state(stream: string): StreamState {
    let state = this.#streams.get(stream);
    if (!state) {
      state = { name: stream, nameBytes: encoder.encode(stream), events: [], tombstone: null };
      this.#streams.set(stream, state);
    }
    return state;
  }

  #allocate(size: number): number {
    const position = this.#writerCheckpoint;
    this.#writerCheckpoint += size;
    return position;
  }

  #writeRecord(
    stream: string,
    eventNumber: bigint,
    data: NewEventData,
    transaction: { commit: number; prepare: [number, number] } | null,
  ): StoredEvent {
    const createdEpochMs = this.#now();
    const state = this.#state(stream);
    const place = encodeEventRecord(this.#arena, {
      streamBytes: state.nameBytes,
      eventNumber,
      eventId: data.eventId,
      eventType: data.eventType,
      isJson: data.isJson,
      data: data.data,
      metadata: data.metadata ?? EMPTY_BYTES,
      createdEpochMs,
    });
    let commitPosition: number;
    let preparePosition: number;
    let nextCommitPosition: number;
    let nextPreparePosition: number;
    if (transaction) {
      commitPosition = transaction.commit;
      [preparePosition, nextPreparePosition] = transaction.prepare;
      nextCommitPosition = commitPosition;
    } else {
      preparePosition = this.#allocate(place.length + RECORD_OVERHEAD);
      commitPosition = preparePosition;
      nextCommitPosition = this.#writerCheckpoint;
      nextPreparePosition = 0;
    }
    const record = new StoredRecord(
      state.name,
      eventNumber,
      data.eventId,
      data.eventType,
      data.isJson,
      createdEpochMs,
      place,
      { commitPosition, preparePosition, nextCommitPosition, nextPreparePosition },
    );
    if (eventNumber === DELETED_STREAM) state.tombstone = record;
    else state.events.push(record);
    this.#all.push(record);
    this.#eventIds.set(data.eventId, record);
    this.#lastCommitPosition = commitPosition;
    if (isMetastream(stream)) {
      this.#metadataCache.set(originalStreamOf(stream), parseStreamMetadata(data.data));
    } else if (stream === "$settings") {
      this.#settings = null;
    }
    this.#batch?.push(record);
    return record;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** The lowest readable event number: max(0, last − `$maxCount` + 1, `$tb`). */
  #minVisible(metadata: StreamMetadata, last: bigint): bigint {
    let min = 0n;
    if (metadata.maxCount !== undefined) {
      const byCount = last - metadata.maxCount + 1n;
      if (byCount > min) min = byCount;
    }
    if (metadata.truncateBefore !== undefined && metadata.truncateBefore > min) {
      min = metadata.truncateBefore;
    }
    return min;
  }

  #tooOld(metadata: StreamMetadata, event: StoredEvent): boolean {
    return metadata.maxAge !== undefined &&
      event.createdEpochMs < this.#now() - Number(metadata.maxAge) * 1000;
  }

  /** ReadEvent (PROTOCOL.md §4.7); `number` −1 = the last event. */
  readEvent(stream: string, number: bigint): EventReadOutcome {
    const last = this.lastEventNumber(stream);
    if (last === DELETED_STREAM) return { status: "stream-deleted" };
    const metadata = this.metadataOf(stream);
    if (last === -1n || metadata.truncateBefore === DELETED_STREAM) {
      // Quirk: `$$s` without metadata reads as Success with no event when `s` exists.
      if (isMetastream(stream) && this.lastEventNumber(originalStreamOf(stream)) !== -1n) {
        return { status: "success", event: null };
      }
      return { status: "no-stream" };
    }
    const target = number === -1n ? last : number;
    if (target < this.#minVisible(metadata, last) || target > last) return { status: "not-found" };
    const event = this.eventAt(stream, target);
    if (!event || this.#tooOld(metadata, event)) return { status: "not-found" };
    return { status: "success", event };
  }

  #failedStreamRead(stream: string): StreamReadOutcome | null {
    const last = this.lastEventNumber(stream);
    if (last === DELETED_STREAM) return { status: "stream-deleted", lastEventNumber: last };
    if (last === -1n || this.metadataOf(stream).truncateBefore === DELETED_STREAM) {
      return { status: "no-stream", lastEventNumber: last };
    }
    return null;
  }

  #checkCount(maxCount: number): StreamReadOutcome | null {
    if (maxCount > MAX_READ_SIZE) {
      return {
        status: "error",
        message: `Read size too big, should be less than ${MAX_READ_SIZE} items`,
      };
    }
    if (maxCount <= 0) return { status: "error", message: `Invalid count of ${maxCount} items` };
    return null;
  }

  /**
   * ReadStreamEventsForward (PROTOCOL.md §4.8). `maxBytes` ends the page early once its encoded
   * events would pass it (never before the first event); the next number then follows the last
   * event returned.
   */
  readStreamForward(
    stream: string,
    from: bigint,
    maxCount: number,
    maxBytes = Infinity,
  ): StreamReadOutcome {
    const invalid = this.#checkCount(maxCount);
    if (invalid) return invalid;
    if (from < 0n) return { status: "error", message: `Invalid from event number ${from}` };
    const failed = this.#failedStreamRead(stream);
    if (failed) return failed;
    const last = this.lastEventNumber(stream);
    const metadata = this.metadataOf(stream);
    const min = this.#minVisible(metadata, last);
    let end = from + BigInt(maxCount) - 1n;
    if (end > DELETED_STREAM) end = DELETED_STREAM;
    if (end < min) {
      return success([], min, last, false);
    }
    const start = from > min ? from : min;
    if (start > last) return success([], last + 1n, last, true);
    const upTo = end < last ? end : last;
    const events: StoredEvent[] = [];
    const state = this.#streams.get(stream)!;
    let bytes = 0;
    for (let n = Number(start); n <= Number(upTo); n++) {
      const event = state.events[n];
      if (this.#tooOld(metadata, event)) continue;
      bytes += event.encodedLength;
      if (bytes > maxBytes && events.length > 0) {
        return success(events, events[events.length - 1].eventNumber + 1n, last, false);
      }
      events.push(event);
    }
    const next = events.length > 0
      ? events[events.length - 1].eventNumber + 1n
      : (end + 1n < last + 1n ? end + 1n : last + 1n);
    return success(events, next, last, end >= last);
  }

  /** ReadStreamEventsBackward (PROTOCOL.md §4.8); `from` < 0 = from the end; `maxBytes` as forward. */
  readStreamBackward(
    stream: string,
    from: bigint,
    maxCount: number,
    maxBytes = Infinity,
  ): StreamReadOutcome {
    const invalid = this.#checkCount(maxCount);
    if (invalid) return invalid;
    const failed = this.#failedStreamRead(stream);
    if (failed) return failed;
    const last = this.lastEventNumber(stream);
    const metadata = this.metadataOf(stream);
    const min = this.#minVisible(metadata, last);
    const end = from < 0n ? last : from;
    let start = end - BigInt(maxCount) + 1n;
    if (start < 0n) start = 0n;
    if (end < min) return success([], -1n, last, true);
    let endOfStream = false;
    if (start <= min) {
      endOfStream = true;
      start = min;
    }
    const events: StoredEvent[] = [];
    const state = this.#streams.get(stream)!;
    const top = end < last ? end : last;
    let bytes = 0;
    for (let n = top; n >= start; n--) {
      const event = state.events[Number(n)];
      if (this.#tooOld(metadata, event)) continue;
      bytes += event.encodedLength;
      if (bytes > maxBytes && events.length > 0) {
        return success(events, events[events.length - 1].eventNumber - 1n, last, false);
      }
      events.push(event);
    }
    const lowest = events.length > 0 ? events[events.length - 1].eventNumber : null;
    endOfStream = endOfStream || start === 0n || (start <= last && lowest !== start);
    const next = endOfStream ? -1n : (start - 1n < last ? start - 1n : last);
    return success(events, next, last, endOfStream);
  }

  /**
   * Resolves a `$>` link record (PROTOCOL.md §4.10). Non-links come back as `{event}`; a link
   * whose target cannot be read comes back as `{link}` only.
   */
  resolve(record: StoredEvent): ResolvedRecord {
    if (record.eventType !== LINK_EVENT_TYPE) return { event: record };
    const text = linkDecoder.decode(record.data);
    const at = text.indexOf("@");
    const numberText = at < 0 ? text : text.slice(0, at);
    if (!/^\s*[+-]?\d+\s*$/.test(numberText)) return { event: record };
    const number = BigInt(numberText.trim());
    if (at < 0 || number < 0n) return { link: record };
    const target = this.readEvent(text.slice(at + 1), number);
    if (target.status === "success" && target.event) return { event: target.event, link: record };
    return { link: record };
  }

  // ---- $all -----------------------------------------------------------------------------------

  /** Index of the first record at or after `position`. */
  #lowerBound(position: LogPosition): number {
    let lo = 0;
    let hi = this.#all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.#all[mid];
      const before = r.commitPosition < position.commit ||
        (r.commitPosition === position.commit && r.preparePosition < position.prepare);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #substitute(position: LogPosition): LogPosition | string {
    if (position.commit === -1 && position.prepare === -1) {
      return { commit: this.#writerCheckpoint, prepare: this.#writerCheckpoint };
    }
    if (position.commit < 0 || position.prepare < 0) return "Invalid position.";
    return position;
  }

  /**
   * Reads `$all` forward from `position` (PROTOCOL.md §4.9): scans at most `maxSearchWindow`
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
    const invalid = this.#checkCount(maxCount);
    if (invalid) return invalid as { status: "error"; message: string };
    const from = this.#substitute(position);
    if (typeof from === "string") return { status: "error", message: from };
    const window = maxSearchWindow > 0 ? maxSearchWindow : maxCount;
    const events: StoredEvent[] = [];
    let next: LogPosition = from;
    let i = this.#lowerBound(from);
    let scanned = 0;
    let bytes = 0;
    while (i < this.#all.length && scanned < window && events.length < maxCount) {
      const record = this.#all[i];
      if (filter(record)) {
        bytes += record.encodedLength;
        if (bytes > maxBytes && events.length > 0) break;
        events.push(record);
      }
      i++;
      scanned++;
      next = { commit: record.nextCommitPosition, prepare: record.nextPreparePosition };
    }
    return { status: "success", from, events, next, isEndOfStream: i >= this.#all.length };
  }

  /** Reads `$all` backward from `position` (records strictly before it), like the forward read. */
  readAllBackward(
    position: LogPosition,
    maxCount: number,
    filter: (event: StoredEvent) => boolean = defaultAllFilter,
    maxSearchWindow = maxCount,
    maxBytes = Infinity,
  ): AllReadOutcome {
    const invalid = this.#checkCount(maxCount);
    if (invalid) return invalid as { status: "error"; message: string };
    const from = this.#substitute(position);
    if (typeof from === "string") return { status: "error", message: from };
    const window = maxSearchWindow > 0 ? maxSearchWindow : maxCount;
    const events: StoredEvent[] = [];
    let next: LogPosition = from;
    let i = this.#lowerBound(from) - 1;
    let scanned = 0;
    let bytes = 0;
    while (i >= 0 && scanned < window && events.length < maxCount) {
      const record = this.#all[i];
      if (filter(record)) {
        bytes += record.encodedLength;
        if (bytes > maxBytes && events.length > 0) break;
        events.push(record);
      }
      i--;
      scanned++;
      next = { commit: record.commitPosition, prepare: record.preparePosition };
    }
    return { status: "success", from, events, next, isEndOfStream: i < 0 };
  }
}

function success(
  events: readonly StoredEvent[],
  nextEventNumber: bigint,
  lastEventNumber: bigint,
  isEndOfStream: boolean,
): StreamReadOutcome {
  return { status: "success", events, nextEventNumber, lastEventNumber, isEndOfStream };
}

/**
 * What unfiltered `$all` reads and subscriptions hide (20.x+ `DefaultAllFilterStrategy`): the
 * `$epoch-information` stream and the checkpoint/parked streams of persistent subscriptions to
 * `$all`.
 */
export function defaultAllFilter(event: StoredEvent): boolean {
  const s = event.stream;
  if (s === "$epoch-information") return false;
  if (s.startsWith("$persistentsubscription-$all::")) {
    return !(s.endsWith("-checkpoint") || s.endsWith("-parked"));
  }
  return true;
}

/** True if `eventId` is the all-zero GUID, which the server rejects. */
export function isZeroEventId(eventId: string): boolean {
  return eventId === ZERO_ID;
}

/** Encodes text for event data (a convenience for tests and system writes). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
