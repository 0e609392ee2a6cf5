/**
 * Optimistic concurrency with retry: each writer reads the stream, decides, and appends with
 * `expectedVersion` set to the last event number it read. When another writer got there first,
 * the append fails with `WrongExpectedVersionError` (carrying the stream's current version) and
 * the writer reads again and retries, so no decision is made on stale state.
 *
 * ```sh
 * deno run -A examples/optimistic_concurrency.ts
 * ```
 *
 * @module
 */

import {
  type Client,
  connect,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from "@photonpump/client";
import { startMemoryStore } from "@photonpump/client/memstore";

/** Seats booked so far on a flight, and the stream's version they were read at. */
async function readBookings(
  conn: Client,
  flight: string,
): Promise<{ seats: number; version: bigint }> {
  let seats = 0;
  let version = -1n; // ExpectedVersion.NoStream: the stream does not exist yet
  try {
    for await (const event of conn.iter(flight)) {
      seats += event.json<{ seats: number }>().seats;
      version = event.eventNumber;
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return { seats, version };
}

/** Books `seats` unless the flight would exceed `capacity`; retries when it lost a race. */
async function book(
  conn: Client,
  who: string,
  flight: string,
  seats: number,
  capacity: number,
  beforeWrite?: () => Promise<void>,
): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const booked = await readBookings(conn, flight);
    if (booked.seats + seats > capacity) {
      console.log(`${who}: only ${capacity - booked.seats} seat(s) left, not booking ${seats}`);
      return;
    }
    await beforeWrite?.();
    beforeWrite = undefined;
    try {
      await conn.publishEvent(flight, "seats_booked", {
        body: { who, seats },
        expectedVersion: booked.version,
      });
      console.log(`${who}: booked ${seats} seat(s) on attempt ${attempt}`);
      return;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      console.log(
        `${who}: the flight changed (expected version ${error.expectedVersion}, ` +
          `current ${error.currentVersion}), reading again`,
      );
    }
  }
  throw new Error(`${who} gave up after 5 attempts`);
}

// An in-memory EventStore for the example; against a real one, connect to its URL instead.
await using store = await startMemoryStore({ port: 0 });
await using conn = await connect(store.url);

await book(conn, "Ada", "flight-42", 2, 4);
// Bob reads first, but Cy books in between Bob's read and Bob's write.
await book(conn, "Bob", "flight-42", 2, 4, () => book(conn, "Cy", "flight-42", 1, 4));
const { seats } = await readBookings(conn, "flight-42");
console.log(`flight-42: ${seats} of 4 seats booked`);
