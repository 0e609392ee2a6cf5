/**
 * Events to write: {@linkcode newEvent} builds them, {@linkcode toNewEventMessage} maps them to the
 * wire message. JSON bodies are serialised here, once, so a body that cannot be serialised fails
 * before anything is sent.
 *
 * @module
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import type { NewEventSchema } from "../../gen/client_messages_pb.ts";
import { guidToBytes, isGuid, newGuid, ZERO_GUID } from "../wire/guid.ts";

/** An event ready to be written. */
export interface EventData {
  /** The event id (RFC 4122 string); the server uses it for idempotency. */
  readonly id: string;
  /** The event type. */
  readonly type: string;
  /** The body bytes. */
  readonly data: Uint8Array;
  /** The metadata bytes (empty when none). */
  readonly metadata: Uint8Array;
  /** True when `data` is JSON. */
  readonly isJson: boolean;
}

/**
 * A body or metadata: a JSON-serialisable value, a string of JSON text (sent as is), or binary
 * (`Uint8Array`, `ArrayBuffer`, any typed array) sent as is.
 */
export type EventBody = Uint8Array | ArrayBuffer | ArrayBufferView | string | unknown;

/**
 * Options of {@linkcode newEvent}; `T` types the body, e.g.
 * `newEvent<PlayerCreated>("player_created", { body })`.
 */
export interface NewEventOptions<T = EventBody> {
  /** The body (see {@linkcode EventBody}). Alias of `body`. */
  readonly data?: T;
  /** The body (see {@linkcode EventBody}). Alias of `data`. */
  readonly body?: T;
  /** Metadata (JSON-serialisable value or `Uint8Array`). */
  readonly metadata?: EventBody;
  /** The event id (default: a fresh random GUID). */
  readonly id?: string;
}

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);
const NEW_EVENT_KEYS = new Set(["data", "body", "metadata", "id"]);

/** Longest text {@linkcode utf8Bytes} copies by hand; longer text goes to `TextEncoder`. */
const HAND_ENCODED_MAX = 1024;

/**
 * The UTF-8 bytes of `text`. A short ASCII text (most JSON bodies) is copied by hand: for a
 * body of a few hundred bytes that costs less than the call into `TextEncoder`.
 */
function utf8Bytes(text: string): Uint8Array {
  const length = text.length;
  if (length > HAND_ENCODED_MAX) return utf8.encode(text);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return utf8.encode(text);
    bytes[i] = code;
  }
  return bytes;
}

/** Where a value is: "the top", then `.key` or `[index]` for each step down. */
function pathOf(keys: readonly (string | number)[]): string {
  let path = "the top";
  for (const key of keys) path += typeof key === "number" ? `[${key}]` : `.${key}`;
  return path;
}

/** Strings, booleans, null and finite numbers (most of any body): JSON writes them as they are. */
function isJsonLeaf(value: unknown): boolean {
  return typeof value === "string" || typeof value === "boolean" || value === null ||
    (typeof value === "number" && Number.isFinite(value));
}

/**
 * Names what JSON cannot represent faithfully in `value`, or `undefined` when it can. It runs on
 * every JSON body written, so the walk allocates nothing while all is well (`keys` is the path,
 * turned into text only for a problem; objects are walked with `for...in`, not key arrays).
 */
