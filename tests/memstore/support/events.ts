/**
 * NewEventData builders for storage-level tests.
 *
 * @module
 */

import type { NewEventData } from "../../../lib/memstore/storage.ts";

/** A JSON event with a fresh (or given) id. */
export function ev(eventId: string = crypto.randomUUID(), eventType = "TestEvent"): NewEventData {
  return { eventId, eventType, isJson: true, data: new TextEncoder().encode("{}") };
}

/** `count` fresh events. */
export function evs(count: number): NewEventData[] {
  return Array.from({ length: count }, () => ev());
}

/** A metadata event for `$$stream` with the given JSON. */
export function meta(json: unknown): NewEventData {
  return {
    eventId: crypto.randomUUID(),
    eventType: "$metadata",
    isJson: true,
    data: new TextEncoder().encode(typeof json === "string" ? json : JSON.stringify(json)),
  };
}
