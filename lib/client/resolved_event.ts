/**
 * The events users read: {@linkcode RecordedEvent} (one stored record) and
 * {@linkcode ResolvedEvent} (a record with its link, as reads and subscriptions return them), and
 * the mapping from the protocol messages to them.
 *
 * @module
 */

import type {
  EventRecord,
  ResolvedEvent as ResolvedEventMessage,
  ResolvedIndexedEvent,
} from "../../gen/client_messages_pb.ts";
import { ProtocolError } from "../errors.ts";
import { bytesToGuid } from "../wire/guid.ts";
import { Position } from "./position.ts";
import { type RecordedEventJson, recordedEventJson, type ResolvedEventJson } from "../json.ts";

const utf8 = new TextDecoder();

/** .NET ticks (100 ns) between 0001-01-01 and 1970-01-01. */
const TICKS_AT_UNIX_EPOCH = 621_355_968_000_000_000n;
/** The low 62 bits of .NET `DateTime.ToBinary()`: the kind bits are above them. */
const TICKS_MASK = (1n << 62n) - 1n;

/** The parts of a {@linkcode RecordedEvent}. */
export interface RecordedEventFields {
  /** The stream the event is in. */
  readonly stream: string;
  /** The event id (RFC 4122 string). */
  readonly id: string;
  /** The event's number in its stream. */
  readonly eventNumber: bigint;
  /** The event type. */
  readonly type: string;
  /** The event body. */
  readonly data: Uint8Array;
  /** The event metadata (default empty). */
  readonly metadata?: Uint8Array;
  /** True when the body was written as JSON. */
  readonly isJson: boolean;
  /** When the server stored the event. */
  readonly created: Date;
}

const EMPTY = new Uint8Array(0);

/**
 * One event as stored in a stream. Made from a decoded `EventRecord`, it keeps the record's id
 * bytes and timestamps and builds the id string and the `Date` on first use: a read that never
 * looks at them allocates neither.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await conn.publishEvent("readings", "measured", { body: { feet: 3 }, metadata: { unit: "ft" } });
 * const recorded = (await conn.getEvent("readings", 0)).event!;
 * assert.equal(recorded.eventNumber, 0n); // a bigint: `=== 0` would be false
 * assert.equal(recorded.isJson, true);
 * assert.deepEqual(recorded.json(), { feet: 3 });
 * assert.deepEqual(recorded.metadataJson(), { unit: "ft" });
 * assert.ok(recorded.created instanceof Date);
 * ```
 */
export class RecordedEvent {
  /** The stream the event is in. */
  readonly stream: string;
  /** The event's number in its stream. */
  readonly eventNumber: bigint;
  /** The event type. */
  readonly type: string;
  /** The event body. */
  readonly data: Uint8Array;
  /** The event metadata (empty when none). */
  readonly metadata: Uint8Array;
  /** True when the body was written as JSON. */
  readonly isJson: boolean;
  #id: string | undefined;
  #created: Date | undefined;
  /** The record it was made from, while `id` or `created` have not been asked for. */
  #record: EventRecord | undefined;

  /** Creates an event from its parts, or from a decoded `EventRecord` (16-byte id checked). */
  constructor(source: RecordedEventFields | EventRecord) {
    if ("$typeName" in source) {
      this.stream = source.eventStreamId;
      this.eventNumber = source.eventNumber;
      this.type = source.eventType;
      this.data = source.data;
      // Absent (a message built by hand) or empty: the shared empty array.
      this.metadata = source.metadata?.length ? source.metadata : EMPTY;
      this.isJson = source.dataContentType === 1;
      this.#record = source;
    } else {
      this.stream = source.stream;
      this.eventNumber = source.eventNumber;
      this.type = source.type;
      this.data = source.data;
      this.metadata = source.metadata ?? EMPTY;
      this.isJson = source.isJson;
      this.#id = source.id;
      this.#created = source.created;
    }
  }

