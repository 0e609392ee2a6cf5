/**
 * The errors of the management client, in one place. Every failure is a
 * {@linkcode ManagementError} carrying the method, the URL (never credentials), the status and
 * the server's reason; callers branch on the subclass.
 *
 * @module
 */

/** What a management error carries besides its message. */
export interface ManagementErrorOptions extends ErrorOptions {
  /** The HTTP method. */
  readonly method: string;
  /** The request URL, without credentials. */
  readonly url: string;
  /** The status code, or 0 when no response arrived. */
  readonly status: number;
  /** The body the server sent (its reason), or "". */
  readonly reason: string;
}

/**
 * A management request failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { createManagementClient, ManagementError } from "@photonpump/client/management";
 *
 * await using store = await startMemoryStore({ port: 0, httpPort: 0 });
 * await using manager = await createManagementClient({
 *   url: store.httpUrl!,
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * try {
 *   await manager.users.get("nobody");
 *   assert.fail("expected a rejection");
 * } catch (error) {
 *   // Every failure is a ManagementError; branch on the subclass or on `status`.
 *   assert.ok(error instanceof ManagementError);
 *   assert.equal(error.method, "GET");
 *   assert.equal(error.status, 404);
 * }
 * ```
 */
export class ManagementError extends Error {
  /** The HTTP method. */
  readonly method: string;
  /** The request URL, without credentials. */
  readonly url: string;
  /** The status code, 0 when no response arrived. */
  readonly status: number;
  /** What the server said (its response body), or "". */
  readonly reason: string;

  /** `message` is used as is; the client's read `Cannot <action>: the server answered <status> <phrase>`. */
  constructor(message: string, options: ManagementErrorOptions) {
    super(message, options);
    this.name = "ManagementError";
    this.method = options.method;
    this.url = options.url;
    this.status = options.status;
    this.reason = options.reason;
  }
}

/**
 * 401: the credentials are wrong, or their user may not do this.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import {
 *   createManagementClient,
 *   ManagementUnauthorizedError,
 * } from "@photonpump/client/management";
 *
 * await using store = await startMemoryStore({ port: 0, httpPort: 0 });
 * await using manager = await createManagementClient({
 *   url: store.httpUrl!,
 *   credentials: { username: "admin", password: "wrong" },
 * });
 * await assert.rejects(manager.users.list(), ManagementUnauthorizedError);
 * ```
 */
export class ManagementUnauthorizedError extends ManagementError {
  /** Also for 403 (the user exists but may not do this). */
  constructor(message: string, options: ManagementErrorOptions) {
    super(message, options);
    this.name = "ManagementUnauthorizedError";
  }
}

/**
 * 404: no such user, subscription group or path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { createManagementClient, ManagementNotFoundError } from "@photonpump/client/management";
 *
 * await using store = await startMemoryStore({ port: 0, httpPort: 0 });
 * await using manager = await createManagementClient({
 *   url: store.httpUrl!,
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * await assert.rejects(manager.subscriptions.info("orders", "no-such-group"), ManagementNotFoundError);
 * ```
 */
export class ManagementNotFoundError extends ManagementError {
  /** Sets `name`; the fields are {@linkcode ManagementError}'s. */
  constructor(message: string, options: ManagementErrorOptions) {
    super(message, options);
    this.name = "ManagementNotFoundError";
  }
}

/**
 * 409: it exists already (a user's login, a subscription group).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { createManagementClient, ManagementConflictError } from "@photonpump/client/management";
 *
 * await using store = await startMemoryStore({ port: 0, httpPort: 0 });
 * await using manager = await createManagementClient({
 *   url: store.httpUrl!,
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * await manager.users.create({ loginName: "app", password: "secret" });
 * await assert.rejects(
 *   manager.users.create({ loginName: "app", password: "again" }),
 *   (error) => error instanceof ManagementConflictError && error.status === 409,
 * );
 * ```
 */
export class ManagementConflictError extends ManagementError {
  /** Sets `name`; the fields are {@linkcode ManagementError}'s. */
  constructor(message: string, options: ManagementErrorOptions) {
    super(message, options);
    this.name = "ManagementConflictError";
  }
}

/**
 * 400, 413 or 415: the server refused the request as sent; `reason` says why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import {
 *   createManagementClient,
 *   ManagementBadRequestError,
 * } from "@photonpump/client/management";
 *
 * // A store that accepts request bodies of at most 16 bytes answers 413 to a user creation.
 * await using store = await startMemoryStore({ port: 0, httpPort: 0, httpMaxBodyBytes: 16 });
 * await using manager = await createManagementClient({
 *   url: store.httpUrl!,
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * await assert.rejects(
 *   manager.users.create({ loginName: "app", password: "secret" }),
 *   (error) => error instanceof ManagementBadRequestError && error.status === 413,
 * );
 * ```
 */
export class ManagementBadRequestError extends ManagementError {
  /** Sets `name`; the fields are {@linkcode ManagementError}'s. */
  constructor(message: string, options: ManagementErrorOptions) {
    super(message, options);
    this.name = "ManagementBadRequestError";
  }
}

/**
 * No usable response: the server is unreachable, TLS failed, it timed out, or it answered 5xx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import {
 *   createManagementClient,
 *   ManagementUnavailableError,
 * } from "@photonpump/client/management";
 *
 * // A port nothing listens on (a stopped store's): no response at all.
 * const store = await startMemoryStore({ port: 0 });
 * const closedPort = store.port;
 * await store.close();
 * await using manager = await createManagementClient({ url: `http://127.0.0.1:${closedPort}` });
 * await assert.rejects(
 *   manager.users.list(),
 *   (error) => error instanceof ManagementUnavailableError && error.status === 0,
 * );
 * ```
 */
export class ManagementUnavailableError extends ManagementError {
  /** `status` is 0 when no response arrived (network, TLS, timeout). */
  constructor(message: string, options: ManagementErrorOptions) {
    super(message, options);
    this.name = "ManagementUnavailableError";
  }
}

/** The error class of a status code. */
export function errorClassOf(status: number): typeof ManagementError {
  if (status === 401 || status === 403) return ManagementUnauthorizedError;
  if (status === 404) return ManagementNotFoundError;
  if (status === 409) return ManagementConflictError;
  if (status === 400 || status === 413 || status === 415) return ManagementBadRequestError;
  if (status === 0 || status >= 500) return ManagementUnavailableError;
  return ManagementError;
}
