/**
 * The shapes the memstore's storage speaks: events to append, stored events, and the outcomes of
 * writes and reads (docs/protocol.md §4.5–§4.12).
 *
 * @module
 */

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
  /** Its number in the stream; long.MaxValue for a hard-delete tombstone. */
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
    /** −1, the old last number (soft-deleted) or long.MaxValue (hard-deleted). */
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

/** Largest `max_count` of a read (`MaxPageSize`). */
export const MAX_READ_SIZE = 4096;
/** The event type of hard-delete tombstones. */
export const STREAM_DELETED_EVENT_TYPE = "$streamDeleted";
/** The event type of metadata events. */
export const METADATA_EVENT_TYPE = "$metadata";
/** The event type of links. */
export const LINK_EVENT_TYPE = "$>";
