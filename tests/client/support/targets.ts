/**
 * Runs one client scenario against the memstore (over an in-memory pipe) and, when EVENTSTORE_URL
 * is set, against that server too; without it the real-server variant shows as ignored.
 *
 * @module
 */

import { type Client, connect } from "../../../lib/client/client.ts";
import type { Credentials } from "../../../lib/wire/package_codec.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";

/** What a scenario gets besides the client. */
export interface ScenarioContext {
  /** Admin credentials (admin/changeit on both targets). */
  readonly admin: Credentials;
  /** A stream name unique to this run, so real-server runs do not collide. */
  stream(prefix: string): string;
  /** Opens another client on the same target. */
  connectAgain(): Promise<Client>;
}

const EVENTSTORE_URL = Deno.env.get("EVENTSTORE_URL");
const admin: Credentials = { username: "admin", password: "changeit" };

function context(connectAgain: () => Promise<Client>): ScenarioContext {
  const run = crypto.randomUUID().slice(0, 8);
  return { admin, stream: (prefix) => `${prefix}-${run}`, connectAgain };
}

/** Registers `name [memstore]` and `name [EVENTSTORE_URL]`. */
export function scenario(
  name: string,
  fn: (client: Client, context: ScenarioContext) => Promise<void>,
): void {
  Deno.test(`${name} [memstore]`, async () => {
    await using store = await startMemoryStore({ listen: false });
    const open = () => connect({ transport: () => Promise.resolve(store.connectPipe()) });
    await using client = await open();
    await fn(client, context(open));
  });
  Deno.test({
    name: `${name} [EVENTSTORE_URL]`,
    ignore: EVENTSTORE_URL === undefined,
    fn: async () => {
      const open = () => connect(EVENTSTORE_URL!);
      await using client = await open();
      await fn(client, context(open));
    },
  });
}
