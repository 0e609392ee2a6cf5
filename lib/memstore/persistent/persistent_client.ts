/**
 * One connected consumer of a group: its identity (connection and connect correlation id), its
 * in-flight limit and the messages it holds unacknowledged.
 *
 * @module
 */

import { type GroupEvent, messageId, originalEventNumber } from "./group_event.ts";

/** Where a client's messages and drop notice go (the TCP connection, or a test). */
export interface ClientSink {
  /** Sends `PersistentSubscriptionStreamEventAppeared`. Must not call back into the group. */
  deliver(entry: GroupEvent, retryCount: number): void;
  /** Sends `SubscriptionDropped(Unsubscribed)`. */
  dropped(): void;
}

/** What identifies and limits a client. */
export interface ClientInit {
  /** The connection the client came on. */
  readonly connectionId: string;
  /** The correlation id of its ConnectToPersistentSubscription. */
  readonly correlationId: string;
  /** `allowed_in_flight_messages`. */
  readonly maxInFlight: number;
  /** Where messages go. */
  readonly sink: ClientSink;
  /** Who connected, for the HTTP statistics. */
  readonly username?: string;
  /** The connection's `connection_name`, for the HTTP statistics. */
  readonly connectionName?: string;
}

/** The key of a client inside a group. */
export function clientKey(connectionId: string, correlationId: string): string {
  return `${connectionId}/${correlationId}`;
}

/** A consumer and the messages it holds. */
export class PersistentClient {
  /** {@linkcode clientKey} of the connection and correlation id. */
  readonly key: string;
  /** The connection the client came on. */
  readonly connectionId: string;
  /** The connect correlation id. */
  readonly correlationId: string;
  /** The in-flight limit. */
  readonly maxInFlight: number;
  /** Where messages go. */
  readonly sink: ClientSink;
  /** Who connected ("" when unknown). */
  readonly username: string;
  /** The connection's name ("" when unknown). */
  readonly connectionName: string;
  #inFlight = new Map<string, GroupEvent>();

  /** Creates a client with nothing in flight. */
  constructor(init: ClientInit) {
    this.connectionId = init.connectionId;
    this.correlationId = init.correlationId;
    this.maxInFlight = init.maxInFlight;
    this.sink = init.sink;
    this.username = init.username ?? "";
    this.connectionName = init.connectionName ?? "";
    this.key = clientKey(init.connectionId, init.correlationId);
  }

  /** How many messages the client holds. */
  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** True when the client may take another message. */
  get hasCapacity(): boolean {
    return this.#inFlight.size < this.maxInFlight;
  }

  /** Takes a message if there is room; the group delivers it afterwards. */
  reserve(entry: GroupEvent): boolean {
    if (!this.hasCapacity) return false;
    this.#inFlight.set(messageId(entry), entry);
    return true;
  }

  /** Forgets a message (acked, nak'ed, retried or parked); false if it was not held. */
  release(id: string): boolean {
    return this.#inFlight.delete(id);
  }

  /** Takes every held message, lowest event number first (for redelivery to others). */
  takeAll(): GroupEvent[] {
    const all = [...this.#inFlight.values()];
    this.#inFlight.clear();
    return all.sort((a, b) => {
      const d = originalEventNumber(a) - originalEventNumber(b);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    });
  }
}
