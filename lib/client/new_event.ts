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

/** A body or metadata: a JSON-serialisable value, or raw bytes sent as binary. */
export type EventBody = Uint8Array | unknown;

/** Options of {@linkcode newEvent}. */
export interface NewEventOptions {
  /** The body (JSON-serialisable value or `Uint8Array`). Alias of `body`. */
  readonly data?: EventBody;
  /** The body (JSON-serialisable value or `Uint8Array`). Alias of `data`. */
  readonly body?: EventBody;
  /** Metadata (JSON-serialisable value or `Uint8Array`). */
  readonly metadata?: EventBody;
  /** The event id (default: a fresh random GUID). */
  readonly id?: string;
}

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);
const NEW_EVENT_KEYS = new Set(["data", "body", "metadata", "id"]);

/**
 * Serialises a body: `Uint8Array` as is (binary), anything else as JSON.
 *
 * @throws {TypeError} when the value cannot be serialised as JSON
 */
export function serializeBody(
  value: EventBody,
  what: string,
): { bytes: Uint8Array; isJson: boolean } {
  if (value instanceof Uint8Array) return { bytes: value, isJson: false };
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new TypeError(
      `Cannot serialise the ${what} as JSON: ${cause instanceof Error ? cause.message : cause}`,
      { cause },
    );
  }
  if (text === undefined) {
    throw new TypeError(`Cannot serialise the ${what} as JSON: ${typeof value} is not JSON`);
  }
  return { bytes: utf8.encode(text), isJson: true };
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
export function newEvent(type: string, options: NewEventOptions = {}): EventData {
  if (typeof type !== "string" || type.length === 0) {
    throw new TypeError("Invalid event type: expected a non-empty string");
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Invalid newEvent options: expected an object");
  }
  for (const key of Object.keys(options)) {
    if (!NEW_EVENT_KEYS.has(key)) throw new TypeError(`Unknown newEvent option "${key}"`);
  }
  if (options.data !== undefined && options.body !== undefined) {
    throw new TypeError('Give the event body as "data" or as "body", not both');
  }
  const id = options.id ?? newGuid();
  if (typeof id !== "string" || !isGuid(id) || id === ZERO_GUID) {
    throw new TypeError(`Invalid event id "${String(id)}": expected a non-zero GUID string`);
  }
  const rawBody = options.data !== undefined ? options.data : options.body;
  const body = rawBody === undefined
    ? { bytes: EMPTY, isJson: false }
    : serializeBody(rawBody, `body of "${type}"`);
  const metadata = options.metadata === undefined
    ? EMPTY
    : serializeBody(options.metadata, `metadata of "${type}"`).bytes;
  return { id: id.toLowerCase(), type, data: body.bytes, metadata, isJson: body.isJson };
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
