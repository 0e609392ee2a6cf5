/**
 * The system streams around persistent subscriptions (docs/protocol.md §4.11, §4.14) and the events the
 * server writes to them.
 *
 * @module
 */

import type { SystemEvent } from "./group_storage.ts";

/** The stream holding the group definitions. */
export const CONFIG_STREAM = "$persistentSubscriptionConfig";
/** The event type of a definitions snapshot. */
export const CONFIG_EVENT_TYPE = "$PersistentConfig";
/** The event type of a checkpoint. */
export const CHECKPOINT_EVENT_TYPE = "SubscriptionCheckpoint";
/** The event type of a link. */
export const LINK_EVENT_TYPE = "$>";

const utf8 = new TextEncoder();

/**
 * The wire `subscription_id` and internal key of a group: `"<stream>::<group>"`.
 *
 * @example
 * ```ts
 * import { subscriptionId } from "./group_stream_names.ts";
 * subscriptionId("orders", "billing"); // "orders::billing"
 * ```
 */
export function subscriptionId(streamId: string, groupName: string): string {
  return `${streamId}::${groupName}`;
}

/** `$persistentsubscription-<stream>::<group>-checkpoint`. */
export function checkpointStreamName(streamId: string, groupName: string): string {
  return `$persistentsubscription-${subscriptionId(streamId, groupName)}-checkpoint`;
}

/** `$persistentsubscription-<stream>::<group>-parked`. */
export function parkedStreamName(streamId: string, groupName: string): string {
  return `$persistentsubscription-${subscriptionId(streamId, groupName)}-parked`;
}

/** A checkpoint event: JSON data is the last processed event number (5.x form). */
export function checkpointEvent(eventNumber: bigint): SystemEvent {
  return {
    eventType: CHECKPOINT_EVENT_TYPE,
    data: utf8.encode(eventNumber.toString()),
    metadata: new Uint8Array(0),
    isJson: true,
  };
}

/** The `$metadata` event the first checkpoint writes: `{"$maxCount":2}`. */
export function checkpointStreamMetadataEvent(): SystemEvent {
  return {
    eventType: "$metadata",
    data: utf8.encode('{"$maxCount":2}'),
    metadata: new Uint8Array(0),
    isJson: true,
  };
}

/**
 * A parked-message event: a `$>` link with `data` ("N@stream") and JSON metadata naming when, why
 * and which subscription event number (the server's `ParkedMessageMetadata`, camel-cased).
 */
export function parkedMessageEvent(
  data: string,
  reason: string,
  subscriptionEventNumber: bigint,
  added: Date,
): SystemEvent {
  const metadata = `{"added":${JSON.stringify(added.toISOString())},"reason":${
    JSON.stringify(reason)
  },"subscriptionEventNumber":${subscriptionEventNumber}}`;
  return {
    eventType: LINK_EVENT_TYPE,
    data: utf8.encode(data),
    metadata: utf8.encode(metadata),
    isJson: false,
  };
}
