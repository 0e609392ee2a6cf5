/**
 * Users, authentication and stream authorization (docs/protocol.md §4.3, §4.4).
 *
 * @module
 */

import type { Credentials } from "../wire/package_codec.ts";
import type { MemoryStorage } from "./storage.ts";
import { type AclKey, isMetastream, isSystemStream, originalStreamOf } from "./stream_metadata.ts";

/** Who runs a request. */
export type Principal =
  | { readonly kind: "anonymous" }
  | { readonly kind: "user"; readonly username: string; readonly roles: ReadonlySet<string> }
  /** An insecure node runs every request as the system account: nothing is ever denied. */
  | { readonly kind: "system" };

/** The anonymous principal. */
export const ANONYMOUS: Principal = Object.freeze({ kind: "anonymous" });
/** The system principal (insecure mode). */
export const SYSTEM: Principal = Object.freeze({ kind: "system" });

/** A user account. */
export interface UserAccount {
  /** Login name. */
  readonly username: string;
  /** Password. */
  readonly password: string;
  /** Groups, e.g. `$admins`. */
  readonly groups?: readonly string[];
  /** Full name, as the HTTP users API shows it. Default: the login name. */
  readonly fullName?: string;
}

/** What the users API shows of an account (never the password). */
export interface UserDetails {
  /** Login name. */
  readonly loginName: string;
  /** Full name. */
  readonly fullName: string;
  /** Groups. */
  readonly groups: readonly string[];
  /** True while the account may not log in. */
  readonly disabled: boolean;
  /** When the account last changed. */
  readonly dateLastUpdated: Date;
}

/**
 * The outcome of a user-management command, in the server's `UserManagementMessage.Error` terms:
 * `NotFound` (no such login), `Conflict` (the login exists), `Unauthorized` (wrong current
 * password).
 */
export type UserChangeResult = "Success" | "NotFound" | "Conflict" | "Unauthorized";

interface UserRecord {
  loginName: string;
  fullName: string;
  password: string;
  groups: readonly string[];
  disabled: boolean;
  dateLastUpdated: Date;
  /** The principal of a successful login, built once; any change to the account drops it. */
  principal?: Principal;
}

/** The users option of the memstore: `{login: password}` or a list of accounts. */
export type UsersOption = Record<string, string> | readonly UserAccount[];

/** What a stream access check is for. */
export type StreamAccess = "read" | "write" | "delete" | "metaRead" | "metaWrite";

const ACL_KEY: Record<StreamAccess, AclKey> = {
  read: "$r",
  write: "$w",
  delete: "$d",
  metaRead: "$mr",
  metaWrite: "$mw",
};

/**
 * The user database plus the ACL rules.
 *
 * @example
 * ```ts
 * import { Authorizer } from "./auth.ts";
 * import { MemoryStorage } from "./storage.ts";
 * const auth = new Authorizer(new MemoryStorage(), { insecure: false });
 * const admin = auth.authenticate({ username: "admin", password: "changeit" });
 * ```
 */
export class Authorizer {
  readonly #storage: MemoryStorage;
  readonly #insecure: boolean;
  readonly #users = new Map<string, UserRecord>();

