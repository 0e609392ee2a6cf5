/**
 * The client transport: the only module that opens sockets. Everything above it speaks
 * {@linkcode Duplex}, so a {@linkcode Dialer} can be swapped for an in-memory pipe in tests, or
 * wrapped by cluster discovery.
 *
 * @module
 */

import type { Duplex } from "../wire/duplex.ts";
import { caCertificates, handshakeFailure, type TlsSettings } from "./tls.ts";

/** A TCP endpoint. */
export interface Endpoint {
  /** Host name or IP address. */
  readonly hostname: string;
  /** TCP port. */
  readonly port: number;
}

/**
 * TLS settings: extra CA certificates (PEM text or files) and the development-only hostname
 * switch. Deno cannot skip certificate verification per connection; see `tls.ts`.
 */
export type TlsOptions = TlsSettings;

/** What a {@linkcode Dialer} gets besides the endpoint. */
export interface DialOptions {
  /** TLS settings, or `undefined` for plain TCP. */
  readonly tls: TlsOptions | undefined;
  /** Aborts the attempt. */
  readonly signal: AbortSignal;
}

/** Opens a byte stream to an endpoint. */
export type Dialer = (endpoint: Endpoint, options: DialOptions) => Promise<Duplex>;

/**
 * Wraps a Deno connection as a {@linkcode Duplex}.
 *
 * @example
 * ```ts
 * import { socketDuplex } from "./transport.ts";
 * import { startMemoryStore } from "../memstore/mod.ts";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * const duplex = socketDuplex(await Deno.connect({ hostname: store.hostname, port: store.port }));
 * duplex.close();
 * duplex.close(); // a no-op
 * ```
 */
export function socketDuplex(conn: Deno.Conn): Duplex {
  let closed = false;
  return {
    readable: conn.readable,
    writable: conn.writable,
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // Already closed by the stream machinery.
      }
    },
  };
}

/**
 * Dials with `Deno.connect`, or `Deno.connectTls` when `tls` is set. Nagle's algorithm is turned
 * off: packages are small and latency matters more than coalescing.
 *
 * @example
 * ```ts
 * import { tcpDialer } from "./transport.ts";
 * import { startMemoryStore } from "../memstore/mod.ts";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * const duplex = await tcpDialer({ hostname: store.hostname, port: store.port }, {
 *   tls: undefined,
 *   signal: new AbortController().signal,
 * });
 * duplex.close();
 * ```
 */
export const tcpDialer: Dialer = async (endpoint, { tls, signal }) => {
  signal.throwIfAborted();
  const caCerts = tls ? await caCertificates(tls) : undefined;
  signal.throwIfAborted();
  const attempt = tls
    ? Deno.connectTls({
      hostname: endpoint.hostname,
      port: endpoint.port,
      caCerts,
      unsafelyDisableHostnameVerification: tls.dangerouslyDisableHostnameVerification ?? false,
    })
    : Deno.connect({ hostname: endpoint.hostname, port: endpoint.port, transport: "tcp" });
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const conn = await Promise.race([attempt, aborted]);
    if (tls) {
      // Complete the handshake here, so an untrusted certificate (or a plain port) fails the dial.
      await Promise.race([
        (conn as Deno.TlsConn).handshake().catch((error) => {
          throw handshakeFailure(error, endpoint.hostname, endpoint.port);
        }),
        aborted,
      ]);
    } else {
      (conn as Deno.TcpConn).setNoDelay(true);
    }
    return socketDuplex(conn);
  } catch (error) {
    // Close the socket of a failed handshake, or of a connect that completes after the abort.
    attempt.then((conn) => {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }, () => {});
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort!);
  }
};
