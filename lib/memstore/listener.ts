/**
 * The memstore's TCP/TLS listener: the only place that touches `Deno.listen`/`Deno.listenTls`.
 * Everything above it speaks {@linkcode Duplex}.
 *
 * @module
 */

import type { Duplex } from "../wire/duplex.ts";
import { SocketDuplex } from "./session_transport.ts";

/** Where and how to listen. */
export interface ListenOptions {
  /** Interface to bind. */
  readonly hostname: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** PEM certificate and key: listen with TLS. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** A running listener. */
export interface Listener {
  /** The bound interface. */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /** Stops accepting; connections already accepted are not affected. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Listens on TCP (or TLS) and hands every accepted connection to `onConnection`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listen } from "./listener.ts";
 *
 * const remotes: string[] = [];
 * const listener = listen({ hostname: "127.0.0.1", port: 0 }, (duplex, remote) => {
 *   remotes.push(remote);
 *   duplex.close();
 * });
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.port });
 * assert.equal(await conn.readable.getReader().read().then((r) => r.done), true); // closed by us
 * await listener.close();
 * assert.equal(remotes.length, 1);
 * ```
 */
export function listen(
  options: ListenOptions,
  onConnection: (duplex: Duplex, remote: string) => void,
): Listener {
  const server: Deno.Listener = options.tls
    ? Deno.listenTls({
      hostname: options.hostname,
      port: options.port,
      cert: options.tls.cert,
      key: options.tls.key,
    })
    : Deno.listen({ hostname: options.hostname, port: options.port, transport: "tcp" });
  const address = server.addr as Deno.NetAddr;
  let closed = false;
  const accepting = (async () => {
    try {
      for await (const conn of server) {
        if (!options.tls) (conn as Deno.TcpConn).setNoDelay(true);
        const remote = conn.remoteAddr as Deno.NetAddr;
        onConnection(new SocketDuplex(conn), `${remote.hostname}:${remote.port}`);
      }
    } catch (error) {
      if (!closed) throw error;
    }
  })();
  return {
    hostname: address.hostname,
    port: address.port,
    async close() {
      if (closed) return;
      closed = true;
      try {
        server.close();
      } catch {
        // already closed
      }
      await accepting.catch(() => {});
    },
  };
}
