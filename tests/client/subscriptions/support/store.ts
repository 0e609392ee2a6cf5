/**
 * Helpers for subscription tests: a memstore with a client on an in-memory pipe, seeding, and
 * reading a fixed number of events from a subscription.
 *
 * @module
 */

import { type Client, connect } from "../../../../lib/client/client.ts";
import type { ConnectOptions } from "../../../../lib/client/settings.ts";
import { newEvent } from "../../../../lib/client/new_event.ts";
import type { ResolvedEvent } from "../../../../lib/client/resolved_event.ts";
import {
  type MemoryStore,
  type MemoryStoreOptions,
  startMemoryStore,
} from "../../../../lib/memstore/mod.ts";
import type { Credentials } from "../../../../lib/wire/package_codec.ts";

/** admin/changeit. */
export const admin: Credentials = { username: "admin", password: "changeit" };

/** A memstore and a client connected to it; disposing closes both. */
export interface StoreAndClient extends AsyncDisposable {
  readonly store: MemoryStore;
  readonly client: Client;
  /** Opens another client on the same store. */
  connectAgain(): Promise<Client>;
}

/** Starts a memstore (no TCP listener) and connects a client over a pipe; `options` go to `connect()`. */
export async function openStore(
  options: ConnectOptions = {},
  storeOptions: MemoryStoreOptions = {},
): Promise<StoreAndClient> {
  const store = await startMemoryStore({ ...storeOptions, listen: false });
  const connectAgain = () =>
    connect({ ...options, transport: () => Promise.resolve(store.connectPipe()) });
  const client = await connectAgain();
  return {
    store,
    client,
    connectAgain,
    async [Symbol.asyncDispose]() {
      await client.close();
      await store.close();
    },
  };
}

/** Appends `count` events of type `type` with bodies `{ i: from.. }`. */
export async function append(
  client: Client,
  stream: string,
  count: number,
  type = "seeded",
  from = 0,
): Promise<void> {
  if (count === 0) return;
  await client.publish(
    stream,
    Array.from({ length: count }, (_, i) => newEvent(type, { body: { i: from + i } })),
  );
}

/** Reads exactly `count` events from a reader. */
export async function take(
  reader: ReadableStreamDefaultReader<ResolvedEvent>,
  count: number,
): Promise<ResolvedEvent[]> {
  const events: ResolvedEvent[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The subscription ended after ${events.length} of ${count} events`);
    events.push(value);
  }
  return events;
}

/** The event numbers of `events`, as numbers. */
export function numbers(events: readonly ResolvedEvent[]): number[] {
  return events.map((e) => Number(e.originalEventNumber));
}
