/**
 * The classic photon-pump writer: publishes a `player_created` event with body `{name: "Gil"}`
 * to the `adventure` stream.
 *
 * Run alone against EVENTSTORE_URL (or localhost:1113):
 *
 * ```sh
 * deno run -A examples/writer.ts
 * ```
 *
 * @module
 */

import { connect, type WriteResult } from "@photonpump/client";

/** Writes one `player_created` event to `adventure` and says so. */
export async function write(target: string): Promise<WriteResult> {
  await using conn = await connect(target);
  const result = await conn.publishEvent("adventure", "player_created", {
    body: { name: "Gil" },
  });
  console.log(
    `Wrote a player_created event with body {"name":"Gil"} to the stream "adventure" as event number ${result.lastEventNumber}.`,
  );
  return result;
}

if (import.meta.main) {
  await write(Deno.env.get("EVENTSTORE_URL") ?? "localhost:1113");
}
