/**
 * What a persistent-subscription group needs from the store: forward reads of its stream (links
 * resolved on request), the stream's last event number, and system writes for parking,
 * checkpoints and definitions. The memstore adapts its storage to this; tests use a fake.
 *
 * @module
 */

import type { EventRecord } from "../../../gen/client_messages_pb.ts";
import type { GroupEvent } from "./group_event.ts";

/** One page of a forward stream read. */
export interface StreamPage {
  /** The readable entries at or after the requested number, in order. */
  readonly events: readonly GroupEvent[];
  /** The number to read from next. */
  readonly nextEventNumber: bigint;
  /** True when nothing more is readable now. */
  readonly isEndOfStream: boolean;
}

/** An event the group writes as the system user. */
export interface SystemEvent {
  /** The event type. */
  readonly eventType: string;
  /** The body. */
  readonly data: Uint8Array;
  /** The metadata (may be empty). */
  readonly metadata: Uint8Array;
  /** True when `data` is JSON. */
  readonly isJson: boolean;
}

/** The storage operations a group uses; all run as the system user and never throw. */
export interface GroupStorage {
  /** Reads up to `maxCount` entries of `streamId` from `fromEventNumber` on. */
  readStreamForward(
    streamId: string,
    fromEventNumber: bigint,
    maxCount: number,
    resolveLinkTos: boolean,
  ): StreamPage;
  /** The number of the stream's last event, −1 when it has none. */
  lastEventNumber(streamId: string): bigint;
  /** The last readable record of a stream, if any. */
  readLastEvent(streamId: string): EventRecord | undefined;
  /** Appends events with expected version "any"; failures are ignored like the server's logs. */
  append(streamId: string, events: readonly SystemEvent[]): void;
  /** Soft-deletes a stream if it exists. */
  deleteStream(streamId: string): void;
}
