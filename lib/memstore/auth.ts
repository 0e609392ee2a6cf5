/**
 * Users, authentication and stream authorization (PROTOCOL.md §4.3, §4.4).
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
  readonly #users = new Map<string, UserAccount>();

  /** Creates the user database with admin/changeit ($admins), ops/changeit ($ops) and `users`. */
  constructor(storage: MemoryStorage, options: { insecure?: boolean; users?: UsersOption } = {}) {
    this.#storage = storage;
    this.#insecure = options.insecure ?? false;
    this.#add({ username: "admin", password: "changeit", groups: ["$admins"] });
    this.#add({ username: "ops", password: "changeit", groups: ["$ops"] });
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
    this.#users.set(user.username, user);
  }

  /** Checks credentials; returns the principal, or null when they are wrong. */
  authenticate(credentials: Credentials): Principal | null {
    if (this.#insecure) return SYSTEM;
    const user = this.#users.get(credentials.username);
    if (!user || user.password !== credentials.password) return null;
    // A principal's roles are its groups plus its own login name.
    return {
      kind: "user",
      username: user.username,
      roles: new Set([...(user.groups ?? []), user.username]),
    };
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