  /** The event id (RFC 4122 string). */
  get id(): string {
    if (this.#id === undefined) {
      this.#id = bytesToGuid(this.#record!.eventId);
      if (this.#created !== undefined) this.#record = undefined;
    }
    return this.#id;
  }

  /** When the server stored the event. */
  get created(): Date {
    if (this.#created === undefined) {
      this.#created = createdDate(this.#record!);
      if (this.#id !== undefined) this.#record = undefined;
    }
    return this.#created;
  }

  /**
   * The body parsed as JSON.
   *
   * @throws {SyntaxError} if the body is not valid JSON
   */
  json<T = unknown>(): T {
    return JSON.parse(utf8.decode(this.data)) as T;
  }

  /** The body decoded as UTF-8 text. */
  text(): string {
    return utf8.decode(this.data);
  }

  /**
   * The metadata parsed as JSON, or `undefined` when there is none.
   *
   * @throws {SyntaxError} if the metadata is not valid JSON
   */
  metadataJson<T = unknown>(): T | undefined {
    return this.metadata.length === 0 ? undefined : JSON.parse(utf8.decode(this.metadata)) as T;
  }

  /**
   * A JSON form (`JSON.stringify` throws on `bigint`): the event number as a decimal string, the
   * body parsed when it is JSON (base64 otherwise), `created` as an ISO string.
   */
  toJSON(): RecordedEventJson {
    return recordedEventJson(this);
  }
}

/**
 * An event as reads and subscriptions deliver it: the resolved record (`event`), the link that
 * pointed at it (`link`, when links were resolved), and its `$all` position where known. The
 * convenience fields (`stream`, `type`, `data`, `json()`, …) are those of `event`, or of `link`
 * when the link could not be resolved.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await conn.publishEvent("orders-1", "order_placed", { body: { order: 1 } });
 * // A link event ("$>", body "<number>@<stream>") in another stream points at it.
 * await conn.publishEvent("all-orders", "$>", { body: new TextEncoder().encode("0@orders-1") });
 *
 * const [read] = await conn.get("all-orders"); // links are resolved by default
 * assert.equal(read.type, "order_placed");
 * assert.equal(read.stream, "orders-1");
 * assert.equal(read.link?.stream, "all-orders");
 * assert.equal(read.originalStreamId, "all-orders");
 * ```
 */
export class ResolvedEvent {
  /** The resolved record; `undefined` when a link could not be resolved. */
  readonly event: RecordedEvent | undefined;
  /** The link record, when the event was reached through a `$>` link. */
  readonly link: RecordedEvent | undefined;
  /** The `$all` position of the original event, where the server reports one. */
  readonly position: Position | undefined;
  /** How often a persistent subscription delivered this event before (0 otherwise). */
  readonly retryCount: number;

  /** Creates a resolved event; at least one of `event` and `link` must be given. */
  constructor(
    event: RecordedEvent | undefined,
    link?: RecordedEvent,
    position?: Position,
    retryCount = 0,
  ) {
    if (!event && !link) throw new TypeError("A resolved event needs an event or a link");
    this.event = event;
    this.link = link;
    this.position = position;
    this.retryCount = retryCount;
  }

  /** The record this event was read as: the link if there is one, else the event. */
  get originalEvent(): RecordedEvent {
    return (this.link ?? this.event)!;
  }
  /** The number of the original event in its stream (the link's, for links). */
  get originalEventNumber(): bigint {
    return this.originalEvent.eventNumber;
  }
  /** The stream of the original event (the link's, for links). */
  get originalStreamId(): string {
    return this.originalEvent.stream;
  }
  /** False when this is a link whose target could not be read. */
  get isResolved(): boolean {
    return this.event !== undefined;
  }
  /**
   * A JSON form (`JSON.stringify` throws on `bigint`): `event` and `link` as
   * {@linkcode RecordedEvent.toJSON} gives them, the position as decimal strings.
   */
  toJSON(): ResolvedEventJson {
    return {
      ...(this.event && { event: this.event.toJSON() }),
      ...(this.link && { link: this.link.toJSON() }),
      ...(this.position && { position: this.position.toJSON() }),
      retryCount: this.retryCount,
    };
  }
  /** The best record available: `event`, or `link` when unresolved. */
  get #record(): RecordedEvent {
    return (this.event ?? this.link)!;
  }
  /** Stream of the resolved event. */
  get stream(): string {
    return this.#record.stream;
  }
  /** Id of the resolved event. */
  get id(): string {
    return this.#record.id;
  }
  /** Number of the resolved event in its stream. */
  get eventNumber(): bigint {
    return this.#record.eventNumber;
  }
  /** Type of the resolved event. */
  get type(): string {
    return this.#record.type;
  }
  /** Body of the resolved event. */
  get data(): Uint8Array {
    return this.#record.data;
  }
  /** Metadata of the resolved event. */
  get metadata(): Uint8Array {
    return this.#record.metadata;
  }
  /** Whether the resolved event's body is JSON. */
  get isJson(): boolean {
    return this.#record.isJson;
  }
  /** When the resolved event was stored. */
  get created(): Date {
    return this.#record.created;
  }
  /** The resolved event's body parsed as JSON. */
  json<T = unknown>(): T {
    return this.#record.json<T>();
  }
  /** The resolved event's body as UTF-8 text. */
  text(): string {
    return this.#record.text();
  }
}

/** Converts a wire `created` value: epoch milliseconds if present, else .NET ticks. */
function createdDate(record: EventRecord): Date {
  if (record.createdEpoch !== 0n) return new Date(Number(record.createdEpoch));
  if (record.created !== 0n) {
    return new Date(Number(((record.created & TICKS_MASK) - TICKS_AT_UNIX_EPOCH) / 10_000n));
  }
  return new Date(0);
}

/**
 * Maps one wire `EventRecord` to a {@linkcode RecordedEvent}.
 *
 * @throws {ProtocolError} when the event id is not 16 bytes
 */
export function toRecordedEvent(record: EventRecord): RecordedEvent {
  if (record.eventId.length !== 16) {
    throw new ProtocolError(
      "bad-payload",
      `Event ${record.eventNumber} of stream "${record.eventStreamId}" has a ${record.eventId.length}-byte id; expected 16`,
    );
  }
  return new RecordedEvent(record);
}

/**
 * Maps a `ResolvedIndexedEvent` (stream reads, ReadEvent, persistent subscriptions). An absent
 * `event` with a `link` is an unresolvable link (data, docs/protocol.md §4.10); both absent is a
 * protocol violation, and so is an absent message (`context` names where it was expected).
 *
 * @throws {ProtocolError} `missing-field` when neither `event` nor `link` is present
 */
export function fromResolvedIndexedEvent(
  message: ResolvedIndexedEvent | undefined,
  context: string,
  retryCount = 0,
): ResolvedEvent {
  if (!message || (!message.event && !message.link)) {
    throw new ProtocolError("missing-field", `${context}: a ResolvedIndexedEvent has no event`);
  }
  return new ResolvedEvent(
    message.event ? toRecordedEvent(message.event) : undefined,
    message.link ? toRecordedEvent(message.link) : undefined,
    undefined,
    retryCount,
  );
}

/**
 * Maps a `ResolvedEvent` message (`$all` reads, volatile subscriptions) with its position. An
 * absent message, or one with neither `event` nor `link`, is a protocol violation.
 *
 * @throws {ProtocolError} `missing-field` when neither `event` nor `link` is present
 */
export function fromResolvedEventMessage(
  message: ResolvedEventMessage | undefined,
  context: string,
): ResolvedEvent {
  if (!message || (!message.event && !message.link)) {
    throw new ProtocolError("missing-field", `${context}: a ResolvedEvent has no event`);
  }
  return new ResolvedEvent(
    message.event ? toRecordedEvent(message.event) : undefined,
    message.link ? toRecordedEvent(message.link) : undefined,
    new Position(message.commitPosition, message.preparePosition),
  );
}
