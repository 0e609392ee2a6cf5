/**
 * Request validation done while unwrapping, as the server's message constructors do: a violation
 * is answered with `BadRequest` and the connection stays open (docs/protocol.md §4.5).
 *
 * @module
 */

import { EXPECTED_STREAM_EXISTS } from "../expected_version.ts";
import { bytesToGuid } from "../../wire/guid.ts";
import { InvalidPackageError } from "../command_registry.ts";
import type { NewEventData } from "../storage.ts";
import type { NewEventFields } from "./write_events_codec.ts";

/** Largest event (data + metadata) the server accepts: `TFConsts.EffectiveMaxLogRecordSize`-ish. */
export const MAX_EVENT_SIZE = 16 * 1024 * 1024;

const ZERO_ID = "00000000-0000-0000-0000-000000000000";

/** Rejects an empty stream id. */
export function requireStreamId(stream: string): string {
  if (stream === "") throw new InvalidPackageError("Value cannot be null or empty: eventStreamId");
  return stream;
}

/** Rejects expected versions the server does not accept from clients (−3 and below −4). */
export function requireExpectedVersion(expected: bigint): bigint {
  if (expected === -3n || expected < EXPECTED_STREAM_EXISTS) {
    throw new InvalidPackageError(
      `Invalid expected version ${expected}: must be -4, -2, -1 or >= 0`,
    );
  }
  return expected;
}

/** Converts protobuf NewEvents, rejecting bad ids, empty types and oversized events. */
export function unwrapNewEvents(events: readonly NewEventFields[]): NewEventData[] {
  return events.map((event, index) => {
    if (event.eventId.length !== 16) {
      throw new InvalidPackageError(
        `Event ${index} has an event id of ${event.eventId.length} bytes; a GUID has 16`,
      );
    }
    const eventId = bytesToGuid(event.eventId);
    if (eventId === ZERO_ID) throw new InvalidPackageError(`Event ${index} has an empty event id`);
    if (event.eventType === "") {
      throw new InvalidPackageError(`Event ${index} has an empty event type`);
    }
    if (event.data.length + event.metadata.length > MAX_EVENT_SIZE) {
      throw new InvalidPackageError(`Event ${index} is larger than ${MAX_EVENT_SIZE} bytes`);
    }
    return {
      eventId,
      eventType: event.eventType,
      isJson: event.dataContentType === 1,
      data: event.data,
      metadata: event.metadata,
    };
  });
}