  /** Creates the user database with admin/changeit ($admins), ops/changeit ($ops) and `users`. */
  constructor(storage: MemoryStorage, options: { insecure?: boolean; users?: UsersOption } = {}) {
    this.#storage = storage;
    this.#insecure = options.insecure ?? false;
    this.#add({
      username: "admin",
      password: "changeit",
      groups: ["$admins"],
      fullName: "Event Store Administrator",
    });
    this.#add({
      username: "ops",
      password: "changeit",
      groups: ["$ops"],
      fullName: "Event Store Operations",
    });
    const users = options.users ?? [];
    if (Array.isArray(users)) {
      for (const user of users as readonly UserAccount[]) this.#add(user);
    } else {
      for (const [username, password] of Object.entries(users as Record<string, string>)) {
        this.#add({ username, password });
      }
    }
  }

  /** True on an insecure (20.x `--insecure`) node: any credentials pass, nothing is denied. */
  get insecure(): boolean {
    return this.#insecure;
  }

  #add(user: UserAccount): void {
    if (typeof user.username !== "string" || user.username === "") {
      throw new TypeError("Every memstore user needs a non-empty username");
    }
    this.#users.set(user.username, {
      loginName: user.username,
      fullName: user.fullName ?? user.username,
      password: user.password,
      groups: [...(user.groups ?? [])],
      disabled: false,
      dateLastUpdated: new Date(),
    });
  }

  /**
   * Checks credentials; returns the principal, or null when they are wrong or the account is
   * disabled. Every request is checked against the current database, so a password change or a
   * disable takes effect on the next request of every connection.
   */
  authenticate(credentials: Credentials): Principal | null {
    if (this.#insecure) return SYSTEM;
    const user = this.#users.get(credentials.username);
    if (!user || user.disabled || user.password !== credentials.password) return null;
    // A principal's roles are its groups plus its own login name.
    return user.principal ??= {
      kind: "user",
      username: user.loginName,
      roles: new Set([...user.groups, user.loginName]),
    };
  }

  /** True for members of `$admins` (and the system account). */
  isAdmin(principal: Principal): boolean {
    if (principal.kind === "system") return true;
    return principal.kind === "user" && principal.roles.has("$admins");
  }

  /** Every account in creation order (as the server lists its `$users` stream): admin, ops, … */
  listUsers(): UserDetails[] {
    return [...this.#users.values()].map(details);
  }

  /** One account, or undefined. */
  getUser(loginName: string): UserDetails | undefined {
    const user = this.#users.get(loginName);
    return user && details(user);
  }

  /**
   * Adds an account (the server's `UserManagementMessage.Create`).
   *
   * @throws {TypeError} for an empty login name or a missing password
   */
  createUser(user: UserAccount): UserChangeResult {
    if (this.#users.has(user.username)) return "Conflict";
    if (typeof user.password !== "string") throw new TypeError("A new user needs a password");
    this.#add(user);
    return "Success";
  }

  /** Replaces an account's full name and groups. */
  updateUser(loginName: string, fullName: string, groups: readonly string[]): UserChangeResult {
    return this.#change(loginName, (user) => {
      user.fullName = fullName;
      user.groups = [...groups];
    });
  }

  /** Removes an account. */
  deleteUser(loginName: string): UserChangeResult {
    return this.#users.delete(loginName) ? "Success" : "NotFound";
  }

  /** Enables or disables an account; a disabled account fails authentication. */
  setDisabled(loginName: string, disabled: boolean): UserChangeResult {
    return this.#change(loginName, (user) => user.disabled = disabled);
  }

  /** Sets a new password without the current one (admins). */
  resetPassword(loginName: string, newPassword: string): UserChangeResult {
    return this.#change(loginName, (user) => user.password = newPassword);
  }

  /** Sets a new password after checking the current one: `Unauthorized` when it is wrong. */
  changePassword(
    loginName: string,
    currentPassword: string,
    newPassword: string,
  ): UserChangeResult {
    const user = this.#users.get(loginName);
    if (!user) return "NotFound";
    if (user.password !== currentPassword) return "Unauthorized";
    return this.#change(loginName, (u) => u.password = newPassword);
  }

  #change(loginName: string, apply: (user: UserRecord) => void): UserChangeResult {
    const user = this.#users.get(loginName);
    if (!user) return "NotFound";
    apply(user);
    user.principal = undefined;
    user.dateLastUpdated = new Date();
    return "Success";
  }

  /** True for members of `$admins` or `$ops` (and the system account). */
  isAdminOrOps(principal: Principal): boolean {
    if (principal.kind === "system") return true;
    return principal.kind === "user" &&
      (principal.roles.has("$admins") || principal.roles.has("$ops"));
  }

  /**
   * The stream ACL check (`CheckStreamAccessInternal`): `stream` is `"$all"` for reads of `$all`.
   */
  canAccess(principal: Principal, stream: string, access: StreamAccess): boolean {
    if (principal.kind === "system") return true;
    if (stream === "$all" && (access === "write" || access === "delete")) return false;
    if (isMetastream(stream)) {
      if (access === "read") return this.canAccess(principal, originalStreamOf(stream), "metaRead");
      if (access === "write") {
        return this.canAccess(principal, originalStreamOf(stream), "metaWrite");
      }
      return false;
    }
    if (principal.kind === "user" && principal.roles.has("$admins")) return true;
    const key = ACL_KEY[access];
    const acl = this.#storage.metadataOf(stream).acl;
    const settings = this.#storage.systemSettings;
    const fallback = isSystemStream(stream) ? settings.systemStreamAcl : settings.userStreamAcl;
    const roles = acl?.[key] ?? fallback[key] ?? [];
    if (roles.includes("$all")) return true;
    if (principal.kind !== "user") return false;
    return roles.some((role) => principal.roles.has(role));
  }
}

function details(user: UserRecord): UserDetails {
  return {
    loginName: user.loginName,
    fullName: user.fullName,
    groups: [...user.groups],
    disabled: user.disabled,
    dateLastUpdated: user.dateLastUpdated,
  };
}
