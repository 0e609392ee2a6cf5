/**
 * Pinned (and PinnedByCorrelation): messages with the same key — the source stream id, or the
 * `$correlationId` — go to the same client while it is connected. Keys hash into buckets; a bucket
 * is assigned on first use to the client holding the fewest buckets.
 *
 * @module
 */

import type { ConsumerStrategy, PushResult } from "./consumer_strategy.ts";
import type { GroupEvent } from "./group_event.ts";
import type { PersistentClient } from "./persistent_client.ts";

const BUCKETS = 1024;
const utf8 = new TextEncoder();

/** FNV-1a over the UTF-8 bytes: stable across runs, unlike a per-process seeded hash. */
export function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % BUCKETS;
}

/** Pins buckets of keys to clients. */
export class PinnedStrategy implements ConsumerStrategy {
  /** `"Pinned"` or `"PinnedByCorrelation"`. */
  readonly name: "Pinned" | "PinnedByCorrelation";
  #keyOf: (entry: GroupEvent) => string;
  #clients: PersistentClient[] = [];
  #assignments = new Map<number, PersistentClient>();
  #load = new Map<PersistentClient, number>();

  /** Creates a strategy keyed by `keyOf`. */
  constructor(name: "Pinned" | "PinnedByCorrelation", keyOf: (entry: GroupEvent) => string) {
    this.name = name;
    this.#keyOf = keyOf;
  }

  /** Adds a client with no buckets. */
  clientAdded(client: PersistentClient): void {
    this.#clients.push(client);
    this.#load.set(client, 0);
  }

  /** Removes a client; its buckets are reassigned when next used. */
  clientRemoved(client: PersistentClient): void {
    this.#clients = this.#clients.filter((c) => c !== client);
    this.#load.delete(client);
    for (const [bucket, owner] of this.#assignments) {
      if (owner === client) this.#assignments.delete(bucket);
    }
  }

  /** Gives the message to its bucket's client; `skipped` when that client is full. */
  push(entry: GroupEvent): PushResult {
    if (!this.#clients.some((c) => c.hasCapacity)) return { kind: "no-capacity" };
    const bucket = bucketOf(this.#keyOf(entry));
    let client = this.#assignments.get(bucket);
    if (client === undefined) {
      client = this.#clients.reduce((a, b) => this.#load.get(b)! < this.#load.get(a)! ? b : a);
      this.#assignments.set(bucket, client);
      this.#load.set(client, this.#load.get(client)! + 1);
    }
    return client.reserve(entry) ? { kind: "sent", client } : { kind: "skipped" };
  }
}