function unfaithful(
  value: unknown,
  seen: Set<object>,
  keys: (string | number)[],
): string | undefined {
  switch (typeof value) {
    case "bigint":
      return `a BigInt at ${pathOf(keys)}`;
    case "function":
      return `a function at ${pathOf(keys)}`;
    case "symbol":
      return `a symbol at ${pathOf(keys)}`;
    case "number":
      return Number.isFinite(value) ? undefined : `the number ${value} at ${pathOf(keys)}`;
    case "object": {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        if (seen.has(value)) return `a cycle at ${pathOf(keys)}`;
        seen.add(value);
        for (let i = 0; i < value.length; i++) {
          const child = value[i];
          if (isJsonLeaf(child)) continue;
          keys.push(i);
          const found = unfaithful(child, seen, keys);
          keys.pop();
          if (found) return found;
        }
        seen.delete(value);
        return undefined;
      }
      if (value instanceof Map) return `a Map at ${pathOf(keys)}`;
      if (value instanceof Set) return `a Set at ${pathOf(keys)}`;
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        return `binary data at ${pathOf(keys)} (give binary as the whole body)`;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return undefined;
      if (seen.has(value)) return `a cycle at ${pathOf(keys)}`;
      seen.add(value);
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        const child = record[key];
        if (isJsonLeaf(child)) continue;
        keys.push(key);
        const found = unfaithful(child, seen, keys);
        keys.pop();
        if (found) return found;
      }
      seen.delete(value);
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Serialises a body:
 *
 * - a `Uint8Array`, `ArrayBuffer` or other typed array is binary, sent as is;
 * - a string is JSON text, sent as is (not encoded a second time), after checking it parses;
 * - anything else is serialised as JSON. What JSON cannot represent faithfully (a `Map`, a `Set`,
 *   a `BigInt`, a function, a cycle, a non-finite number) is refused, naming it and where it is.
 *
 * @throws {TypeError} for a string that is not JSON and for values JSON cannot represent
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serializeBody } from "./new_event.ts";
 * assert.deepEqual(serializeBody('{"a":1}', "body").isJson, true);
 * assert.deepEqual(serializeBody(new ArrayBuffer(2), "body").isJson, false);
 * ```
 */
export function serializeBody(
  value: EventBody,
  what: string,
): { bytes: Uint8Array; isJson: boolean } {
  if (value instanceof Uint8Array) return { bytes: value, isJson: false };
  if (value instanceof ArrayBuffer) return { bytes: new Uint8Array(value), isJson: false };
  if (ArrayBuffer.isView(value)) {
    return {
      bytes: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
      isJson: false,
    };
  }
  if (typeof value === "string") {
    try {
      JSON.parse(value);
    } catch (cause) {
      throw new TypeError(
        `Invalid ${what}: a string body is sent as JSON text and must parse as JSON ` +
          `(give bytes for text that is not JSON)`,
        { cause },
      );
    }
    return { bytes: utf8Bytes(value), isJson: true };
  }
  const problem = unfaithful(value, new Set(), []);
  if (problem) {
    throw new TypeError(`Cannot serialise the ${what} as JSON: it holds ${problem}`);
  }
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new TypeError(`Cannot serialise the ${what} as JSON: ${typeof value} is not JSON`);
  }
  return { bytes: utf8Bytes(text), isJson: true };
}

/**
 * Builds an event to write. Plain values become JSON (marked as JSON); `Uint8Array` is binary.
 *
 * @throws {TypeError} for an empty type, a bad id, both `data` and `body`, an unknown option or a
 * body that cannot be serialised
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, newEvent } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * const event = newEvent("player_created", { body: { name: "Gil" }, metadata: { by: "admin" } });
 * // Publishing the same event (same id) twice writes it once: the server is idempotent on ids.
 * await conn.publish("adventure", [event]);
 * await conn.publish("adventure", [event]);
 * const [stored] = await conn.get("adventure");
 * assert.equal(stored.id, event.id);
 * assert.deepEqual(stored.event?.metadataJson(), { by: "admin" });
 * assert.equal((await conn.get("adventure")).length, 1);
 * ```
 */
export function newEvent<T = EventBody>(
  type: string,
  options: NewEventOptions<T> = {},
): EventData {
  if (typeof type !== "string" || type.length === 0) {
    throw new TypeError("Invalid event type: expected a non-empty string");
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Invalid newEvent options: expected an object");
  }
  for (const key of Object.keys(options)) {
    if (!NEW_EVENT_KEYS.has(key)) throw new TypeError(`Unknown newEvent option "${key}"`);
  }
  return buildEvent(type, options.data, options.body, options.metadata, options.id);
}

/**
 * The part of {@linkcode newEvent} after its option checks, for callers that checked their
 * options already (`publishEvent`): no options object is built for it.
 *
 * @throws {TypeError} for both `data` and `body`, a bad id or a body that cannot be serialised
 */
export function buildEvent(
  type: string,
  data: unknown,
  body: unknown,
  metadata: unknown,
  id: string | null | undefined,
): EventData {
  if (data !== undefined && body !== undefined) {
    throw new TypeError('Give the event body as "data" or as "body", not both');
  }
  let eventId: string;
  if (id === undefined || id === null) {
    eventId = newGuid(); // lower case already
  } else if (typeof id !== "string" || !isGuid(id) || id === ZERO_GUID) {
    throw new TypeError(`Invalid event id "${String(id)}": expected a non-zero GUID string`);
  } else {
    eventId = id.toLowerCase();
  }
  const rawBody = data !== undefined ? data : body;
  const serialised = rawBody === undefined
    ? { bytes: EMPTY, isJson: false }
    : serializeBody(rawBody, `body of "${type}"`);
  const metadataBytes = metadata === undefined
    ? EMPTY
    : serializeBody(metadata, `metadata of "${type}"`).bytes;
  return {
    id: eventId,
    type,
    data: serialised.bytes,
    metadata: metadataBytes,
    isJson: serialised.isJson,
  };
}

/**
 * Checks that `value` looks like an {@linkcode EventData} (users may build them by hand).
 *
 * @throws {TypeError} when it does not
 */
export function checkEventData(value: unknown, index: number): EventData {
  const event = value as EventData;
  if (
    typeof event !== "object" || event === null || typeof event.type !== "string" ||
    event.type.length === 0 || !(event.data instanceof Uint8Array) ||
    typeof event.id !== "string" || !isGuid(event.id) || event.id === ZERO_GUID ||
    !(event.metadata === undefined || event.metadata instanceof Uint8Array)
  ) {
    throw new TypeError(`Invalid event at index ${index}: build events with newEvent()`);
  }
  return event;
}

/** Maps an event to the init shape of the wire `NewEvent` message. */
export function toNewEventMessage(event: EventData): MessageInitShape<typeof NewEventSchema> {
  return {
    eventId: guidToBytes(event.id),
    eventType: event.type,
    dataContentType: event.isJson ? 1 : 0,
    // Clients send 0 here; the server ignores it (docs/protocol.md §3.3.1).
    metadataContentType: 0,
    data: event.data,
    metadata: event.metadata ?? EMPTY,
  };
}
