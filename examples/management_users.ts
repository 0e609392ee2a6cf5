/**
 * The management client: creates a user over the HTTP API, then that user logs in over TCP at
 * once; a wrong password is refused.
 *
 * ```sh
 * deno run -A examples/management_users.ts
 * ```
 *
 * @module
 */

import { connect, NotAuthenticatedError } from "@photonpump/client";
import { createManagementClient } from "@photonpump/client/management";
import { startMemoryStore } from "@photonpump/client/memstore";

// An in-memory EventStore with its HTTP API on a free port.
await using store = await startMemoryStore({ port: 0, httpPort: 0 });

await using manager = await createManagementClient({
  url: store.httpUrl!, // e.g. http://localhost:2113 for a real server
  credentials: { username: "admin", password: "changeit" },
});
await manager.users.create({ loginName: "billing", password: "s3cret", groups: ["accounts"] });
const user = await manager.users.get("billing");
console.log(`Created ${user.loginName} in ${user.groups.join(", ")}`);

// The new account logs in over TCP at once.
{
  await using conn = await connect(store.url, {
    credentials: { username: "billing", password: "s3cret" },
  });
  const written = await conn.publishEvent("invoices", "invoice_sent", { body: { invoice: 1 } });
  console.log(`billing wrote event #${written.lastEventNumber}`);
}

// A wrong password is refused (by connect() or by the first operation).
try {
  await using conn = await connect(store.url, {
    credentials: { username: "billing", password: "wrong" },
  });
  await conn.publishEvent("invoices", "invoice_sent", { body: { invoice: 2 } });
} catch (error) {
  if (!(error instanceof NotAuthenticatedError)) throw error;
  console.log("Wrong password: refused with NotAuthenticatedError");
}
