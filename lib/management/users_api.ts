/**
 * User management over the server's `/users` endpoints (5.x–23.10): list, read, create, update,
 * enable, disable, delete, reset and change passwords. Creating, updating, deleting, enabling,
 * disabling, resetting and listing need an `$admins` account; reading needs `$admins` or being
 * that user; changing a password needs being that user.
 *
 * @module
 */

import type { ManagementCallOptions, ManagementTransport } from "./http_transport.ts";

/** A user account as the server shows it. */
export interface UserDetails {
  /** Login name. */
  readonly loginName: string;
  /** Full name. */
  readonly fullName: string;
  /** Groups, e.g. `$admins`. */
  readonly groups: readonly string[];
  /** True while the account may not log in. */
  readonly disabled: boolean;
  /** When it last changed, if the server says. */
  readonly dateLastUpdated?: Date;
}

/** A new account. */
export interface NewUser {
  /** Login name. */
  readonly loginName: string;
  /** Password. */
  readonly password: string;
  /** Full name. Default: the login name. */
  readonly fullName?: string;
  /** Groups. Default: none. */
  readonly groups?: readonly string[];
}

function user(json: unknown): UserDetails {
  const u = json as Record<string, unknown>;
  return {
    loginName: String(u.loginName),
    fullName: String(u.fullName ?? ""),
    groups: Array.isArray(u.groups) ? u.groups.map(String) : [],
    disabled: u.disabled === true,
    ...(typeof u.dateLastUpdated === "string"
      ? { dateLastUpdated: new Date(u.dateLastUpdated) }
      : {}),
  };
}

function path(login: string, suffix = ""): string {
  return `/users/${encodeURIComponent(login)}${suffix}`;
}

/**
 * The users part of the management client.
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
 * await manager.users.disable("app");
 * const app = await manager.users.get("app");
 * assert.deepEqual(app.groups, ["writers"]);
 * assert.equal(app.disabled, true);
 * ```
 */
export class UsersApi {
  readonly #transport: ManagementTransport;

  /** Wraps a transport. */
  constructor(transport: ManagementTransport) {
    this.#transport = transport;
  }

  /** Every account, in the order the server lists them (creation order). */
  async list(options: ManagementCallOptions = {}): Promise<UserDetails[]> {
    const { body } = await this.#transport.send({
      ...options,
      method: "GET",
      path: "/users/",
      action: "list users",
    });
    const data = (body as { data?: unknown[] } | undefined)?.data ?? [];
    return data.map(user);
  }

  /**
   * One account (never its password).
   *
   * @throws {ManagementNotFoundError} when there is no such login
   */
  async get(loginName: string, options: ManagementCallOptions = {}): Promise<UserDetails> {
    const { body } = await this.#transport.send({
      ...options,
      method: "GET",
      path: path(loginName),
      action: `read user "${loginName}"`,
    });
    return user((body as { data: unknown }).data);
  }

  /**
   * Creates an account; it can log in (HTTP and TCP) at once.
   *
   * @throws {ManagementConflictError} when the login exists
   */
  async create(newUser: NewUser, options: ManagementCallOptions = {}): Promise<void> {
    await this.#transport.send({
      ...options,
      method: "POST",
      path: "/users/",
      json: {
        LoginName: newUser.loginName,
        FullName: newUser.fullName ?? newUser.loginName,
        Groups: [...(newUser.groups ?? [])],
        Password: newUser.password,
      },
      action: `create user "${newUser.loginName}"`,
    });
  }

  /** Replaces an account's full name and groups. */
  async update(
    loginName: string,
    change: { readonly fullName: string; readonly groups: readonly string[] },
    options: ManagementCallOptions = {},
  ): Promise<void> {
    await this.#transport.send({
      ...options,
      method: "PUT",
      path: path(loginName),
      json: { FullName: change.fullName, Groups: [...change.groups] },
      action: `update user "${loginName}"`,
    });
  }

  /**
   * Deletes an account; TCP logins use the same accounts, so its TCP credentials stop working too.
   *
   * @throws {ManagementNotFoundError} when there is no such login
   */
  async delete(loginName: string, options: ManagementCallOptions = {}): Promise<void> {
    await this.#transport.send({
      ...options,
      method: "DELETE",
      path: path(loginName),
      action: `delete user "${loginName}"`,
    });
  }

  /** Lets a disabled account log in again. */
  async enable(loginName: string, options: ManagementCallOptions = {}): Promise<void> {
    await this.#transport.send({
      ...options,
      method: "POST",
      path: path(loginName, "/command/enable"),
      action: `enable user "${loginName}"`,
    });
  }

  /** Stops an account from logging in (its requests fail authentication). */
  async disable(loginName: string, options: ManagementCallOptions = {}): Promise<void> {
    await this.#transport.send({
      ...options,
      method: "POST",
      path: path(loginName, "/command/disable"),
      action: `disable user "${loginName}"`,
    });
  }

  /** Sets a new password without the current one (admins). */
  async resetPassword(
    loginName: string,
    newPassword: string,
    options: ManagementCallOptions = {},
  ): Promise<void> {
    await this.#transport.send({
      ...options,
      method: "POST",
      path: path(loginName, "/command/reset-password"),
      json: { NewPassword: newPassword },
      action: `reset the password of "${loginName}"`,
    });
  }

  /**
   * Changes a password: the call must run as that user (pass its credentials in `options` or
   * the client's), with its current password.
   *
   * @throws {ManagementUnauthorizedError} when the current password is wrong or the caller is
   *   another user
   */
  async changePassword(
    loginName: string,
    currentPassword: string,
    newPassword: string,
    options: ManagementCallOptions = {},
  ): Promise<void> {
    await this.#transport.send({
      ...options,
      method: "POST",
      path: path(loginName, "/command/change-password"),
      json: { CurrentPassword: currentPassword, NewPassword: newPassword },
      action: `change the password of "${loginName}"`,
    });
  }
}
