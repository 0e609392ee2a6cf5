/**
 * Test-only TLS material, committed in `tls_certs_data.ts` (made once with openssl by
 * `tools/make_test_certs.ts`, valid from 2020 to 2120), so that the tests need no `openssl` and no
 * permissions. The private keys are public by being committed: never trust these CAs elsewhere.
 *
 * @example
 * ```ts ignore
 * import { testTlsCerts } from "./tls_certs.ts";
 * const { caCert, cert, key } = testTlsCerts();
 * using listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
 * const conn = await Deno.connectTls({ hostname: "localhost", port: listener.addr.port, caCerts: [caCert] });
 * ```
 *
 * @module
 */

import { TLS_CERTS_DATA } from "./tls_certs_data.ts";

/** PEM-encoded TLS material. */
export interface TlsCerts {
  /** The CA certificate clients should trust. */
  readonly caCert: string;
  /** The server certificate, signed by the CA. */
  readonly cert: string;
  /** The server's private key (PKCS#8). */
  readonly key: string;
}

/**
 * Which committed certificate: `"localhost"` is valid for localhost, 127.0.0.1 and ::1;
 * `"example.test"` is signed by the same CA but valid only for the name example.test (for
 * hostname-mismatch tests); `"other CA"` is a localhost certificate from a second, unrelated CA.
 */
export type TlsCertsName = "localhost" | "example.test" | "other CA";

/**
 * The committed test CA, server certificate and key called `name` (default `"localhost"`).
 *
 * @example
 * ```ts ignore
 * import { testTlsCerts } from "./tls_certs.ts";
 * const { caCert } = testTlsCerts("example.test");
 * ```
 */
export function testTlsCerts(name: TlsCertsName = "localhost"): TlsCerts {
  switch (name) {
    case "localhost":
      return TLS_CERTS_DATA.localhost;
    case "example.test":
      return TLS_CERTS_DATA.exampleTest;
    case "other CA":
      return TLS_CERTS_DATA.otherCa;
    default:
      throw new TypeError(
        `Unknown test certificate "${name}": use "localhost", "example.test" or "other CA"`,
      );
  }
}

/** Options of {@linkcode generateTlsCerts}. */
export interface TlsCertsOptions {
  /** Names the server certificate must be valid for. Default `["localhost", "127.0.0.1"]`. */
  hosts?: readonly string[];
}

const LOCALHOST_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

/**
 * The committed certificate valid for `hosts`: any of localhost, 127.0.0.1 and ::1, or only
 * example.test. Nothing is generated any more; the name is kept for the existing tests.
 *
 * @deprecated Use {@linkcode testTlsCerts}.
 * @throws {TypeError} when no committed certificate covers `hosts`
 */
export function generateTlsCerts(options: TlsCertsOptions = {}): Promise<TlsCerts> {
  const hosts = options.hosts ?? ["localhost", "127.0.0.1"];
  if (hosts.length > 0 && hosts.every((h) => LOCALHOST_NAMES.has(h))) {
    return Promise.resolve(testTlsCerts("localhost"));
  }
  if (hosts.length === 1 && hosts[0] === "example.test") {
    return Promise.resolve(testTlsCerts("example.test"));
  }
  return Promise.reject(
    new TypeError(
      `No committed test certificate for ${JSON.stringify(hosts)}: the certificates cover ` +
        `localhost, 127.0.0.1 and ::1, or example.test (tools/make_test_certs.ts makes more)`,
    ),
  );
}
