/**
 * RoundRobin: each message to the next client, in turn, that has room.
 *
 * @module
 */

import type { ConsumerStrategy, PushResult } from "./consumer_strategy.ts";
import type { GroupEvent } from "./group_event.ts";
import type { PersistentClient } from "./persistent_client.ts";

/** Rotates through the clients; a client that takes a message goes to the back. */
export class RoundRobinStrategy implements ConsumerStrategy {
  /** Always `"RoundRobin"`. */
  readonly name = "RoundRobin" as const;
  #clients: PersistentClient[] = [];

  /** Adds the client at the back of the rotation. */
  clientAdded(client: PersistentClient): void {
    this.#clients.push(client);
  }

  /** Removes the client from the rotation. */
  clientRemoved(client: PersistentClient): void {
    this.#clients = this.#clients.filter((c) => c !== client);
  }

  /** Offers the message to each client once, starting after the last one served. */
  push(entry: GroupEvent): PushResult {
    for (let i = 0; i < this.#clients.length; i++) {
      const client = this.#clients.shift()!;
      this.#clients.push(client);
      if (client.reserve(entry)) return { kind: "sent", client };
    }
    return { kind: "no-capacity" };
  }
}
