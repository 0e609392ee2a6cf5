/**
 * TLS settings beyond Deno's defaults: CA certificates from PEM text or files, hostname checks
 * that can be turned off for development, and a typed error for a certificate the client does
 * not trust.
 *
 * **Skipping certificate verification.** Deno cannot skip verification of the certificate chain
 * for one connection: `Deno.connectTls` has no such option (only `caCerts` and
 * `unsafelyDisableHostnameVerification`). The only switch is process-wide: start Deno with
 * `--unsafely-ignore-certificate-errors` (optionally `=host1,host2`), which disables verification
 * for every TLS connection of the process, `fetch` included, and prints a warning. What photonpump
 * offers per connection:
 * - trust a private CA: `tls: { caCerts: [pem] }` or `tls: { caFile: "ca.pem" }`;
 * - accept a certificate issued for another name (still signed by a trusted CA):
 *   `tls: { dangerouslyDisableHostnameVerification: true }`.
 *
 * @module
 */

import { TlsCertificateError, WrongPortError } from "../errors.ts";

/** TLS settings of a connection. */
export interface TlsSettings {
  /** Extra PEM-encoded CA certificates to trust (besides the system's). */
  readonly caCerts?: readonly string[];
  /** Files holding PEM-encoded CA certificates to trust; read at each connection attempt. */
  readonly caFile?: string | readonly string[];
  /**
   * Accept a certificate whose names do not include the host connected to. The chain is still
   * verified. For development only: it allows anyone holding a certificate from a trusted CA to
   * impersonate the server.
   */
  readonly dangerouslyDisableHostnameVerification?: boolean;
}

/**
 * The CA certificates to pass to `Deno.connectTls`: `caCerts` plus the contents of `caFile`.
 *
 * @throws {TypeError} naming the file when a CA file cannot be read or holds no PEM certificate
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { caCertificates } from "./tls.ts";
 * assert.deepEqual(await caCertificates({}), undefined);
 * ```
 */
export async function caCertificates(tls: TlsSettings): Promise<string[] | undefined> {
  const files = tls.caFile === undefined
    ? []
    : typeof tls.caFile === "string"
    ? [tls.caFile]
    : [...tls.caFile];
  const certs = [...(tls.caCerts ?? [])];
  for (const file of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (cause) {
      throw new TypeError(
        `Cannot read the TLS CA file "${file}": ${cause instanceof Error ? cause.message : cause}`,
        { cause },
      );
    }
    if (!text.includes("-----BEGIN CERTIFICATE-----")) {
      throw new TypeError(`Invalid TLS CA file "${file}": no PEM certificate in it`);
    }
    certs.push(text);
  }
  return certs.length > 0 ? certs : undefined;
}

/**
 * Turns a TLS handshake failure caused by the certificate into a {@linkcode TlsCertificateError};
 * returns other errors unchanged.
 *
 * @example
 * ```ts
 * import { certificateFailure } from "./tls.ts";
 * import { TlsCertificateError, WrongPortError } from "../errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new Deno.errors.InvalidData("invalid peer certificate: UnknownIssuer");
 * assert(certificateFailure(error, "localhost", 1113) instanceof TlsCertificateError);
 * ```
 */
export function certificateFailure(error: unknown, host: string, port: number): unknown {
  if (error instanceof Deno.errors.InvalidData && /certificate/i.test(error.message)) {
    const reason = error.message.replace(/^invalid peer certificate:\s*/i, "");
    return new TlsCertificateError(host, port, reason, { cause: error });
  }
  return error;
}

/**
 * Names a failed TLS handshake: a certificate the client does not trust is a
 * {@linkcode TlsCertificateError}; a handshake ended by the peer closing or resetting the
 * connection, or answered with bytes that are not TLS records, is a {@linkcode WrongPortError}
 * (`peer: "eventstore"`): a plain EventStore port reads the ClientHello as a length prefix, then
 * closes or answers in plain framing. Other errors are returned unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handshakeFailure } from "./tls.ts";
 * import { WrongPortError } from "../errors.ts";
 *
 * const error = new Deno.errors.InvalidData("received corrupt message of type InvalidContentType");
 * assert(handshakeFailure(error, "localhost", 1113) instanceof WrongPortError);
 * ```
 */
export function handshakeFailure(error: unknown, host: string, port: number): unknown {
  const named = certificateFailure(error, host, port);
  if (named !== error) return named;
  const plainPeer = error instanceof Deno.errors.InvalidData ||
    error instanceof Deno.errors.UnexpectedEof ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    (error instanceof Error && /close_notify|handshake eof|unexpected eof/i.test(error.message));
  return plainPeer ? new WrongPortError(host, port, "eventstore", { cause: error }) : error;
}
