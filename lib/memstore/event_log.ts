/**
 * The log: every committed record in `$all` order with strictly increasing positions, a per-stream
 * index by event number, the first record of each event id (the server's committed-events cache),
 * and the cached metadata of streams. Event bytes live in a {@linkcode RecordArena}. It knows no
 * rules: {@linkcode checkCommit} decides writes and the read rules decide reads.
 *
 * @module
 */

import { RecordArena } from "./record_arena.ts";
import type { LogPosition, NewEventData, StoredEvent } from "./storage_types.ts";
import { encodeEventRecord, StoredRecord } from "./stored_record.ts";
import {
  DELETED_STREAM,
  EMPTY_METADATA,
  isMetastream,
  METASTREAM_METADATA,
  metastreamOf,
  originalStreamOf,
  parseStreamMetadata,
  parseSystemSettings,
  type StreamMetadata,
  type SystemSettings,
} from "./stream_metadata.ts";

/** Bytes a record occupies in the log besides its encoded message (an approximation). */
export const RECORD_OVERHEAD = 48;

const encoder = new TextEncoder();
const EMPTY_BYTES = new Uint8Array(0);

interface StreamState {
  /** The stream name (one string shared by all its records). */
  readonly name: string;
  /** The name, UTF-8 encoded once. */
  readonly nameBytes: Uint8Array;
  readonly events: StoredEvent[];
  tombstone: StoredEvent | null;
}

/**
 * The records and their indexes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventLog } from "./event_log.ts";
 * const log = new EventLog(Date.now);
 * const data = new TextEncoder().encode("{}");
 * log.appendRaw("s", [{ eventId: crypto.randomUUID(), eventType: "T", isJson: true, data }], null);
 * assert.deepEqual(log.lastEventNumber("s"), 0n);
 * ```
 */
export class EventLog {
  /** Wall-clock milliseconds since the epoch. */
  readonly now: () => number;
  /** Called with every record written (the storage gathers a commit's records with it). */
  onRecord: ((record: StoredEvent) => void) | null = null;
  readonly #all: StoredEvent[] = [];
  readonly #streams = new Map<string, StreamState>();
  readonly #metadataCache = new Map<string, StreamMetadata>();
  readonly #eventIds = new Map<string, StoredEvent>();
  readonly #arena = new RecordArena();
  #settings: SystemSettings | null = null;
  #writerCheckpoint = 0;
  #lastCommitPosition = -1;

  /** An empty log on the clock `now`. */
  constructor(now: () => number) {
    this.now = now;
  }

  /** Log position of the last committed record, −1 while the log is empty. */
  get lastCommitPosition(): number {
    return this.#lastCommitPosition;
  }

  /** The position where the next record will be written (the "writer checkpoint"). */
  get writerCheckpoint(): number {
    return this.#writerCheckpoint;
  }

  /** Bytes of the arena slabs holding the records. */
  get recordBytes(): number {
    return this.#arena.byteLength;
  }

  /** Number of records in `$all`. */
  get allCount(): number {
    return this.#all.length;
  }

  /** Number of streams indexed. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Every record in `$all` order (do not modify). */
  get records(): readonly StoredEvent[] {
    return this.#all;
  }

  /** True if the stream has ever had a record. */
  hasStream(stream: string): boolean {
    return this.#streams.has(stream);
  }

  /** The stream's records by event number (tombstone excluded), if it has any. */
  streamEvents(stream: string): readonly StoredEvent[] | undefined {
    return this.#streams.get(stream)?.events;
  }

  /** The first record written with this event id, in any stream. */
  firstWithId(eventId: string): StoredEvent | undefined {
    return this.#eventIds.get(eventId);
  }

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

  /** Reserves `size` bytes of log positions; returns where they start. */
  allocate(size: number): number {
    const position = this.#writerCheckpoint;
    this.#writerCheckpoint += size;
    return position;
  }

  /** Appends events to a stream with no checks, numbering them after its current last event. */
  appendRaw(
    stream: string,
    events: readonly NewEventData[],
    transaction: { commit: number; prepares: [number, number][] } | null,
  ): StoredEvent[] {
    const state = this.#state(stream);
    const written: StoredEvent[] = [];
    for (let i = 0; i < events.length; i++) {
      const record = this.writeRecord(
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

  /**
   * Writes one record: encodes it into the arena, indexes it and reports it to `onRecord`.
   * `transaction` gives the positions of a transaction's record.
   */
  writeRecord(
    stream: string,
    eventNumber: bigint,
    data: NewEventData,
    transaction: { commit: number; prepare: [number, number] } | null,
  ): StoredEvent {
    const createdEpochMs = this.now();
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
      preparePosition = this.allocate(place.length + RECORD_OVERHEAD);
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
    // The server's committed-events cache keeps the first record of an id (`PutRecord` with
    // throwOnDuplicate false): a batch repeating one id is matched against its first event.
    if (!this.#eventIds.has(data.eventId)) this.#eventIds.set(data.eventId, record);
    this.#lastCommitPosition = commitPosition;
    if (isMetastream(stream)) {
      this.#metadataCache.set(originalStreamOf(stream), parseStreamMetadata(data.data));
    } else if (stream === "$settings") {
      this.#settings = null;
    }
    this.onRecord?.(record);
    return record;
  }

  /** Index in {@linkcode EventLog.records} of the first record at or after `position`. */
  lowerBound(position: LogPosition): number {
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
}
