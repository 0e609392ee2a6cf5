/**
 * {@linkcode GroupStorage} over the memstore's {@linkcode MemoryStorage}: reads with the normal
 * stream rules (truncation, deletes, link resolution) and system writes with expected version
 * "any".
 *
 * @module
 */

import { EXPECTED_ANY } from "../expected_version.ts";
import { type EventRecord, EventRecordSchema } from "../../../gen/client_messages_pb.ts";
import { decodeMessage } from "../../wire/proto_codec.ts";
import { MAX_READ_SIZE, type MemoryStorage, type StoredEvent } from "../storage.ts";
import type { GroupEvent } from "./group_event.ts";
import type { GroupStorage, StreamPage, SystemEvent } from "./group_storage.ts";

/** The stored record as the protocol message (decoded from its stored encoding). */
export function toEventRecord(event: StoredEvent): EventRecord {
  return decodeMessage(EventRecordSchema, event.encoded);
}

/**
 * Adapts a {@linkcode MemoryStorage}.
 *
 * @example
 * ```ts
 * import { MemoryGroupStorage } from "./memory_group_storage.ts";
 * import { MemoryStorage } from "../storage.ts";
 * const storage = new MemoryGroupStorage(new MemoryStorage());
 * storage.lastEventNumber("orders"); // -1n
 * ```
 */
export class MemoryGroupStorage implements GroupStorage {
  #storage: MemoryStorage;

  /** Wraps `storage`. */
  constructor(storage: MemoryStorage) {
    this.#storage = storage;
  }

  readStreamForward(
    streamId: string,
    fromEventNumber: bigint,
    maxCount: number,
    resolveLinkTos: boolean,
  ): StreamPage {
    const read = this.#storage.readStreamForward(
      streamId,
      fromEventNumber < 0n ? 0n : fromEventNumber,
      Math.max(1, Math.min(maxCount, MAX_READ_SIZE)),
    );
    if (read.status !== "success") {
      return { events: [], nextEventNumber: fromEventNumber, isEndOfStream: true };
    }
    const events = read.events.map((stored): GroupEvent => {
      const resolved = resolveLinkTos ? this.#storage.resolve(stored) : { event: stored };
      return {
        ...(resolved.event ? { event: toEventRecord(resolved.event) } : {}),
        ...(resolved.link ? { link: toEventRecord(resolved.link) } : {}),
      };
    });
    return { events, nextEventNumber: read.nextEventNumber, isEndOfStream: read.isEndOfStream };
  }

  lastEventNumber(streamId: string): bigint {
    return this.#storage.lastEventNumber(streamId);
  }

  readLastEvent(streamId: string): EventRecord | undefined {
    const read = this.#storage.readEvent(streamId, -1n);
    return read.status === "success" && read.event ? toEventRecord(read.event) : undefined;
  }

  append(streamId: string, events: readonly SystemEvent[]): void {
    this.#storage.append(
      streamId,
      EXPECTED_ANY,
      events.map((e) => ({
        eventId: crypto.randomUUID(),
        eventType: e.eventType,
        isJson: e.isJson,
        data: e.data,
        metadata: e.metadata,
      })),
    );
  }

  deleteStream(streamId: string): void {
    if (this.#storage.lastEventNumber(streamId) >= 0n) {
      this.#storage.deleteStream(streamId, EXPECTED_ANY, false);
    }
  }
}
