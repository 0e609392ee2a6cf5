/**
 * The read rules: what ReadEvent, stream reads and `$all` reads return (docs/protocol.md
 * §4.7–§4.10): metadata windows (`$maxCount`, `$maxAge`, `$tb`), deleted streams, paging, link
 * resolution and the default `$all` filter, over the {@linkcode EventLog}.
 *
 * @module
 */

import type { EventLog } from "./event_log.ts";
import {
  type AllReadOutcome,
  type EventReadOutcome,
  LINK_EVENT_TYPE,
  type LogPosition,
  MAX_READ_SIZE,
  type ResolvedRecord,
  type StoredEvent,
  type StreamReadOutcome,
} from "./storage_types.ts";
import {
  DELETED_STREAM,
  isMetastream,
  originalStreamOf,
  type StreamMetadata,
} from "./stream_metadata.ts";

const linkDecoder = new TextDecoder();

/**
 * Reads the log as the server reads its index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventLog } from "./event_log.ts";
 * import { ReadRules } from "./read_rules.ts";
 * const reads = new ReadRules(new EventLog(Date.now));
 * assert.deepEqual(reads.readEvent("s", 0n).status, "no-stream");
 * ```
 */
export class ReadRules {
  readonly #log: EventLog;

  /** Reads `log`. */
  constructor(log: EventLog) {
    this.#log = log;
  }

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
      event.createdEpochMs < this.#log.now() - Number(metadata.maxAge) * 1000;
  }

  /** ReadEvent (docs/protocol.md §4.7); `number` −1 = the last event. */
  readEvent(stream: string, number: bigint): EventReadOutcome {
    const last = this.#log.lastEventNumber(stream);
    if (last === DELETED_STREAM) return { status: "stream-deleted" };
    const metadata = this.#log.metadataOf(stream);
    if (last === -1n || metadata.truncateBefore === DELETED_STREAM) {
      // Quirk: `$$s` without metadata reads as Success with no event when `s` exists.
      if (isMetastream(stream) && this.#log.lastEventNumber(originalStreamOf(stream)) !== -1n) {
        return { status: "success", event: null };
      }
      return { status: "no-stream" };
    }
    const target = number === -1n ? last : number;
    if (target < this.#minVisible(metadata, last) || target > last) return { status: "not-found" };
    const event = this.#log.eventAt(stream, target);
    if (!event || this.#tooOld(metadata, event)) return { status: "not-found" };
    return { status: "success", event };
  }

  #failedStreamRead(stream: string): StreamReadOutcome | null {
    const last = this.#log.lastEventNumber(stream);
    if (last === DELETED_STREAM) return { status: "stream-deleted", lastEventNumber: last };
    if (last === -1n || this.#log.metadataOf(stream).truncateBefore === DELETED_STREAM) {
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
    const invalid = this.#checkCount(maxCount);
    if (invalid) return invalid;
    if (from < 0n) return { status: "error", message: `Invalid from event number ${from}` };
    const failed = this.#failedStreamRead(stream);
    if (failed) return failed;
    const last = this.#log.lastEventNumber(stream);
    const metadata = this.#log.metadataOf(stream);
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
    const stored = this.#log.streamEvents(stream)!;
    let bytes = 0;
    for (let n = Number(start); n <= Number(upTo); n++) {
      const event = stored[n];
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

  /** ReadStreamEventsBackward (docs/protocol.md §4.8); `from` < 0 = from the end; `maxBytes` as forward. */
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
    const last = this.#log.lastEventNumber(stream);
    const metadata = this.#log.metadataOf(stream);
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
    const stored = this.#log.streamEvents(stream)!;
    const top = end < last ? end : last;
    let bytes = 0;
    for (let n = top; n >= start; n--) {
      const event = stored[Number(n)];
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
   * Resolves a `$>` link record (docs/protocol.md §4.10). Non-links come back as `{event}`; a link
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

  #substitute(position: LogPosition): LogPosition | string {
    if (position.commit === -1 && position.prepare === -1) {
      return { commit: this.#log.writerCheckpoint, prepare: this.#log.writerCheckpoint };
    }
    if (position.commit < 0 || position.prepare < 0) return "Invalid position.";
    return position;
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
    const invalid = this.#checkCount(maxCount);
    if (invalid) return invalid as { status: "error"; message: string };
    const from = this.#substitute(position);
    if (typeof from === "string") return { status: "error", message: from };
    const window = maxSearchWindow > 0 ? maxSearchWindow : maxCount;
    const events: StoredEvent[] = [];
    let next: LogPosition = from;
    let i = this.#log.lowerBound(from);
    let scanned = 0;
    let bytes = 0;
    while (i < this.#log.records.length && scanned < window && events.length < maxCount) {
      const record = this.#log.records[i];
      if (filter(record)) {
        bytes += record.encodedLength;
        if (bytes > maxBytes && events.length > 0) break;
        events.push(record);
      }
      i++;
      scanned++;
      next = { commit: record.nextCommitPosition, prepare: record.nextPreparePosition };
    }
    return { status: "success", from, events, next, isEndOfStream: i >= this.#log.records.length };
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
    let i = this.#log.lowerBound(from) - 1;
    let scanned = 0;
    let bytes = 0;
    while (i >= 0 && scanned < window && events.length < maxCount) {
      const record = this.#log.records[i];
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
