/**
 * Who a connection's packages run as (docs/protocol.md §4.3): a package's own credentials, else
 * the ones an `Authenticate` stored for the connection, else anonymous (everyone with
 * `--insecure`).
 *
 * @module
 */

import type { Credentials, Package } from "../wire/package_codec.ts";
import { TcpCommand } from "../wire/tcp_command.ts";
import { ANONYMOUS, type Authorizer, type Principal, SYSTEM } from "./auth.ts";

const encoder = new TextEncoder();

/** The reply to an `Authenticate`. */
export interface AuthenticateReply {
  /** `Authenticated` or `NotAuthenticated`. */
  readonly command: number;
  /** The reason text of a `NotAuthenticated`, else empty. */
  readonly payload: Uint8Array;
}

/**
 * One connection's authentication state.
 */
export class SessionAuth {
  readonly #authorizer: Authorizer;
  #defaultCredentials: Credentials | null = null;

  /** Checks credentials with `authorizer`. */
  constructor(authorizer: Authorizer) {
    this.#authorizer = authorizer;
  }

  /** The principal of a package; null when its credentials (or the stored ones) are wrong. */
  principalOf(pkg: Package): Principal | null {
    const credentials = pkg.credentials ?? this.#defaultCredentials;
    if (!credentials) return this.#authorizer.insecure ? SYSTEM : ANONYMOUS;
    return this.#authorizer.authenticate(credentials);
  }

  /** Handles `Authenticate`: stores the package's credentials, then checks them, as the server. */
  authenticate(pkg: Package): AuthenticateReply {
    if (!pkg.credentials) {
      return {
        command: TcpCommand.NotAuthenticated,
        payload: encoder.encode("No user credentials provided."),
      };
    }
    this.#defaultCredentials = pkg.credentials;
    if (this.#authorizer.authenticate(pkg.credentials) === null) {
      return { command: TcpCommand.NotAuthenticated, payload: encoder.encode("Unauthorized") };
    }
    return { command: TcpCommand.Authenticated, payload: new Uint8Array(0) };
  }
}
