/**
 * Test helpers for the persistent-subscription engine: an in-memory {@linkcode GroupStorage}
 * with link resolution.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { type EventRecord, EventRecordSchema } from "../../../gen/client_messages_pb.ts";
import { type GroupEvent, parseLinkData } from "../../../lib/memstore/persistent/group_event.ts";
import type {
  GroupStorage,
  StreamPage,
  SystemEvent,
} from "../../../lib/memstore/persistent/group_storage.ts";
import { guidToBytes } from "../../../lib/wire/guid.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A deterministic GUID for event `n` of a test stream. */
export function testId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** Streams in memory; every append is recorded. */
export class FakeGroupStorage implements GroupStorage {
  readonly streams = new Map<string, EventRecord[]>();
  readonly appends: { streamId: string; event: SystemEvent }[] = [];
  reads = 0;
  #nextId = 1;

  /** Appends a test event (type "t", JSON data) and returns it. */
  write(streamId: string, type = "t", data = "{}", metadata = ""): EventRecord {
    const list = this.streams.get(streamId) ?? [];
    this.streams.set(streamId, list);
    const record = create(EventRecordSchema, {
      eventStreamId: streamId,
      eventNumber: BigInt(list.length),
      eventId: guidToBytes(testId(this.#nextId++)),
      eventType: type,
      dataContentType: 1,
      metadataContentType: metadata === "" ? 0 : 1,
      data: utf8.encode(data),
      metadata: utf8.encode(metadata),
    });
    list.push(record);
    return record;
  }

  /** Writes `count` events to `streamId`. */
  writeMany(streamId: string, count: number): EventRecord[] {
    return Array.from({ length: count }, () => this.write(streamId));
  }

  readStreamForward(
    streamId: string,
    fromEventNumber: bigint,
    maxCount: number,
    resolveLinkTos: boolean,
  ): StreamPage {
    this.reads++;
    const list = this.streams.get(streamId) ?? [];
    const from = Number(fromEventNumber);
    const slice = list.slice(from, from + maxCount);
    const events = slice.map((r): GroupEvent => this.#resolve(r, resolveLinkTos));
    const next = BigInt(Math.min(list.length, from + slice.length));
    return {
      events,
      nextEventNumber: next > fromEventNumber ? next : fromEventNumber,
      isEndOfStream: from + slice.length >= list.length,
    };
  }

  #resolve(record: EventRecord, resolveLinkTos: boolean): GroupEvent {
    if (!resolveLinkTos || record.eventType !== "$>") return { event: record };
    const link = parseLinkData(record.data);
    if (link === undefined) return { event: record };
    const target = this.streams.get(link.streamId)?.[Number(link.eventNumber)];
    return target === undefined ? { link: record } : { event: target, link: record };
  }

  lastEventNumber(streamId: string): bigint {
    return BigInt((this.streams.get(streamId)?.length ?? 0) - 1);
  }

  readLastEvent(streamId: string): EventRecord | undefined {
    return this.streams.get(streamId)?.at(-1);
  }

  append(streamId: string, events: readonly SystemEvent[]): void {
    for (const event of events) {
      this.appends.push({ streamId, event });
      this.write(streamId, event.eventType, text.decode(event.data), text.decode(event.metadata));
    }
  }

  deleted: string[] = [];

  deleteStream(streamId: string): void {
    this.deleted.push(streamId);
    this.streams.delete(streamId);
  }

  /** The data of every event of a stream, as text. */
  dataOf(streamId: string): string[] {
    return (this.streams.get(streamId) ?? []).map((r) => text.decode(r.data));
  }
}
