/**
 * What a persistent-subscription group delivers: one stream entry with its link (the shape of
 * `ResolvedIndexedEvent`), and the facts the group derives from it — the message id, the number
 * checkpoints count, the stream Pinned hashes and the link parking writes (docs/protocol.md §4.10, §4.14).
 *
 * @module
 */

import type { EventRecord } from "../../../gen/client_messages_pb.ts";
import { bytesToGuid } from "../../wire/guid.ts";
import { parseJsonObject } from "../stream_metadata.ts";

/** One entry of the group's stream: `link` is set when a `$>` link was resolved to `event`. */
export interface GroupEvent {
  /** The event (the link target when resolved; absent when the target is gone). */
  readonly event?: EventRecord;
  /** The link record, when the entry is a resolved (or unresolvable) link. */
  readonly link?: EventRecord;
}

const utf8 = new TextDecoder();

/**
 * The record that sits in the group's stream: the link if present, else the event.
 *
 * @throws {TypeError} when the entry has neither
 */
export function originalRecord(entry: GroupEvent): EventRecord {
  const record = entry.link ?? entry.event;
  if (record === undefined) throw new TypeError("A group event needs an event or a link record");
  return record;
}

/**
 * The message id acks and naks name: the original record's id (the link's id for links).
 *
 * @example
 * ```ts
 * import { messageId } from "./group_event.ts";
 * import { create } from "@bufbuild/protobuf";
 * import { EventRecordSchema } from "../../../gen/client_messages_pb.ts";
 * messageId({ event: create(EventRecordSchema, { eventId: new Uint8Array(16) }) });
 * // "00000000-0000-0000-0000-000000000000"
 * ```
 */
export function messageId(entry: GroupEvent): string {
  return bytesToGuid(originalRecord(entry).eventId);
}

/** The original record's number in the group's stream. */
export function originalEventNumber(entry: GroupEvent): bigint {
  return originalRecord(entry).eventNumber;
}

/** Splits link data `"N@stream"`; `undefined` when it is not of that form. */
export function parseLinkData(
  data: Uint8Array,
): { eventNumber: bigint; streamId: string } | undefined {
  const text = utf8.decode(data);
  const at = text.indexOf("@");
  if (at < 0) return undefined;
  const number = text.slice(0, at);
  if (!/^-?\d+$/.test(number)) return undefined;
  return { eventNumber: BigInt(number), streamId: text.slice(at + 1) };
}

/**
 * The stream Pinned hashes: the resolved event's stream, or for an unresolved `$>` link the
 * stream its data names, else the record's own stream.
 */
export function sourceStreamId(entry: GroupEvent): string {
  if (entry.event !== undefined && entry.event.eventType !== "$>") return entry.event.eventStreamId;
  const record = originalRecord(entry);
  if (record.eventType === "$>") {
    return parseLinkData(record.data)?.streamId ?? record.eventStreamId;
  }
  return record.eventStreamId;
}

/** `$correlationId` from the event's JSON metadata (PinnedByCorrelation), if it is a string. */
export function correlationIdOf(entry: GroupEvent): string | undefined {
  const record = entry.event ?? entry.link;
  if (record?.metadata === undefined || record.metadata.length === 0) return undefined;
  const value = parseJsonObject(record.metadata)?.["$correlationId"];
  return typeof value === "string" ? value : undefined;
}

/**
 * The data of the `$>` link parking writes: `"N@stream"` of the event, or the link's own data
 * when the target could not be resolved (the server's `GetLinkToFor`).
 */
export function parkedLinkData(entry: GroupEvent): string {
  if (entry.event === undefined) return utf8.decode(originalRecord(entry).data);
  return `${entry.event.eventNumber}@${entry.event.eventStreamId}`;
}
