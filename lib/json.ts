/**
 * The JSON forms of photonpump's results, used by their `toJSON()` methods so that
 * `JSON.stringify(result)` works (it throws on a `bigint`). Event numbers and positions become
 * decimal strings, which keeps every digit (a `number` loses them above 2^53, and the deleted-stream
 * marker is 2^63 - 1). Dates become ISO strings; a JSON body becomes its parsed value and any other
 * body a base64 string.
 *
 * @module
 */

/** A `$all` position as JSON. */
export interface PositionJson {
  /** The commit position, as a decimal string. */
  readonly commit: string;
  /** The prepare position, as a decimal string. */
  readonly prepare: string;
}

/** A recorded event as JSON. */
export interface RecordedEventJson {
  /** The stream the event is in. */
  readonly stream: string;
  /** The event id. */
  readonly id: string;
  /** The event's number in its stream, as a decimal string. */
  readonly eventNumber: string;
  /** The event type. */
  readonly type: string;
  /** True when the body was written as JSON. */
  readonly isJson: boolean;
  /** The body: its parsed value when it is JSON, else its bytes in base64. */
  readonly data: unknown;
  /** The metadata: its parsed value when it parses as JSON, base64 otherwise, absent when empty. */
  readonly metadata?: unknown;
  /** When the server stored the event, as an ISO 8601 string. */
  readonly created: string;
}

/** A resolved event (as reads and subscriptions deliver it) as JSON. */
export interface ResolvedEventJson {
  /** The resolved record; absent when a link could not be resolved. */
  readonly event?: RecordedEventJson;
  /** The link that pointed at it, when there is one. */
  readonly link?: RecordedEventJson;
  /** Its `$all` position, where known. */
  readonly position?: PositionJson;
  /** How often a persistent subscription delivered it before. */
  readonly retryCount: number;
}

/** A successful append's or commit's result as JSON. */
export interface WriteResultJson {
  /** The first event number written, as a decimal string. */
  readonly firstEventNumber: string;
  /** The last event number written, as a decimal string. */
  readonly lastEventNumber: string;
  /** The write's log position, when the server reported one. */
  readonly position?: PositionJson;
}

/** A successful delete's result as JSON. */
export interface DeleteResultJson {
  /** The tombstone's or metadata record's log position, when the server reported one. */
  readonly position?: PositionJson;
}

/** What {@linkcode recordedEventJson} reads. */
export interface RecordedEventFields {
  /** The stream. */
  readonly stream: string;
  /** The event id. */
  readonly id: string;
  /** The event number. */
  readonly eventNumber: bigint;
  /** The event type. */
  readonly type: string;
  /** The body bytes. */
  readonly data: Uint8Array;
  /** The metadata bytes. */
  readonly metadata: Uint8Array;
  /** Whether the body is JSON. */
  readonly isJson: boolean;
  /** When it was stored. */
  readonly created: Date;
}

const utf8 = new TextDecoder();

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Parsed JSON when `bytes` hold JSON (and `asJson` allows trying), else base64. */
function bytesJson(bytes: Uint8Array, asJson: boolean): unknown {
  if (asJson) {
    try {
      return JSON.parse(utf8.decode(bytes));
    } catch {
      // Not JSON after all: fall back to the bytes.
    }
  }
  return base64(bytes);
}

/**
 * A position's JSON form.
 *
 * @example
 * ```ts
 * import { positionJson } from "./json.ts";
 * console.log(positionJson({ commit: 9007199254740993n, prepare: 5n }));
 * // { commit: "9007199254740993", prepare: "5" }
 * ```
 */
export function positionJson(position: { commit: bigint; prepare: bigint }): PositionJson {
  return { commit: String(position.commit), prepare: String(position.prepare) };
}

/** A recorded event's JSON form (body parsed when it is JSON, base64 otherwise). */
export function recordedEventJson(event: RecordedEventFields): RecordedEventJson {
  const json: RecordedEventJson = {
    stream: event.stream,
    id: event.id,
    eventNumber: String(event.eventNumber),
    type: event.type,
    isJson: event.isJson,
    data: event.data.byteLength === 0 && !event.isJson ? "" : bytesJson(event.data, event.isJson),
    created: Number.isNaN(event.created.getTime()) ? "" : event.created.toISOString(),
  };
  return event.metadata.byteLength === 0
    ? json
    : { ...json, metadata: bytesJson(event.metadata, true) };
}

/**
 * `value` with every `bigint` replaced by its decimal string, recursively through arrays and
 * plain objects (other objects are left to their own `toJSON`).
 *
 * @example
 * ```ts
 * import { withBigIntsAsStrings } from "./json.ts";
 * console.log(JSON.stringify(withBigIntsAsStrings({ lastEventNumber: 4n })));
 * // {"lastEventNumber":"4"}
 * ```
 */
export function withBigIntsAsStrings(value: unknown): unknown {
  if (typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return value.map(withBigIntsAsStrings);
  if (
    typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withBigIntsAsStrings(item)]),
    );
  }
  return value;
}

/**
 * Gives a plain result object a `toJSON()` returning {@linkcode withBigIntsAsStrings} of it. The
 * method is not enumerable, so the object still compares, spreads and prints as before.
 *
 * @example
 * ```ts
 * import { withToJSON } from "./json.ts";
 * const result = withToJSON({ lastEventNumber: 4n });
 * console.log(JSON.stringify(result)); // {"lastEventNumber":"4"}
 * ```
 */
export function withToJSON<T extends object, J>(value: T): T & { toJSON(): J } {
  Object.defineProperty(value, "toJSON", {
    value: () => withBigIntsAsStrings({ ...value }) as J,
    enumerable: false,
  });
  return value as T & { toJSON(): J };
}
