/**
 * The memstore's HTTP listener: the only place of the memstore that touches `Deno.serve`. It
 * serves one handler on an interface and port (0 picks a free one), over HTTPS with a PEM pair,
 * and gives handlers a signal that aborts when the listener closes, so long-polls end at once
 * instead of holding the shutdown.
 *
 * @module
 */

/** Where and how to serve HTTP. */
export interface HttpListenerOptions {
  /** Interface to bind. */
  readonly hostname: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** PEM certificate and key: serve HTTPS. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/**
 * Serves one request; `closing` aborts when the listener starts closing or the client's
 * connection is gone (whichever is first).
 */
export type HttpHandler = (request: Request, closing: AbortSignal) => Response | Promise<Response>;

/** A running HTTP listener. */
export interface HttpListener {
  /** The bound interface. */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /** Whether it speaks HTTPS. */
  readonly secure: boolean;
  /** Stops serving: aborts pending long-polls, then closes connections. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts serving `handler`.
 *
 * @throws {Deno.errors.AddrInUse} when the port is taken
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveHttp } from "./http_listener.ts";
 *
 * const listener = serveHttp({ hostname: "127.0.0.1", port: 0 }, () => new Response("ok"));
 * const response = await fetch(`http://127.0.0.1:${listener.port}/`);
 * assert.equal(await response.text(), "ok");
 * await listener.close();
 * ```
 */
export function serveHttp(options: HttpListenerOptions, handler: HttpHandler): HttpListener {
  const closing = new AbortController();
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
    onListen: () => {},
    // A client that goes away mid-request must not surface as an unhandled error.
    onError: (error) =>
      new Response(`Internal server error: ${error instanceof Error ? error.message : error}`, {
        status: 500,
      }),
  }, (request, info) => {
    // `info.completed` settles once the response is delivered or the connection is gone; the
    // request's own signal is not used, as Deno still fires it after successful responses.
    const gone = new AbortController();
    info.completed.then(() => gone.abort(), () => gone.abort());
    return handler(request, AbortSignal.any([closing.signal, gone.signal]));
  });
  const address = server.addr as Deno.NetAddr;
  let closed: Promise<void> | null = null;
  return {
    hostname: address.hostname,
    port: address.port,
    secure: options.tls !== undefined,
    close() {
      closed ??= (async () => {
        closing.abort();
        await server.shutdown();
      })();
      return closed;
    },
  };
}
