/**
 * `@photonpump/client/management`: manage an EventStore (5.x–23.10, or the memstore) over its
 * HTTP API, for what the TCP protocol cannot do: users (create, list, get, update, enable,
 * disable, delete, reset and change passwords) and persistent subscriptions (list, details,
 * replay parked messages). It uses `fetch` only, with its own options: the HTTP address,
 * credentials (HTTP basic, the same accounts as TCP logins) and a CA to trust for `https`
 * (`caCerts` or `caFile`). Failures are typed by status ({@linkcode ManagementNotFoundError},
 * {@linkcode ManagementConflictError}, …), each a {@linkcode ManagementError} with the method,
 * URL, status and the server's reason. Projections are out of scope (the memstore runs none),
 * and so is endpoint discovery: point it at a node's HTTP address.
 *
 * @example
 * ```ts
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { createManagementClient, ManagementConflictError } from "@photonpump/client/management";
 *
 * await using store = await startMemoryStore({ port: 0, httpPort: 0 });
 * await using manager = await createManagementClient({
 *   url: store.httpUrl!,
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * await manager.users.create({ loginName: "app", password: "secret" });
 * try {
 *   await manager.users.create({ loginName: "app", password: "again" });
 * } catch (error) {
 *   if (!(error instanceof ManagementConflictError)) throw error;
 * }
 * ```
 *
 * @module
 */

export { createManagementClient } from "./management_client.ts";
export {
  ManagementBadRequestError,
  ManagementConflictError,
  ManagementError,
  ManagementNotFoundError,
  ManagementUnauthorizedError,
  ManagementUnavailableError,
} from "./errors.ts";
export type { ManagementClient } from "./management_client.ts";
export type { ManagementCredentials, ManagementOptions } from "./management_options.ts";
export type { ManagementCallOptions } from "./http_transport.ts";
export type { ManagementErrorOptions } from "./errors.ts";
export type { NewUser, UserDetails, UsersApi } from "./users_api.ts";
export type {
  SubscriptionConnection,
  SubscriptionInfo,
  SubscriptionsApi,
  SubscriptionSummary,
} from "./subscriptions_api.ts";
