/**
 * A node's HTTP gossip endpoint: `GET /gossip` (any query, e.g. `?format=json`) answers the
 * node's current gossip document as JSON; gossip needs no authentication (PROTOCOL.md §5.1). The
 * only place of the memstore that touches `Deno.serve`.
 *
 * @module
 */

/** Where and how to serve gossip. */
export interface GossipServerOptions {
  /** Interface to bind. */
  readonly hostname: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** PEM certificate and key: serve HTTPS (20.x+ secure nodes). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** A running gossip endpoint. */
export interface GossipServer {
  /** The bound interface. */
  readonly hostname: string;
  /** The bound port. */
  readonly port: number;
  /** Whether it speaks HTTPS. */
  readonly secure: boolean;
  /** Stops serving and closes its connections. Safe to call twice. */
  close(): Promise<void>;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

/**
 * Serves `document()` at `/gossip`; other paths answer 404 and other methods 405.
 *
 * @example
 * ```ts ignore
 * import { serveGossip } from "./gossip_server.ts";
 * const server = serveGossip({ hostname: "127.0.0.1", port: 0 }, () => ({ members: [] }));
 * console.log(`http://127.0.0.1:${server.port}/gossip`);
 * await server.close();
 * ```
 */
export function serveGossip(options: GossipServerOptions, document: () => unknown): GossipServer {
  const handler = (request: Request): Response => {
    const url = new URL(request.url);
    if (url.pathname !== "/gossip") return json(404, { error: `Not found: ${url.pathname}` });
    if (request.method !== "GET") {
      return json(405, { error: `Method not allowed: ${request.method}` });
    }
    return json(200, document());
  };
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
    onListen: () => {},
  }, handler);
  const address = server.addr as Deno.NetAddr;
  let closing: Promise<void> | null = null;
  return {
    hostname: address.hostname,
    port: address.port,
    secure: options.tls !== undefined,
    close() {
      closing ??= server.shutdown();
      return closing;
    },
  };
}
