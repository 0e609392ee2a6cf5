/**
 * The management client: what the TCP protocol cannot do, over the server's HTTP API (the .NET
 * client's `UsersManager` and `PersistentSubscriptionsManager`). It stands alone on `fetch`:
 * give it the HTTP address (`http://host:2113`), credentials and, for a dev CA, `caCerts` or
 * `caFile`. Projections are out of scope.
 *
 * @module
 */

import { ManagementTransport } from "./http_transport.ts";
import { type ManagementOptions, resolveManagementOptions } from "./management_options.ts";
import { SubscriptionsApi } from "./subscriptions_api.ts";
import { UsersApi } from "./users_api.ts";

/** A management client; close it (or `await using`) to release its TLS client. */
export interface ManagementClient extends AsyncDisposable {
  /** `scheme://host:port` it talks to (no credentials). */
  readonly baseUrl: string;
  /** Users: list, get, create, update, enable, disable, delete, reset and change passwords. */
  readonly users: UsersApi;
  /** Persistent subscriptions: list, info, replay parked messages. */
  readonly subscriptions: SubscriptionsApi;
  /** Releases the TLS client; later calls throw `TypeError`. Closing twice is a no-op. */
  close(): Promise<void>;
}

/**
 * Resolves the options once (reading `caFile` now, defaulting `timeoutMs` to 10 000 ms per
 * request); no request is sent until the first call. Requests are not retried.
 *
 * @throws {TypeError} for a URL that is not `http(s)://` or a bad timeout
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { createManagementClient } from "@photonpump/client/management";
 *
 * await using store = await startMemoryStore({ port: 0, httpPort: 0 });
 * await using manager = await createManagementClient({
 *   url: store.httpUrl!,
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * await manager.users.create({ loginName: "app", password: "secret", groups: ["writers"] });
 * const logins = (await manager.users.list()).map((user) => user.loginName);
 * assert.deepEqual(logins, ["admin", "ops", "app"]);
 * ```
 */
export async function createManagementClient(
  options: ManagementOptions,
): Promise<ManagementClient> {
  const resolved = await resolveManagementOptions(options);
  const transport = new ManagementTransport(resolved);
  const close = () => {
    transport.close();
    return Promise.resolve();
  };
  return {
    baseUrl: transport.baseUrl,
    users: new UsersApi(transport),
    subscriptions: new SubscriptionsApi(transport),
    close,
    [Symbol.asyncDispose]: close,
  };
}
