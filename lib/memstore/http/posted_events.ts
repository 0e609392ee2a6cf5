/**
 * Events posted to `/streams/{stream}`, as the real server's `AutoEventConverter` reads them:
 * `application/vnd.eventstore.events+json` carries an array of `{eventId, eventType, data,
 * metadata}` (keys case-insensitive); `application/json` and `application/octet-stream` carry
 * one event's raw data, its id and type in the `ES-EventId` and `ES-EventType` headers.
 *
 * @module
 */

import type { NewEventData } from "../storage.ts";
import { HttpError } from "./responses.ts";

/** Largest event (data + metadata) the HTTP API accepts, in bytes (the server's 4 MiB). */
export const MAX_HTTP_EVENT_SIZE = 4 * 1024 * 1024;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";
const utf8 = new TextEncoder();

/** How a POST body is read, from its `Content-Type`. */
export type PostedFormat = "events" | "json" | "binary";

/** The format of a `Content-Type`, or null when the server takes no events in it. */
export function postedFormat(contentType: string | null): PostedFormat | null {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  switch (type) {
    case "application/vnd.eventstore.events+json":
    case "application/vnd.eventstore.event+json":
    case "application/vnd.kurrent.events+json":
      return "events";
    case "application/json":
      return "json";
    case "application/octet-stream":
      return "binary";
    default:
      return null;
  }
}

/** Parses a GUID as .NET's `Guid.TryParse` accepts it (dashed, braces optional); lower-cased. */
export function parseGuid(text: string): string | null {
  const bare = text.trim().replace(/^\{(.*)\}$/, "$1");
  return GUID.test(bare) ? bare.toLowerCase() : null;
}

function field(object: Record<string, unknown>, name: string): unknown {
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === name.toLowerCase()) return object[key];
  }
  return undefined;
}

/** data/metadata: an object is stored as JSON, a string as its text, anything else as empty. */
function asBytes(value: unknown): { bytes: Uint8Array; isJson: boolean } {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return { bytes: utf8.encode(JSON.stringify(value)), isJson: true };
  }
  return { bytes: utf8.encode(typeof value === "string" ? value : ""), isJson: false };
}

function checkSize(event: NewEventData, index: number): NewEventData {
  const size = event.data.length + (event.metadata?.length ?? 0);
  if (size > MAX_HTTP_EVENT_SIZE) {
    throw new HttpError(
      413,
      `Event ${index} is too large: ${size} bytes, the limit is ${MAX_HTTP_EVENT_SIZE}`,
    );
  }
  return event;
}

/**
 * Reads an `events+json` body.
 *
 * @throws {HttpError} 400 for anything but a non-empty array of events with valid ids and types
 */
export function parseEventsJson(body: unknown): NewEventData[] {
  if (!Array.isArray(body)) {
    throw new HttpError(400, "Write request body invalid: expected a JSON array of events");
  }
  if (body.length === 0) throw new HttpError(400, "Write request body invalid.");
  return body.map((item, index) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new HttpError(400, `Event ${index} is not a JSON object`);
    }
    const rawId = field(item, "eventId");
    const eventId = typeof rawId === "string" ? parseGuid(rawId) : null;
    if (eventId === null) {
      throw new HttpError(400, `Event ${index} has no valid eventId: ${JSON.stringify(rawId)}`);
    }
    if (eventId === ZERO_GUID) throw new HttpError(400, `Event ${index}: Empty eventId provided.`);
    const eventType = field(item, "eventType");
    if (typeof eventType !== "string" || eventType === "") {
      throw new HttpError(400, `Event ${index} has no eventType`);
    }
    const data = asBytes(field(item, "data"));
    const metadata = asBytes(field(item, "metadata"));
    return checkSize({
      eventId,
      eventType,
      isJson: data.isJson || metadata.isJson,
      data: data.bytes,
      metadata: metadata.bytes,
    }, index);
  });
}

/** One raw event (`application/json` or `application/octet-stream`). */
export function rawEvent(
  body: Uint8Array,
  eventId: string,
  eventType: string,
  isJson: boolean,
): NewEventData {
  return checkSize({ eventId, eventType, isJson, data: body, metadata: new Uint8Array(0) }, 0);
}
