/**
 * DispatchToSingle: every message to the first client until it is full, then the next one.
 *
 * @module
 */

import type { ConsumerStrategy, PushResult } from "./consumer_strategy.ts";
import type { GroupEvent } from "./group_event.ts";
import type { PersistentClient } from "./persistent_client.ts";

/** Sticks with the front client; a full client moves to the back. */
export class DispatchToSingleStrategy implements ConsumerStrategy {
  /** Always `"DispatchToSingle"`. */
  readonly name = "DispatchToSingle" as const;
  #clients: PersistentClient[] = [];

  /** Adds the client at the back. */
  clientAdded(client: PersistentClient): void {
    this.#clients.push(client);
  }

  /** Removes the client. */
  clientRemoved(client: PersistentClient): void {
    this.#clients = this.#clients.filter((c) => c !== client);
  }

  /** Gives the message to the front client, rotating past full ones. */
  push(entry: GroupEvent): PushResult {
    for (let i = 0; i < this.#clients.length; i++) {
      const client = this.#clients[0];
      if (client.reserve(entry)) return { kind: "sent", client };
      this.#clients.push(this.#clients.shift()!);
    }
    return { kind: "no-capacity" };
  }
}
