/**
 * The memstore's HTTP API (the real server's port 2113): one handler that authenticates the
 * request (HTTP basic, the store's users), routes it, and turns every failure into a status with
 * a readable body. Nothing a request sends can throw past it: an unexpected error answers 500 and
 * is logged, and the store goes on.
 *
 * @module
 */

import type { StoreServices } from "../command_registry.ts";
import { principalOf } from "./basic_auth.ts";
import type { HttpHandler } from "./http_listener.ts";
import { nodeRoute } from "./node_routes.ts";
import { HttpError, text, withCommonHeaders } from "./responses.ts";
import type { HttpApiSettings, Route, RouteContext } from "./route_context.ts";
import { streamsRoute } from "./streams_routes.ts";
import { subscriptionsRoute } from "./subscriptions_routes.ts";
import { usersRoute } from "./users_routes.ts";
import { webRoute } from "./web_routes.ts";

/** Default bound of request bodies: 16 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Default cap of `ES-LongPoll`, in seconds. */
export const DEFAULT_MAX_LONG_POLL_SECONDS = 60;

/** What the API serves. */
export interface HttpApiOptions {
  /** The store. */
  readonly services: StoreServices;
  /** The gossip document (default: none, `/gossip` answers 404). */
  readonly gossip?: () => unknown;
  /** The node state `/info` reports. Default `"leader"`. */
  readonly nodeState?: () => string;
  /** Largest request body, in bytes. Default {@linkcode DEFAULT_MAX_BODY_BYTES}. */
  readonly maxBodyBytes?: number;
  /** Longest long-poll honoured, in seconds. Default {@linkcode DEFAULT_MAX_LONG_POLL_SECONDS}. */
  readonly maxLongPollSeconds?: number;
  /** Log `HTTP <method> <path> <status>` for every request to the store's log. Default false. */
  readonly logRequests?: boolean;
  /**
   * The leader's HTTP base URL when this node is not the leader (cluster followers), else null:
   * a request with `ES-RequireLeader: True` (or `ES-RequireMaster`) is then redirected there
   * with 307, as a real follower does.
   */
  readonly leaderUrl?: () => string | null;
}

const ROUTES: readonly Route[] = [
  streamsRoute,
  usersRoute,
  subscriptionsRoute,
  nodeRoute,
  webRoute,
];

function requiresLeader(request: Request): boolean {
  for (const name of ["es-requireleader", "es-requiremaster"]) {
    if (request.headers.get(name)?.toLowerCase() === "true") return true;
  }
  return false;
}

function segmentsOf(pathname: string): string[] {
  try {
    return pathname.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, `Invalid percent-encoding in path ${JSON.stringify(pathname)}`);
  }
}

/**
 * Creates the handler.
 */
export function createHttpApi(options: HttpApiOptions): HttpHandler {
  const settings: HttpApiSettings = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxLongPollSeconds: options.maxLongPollSeconds ?? DEFAULT_MAX_LONG_POLL_SECONDS,
    gossip: options.gossip ?? (() => {
      throw new HttpError(404, "Not found: this node serves no gossip");
    }),
    nodeState: options.nodeState ?? (() => "leader"),
  };
  const services = options.services;
  return async (request, closing) => {
    let response: Response;
    try {
      const leader = requiresLeader(request) ? options.leaderUrl?.() ?? null : null;
      if (leader !== null) {
        const url = new URL(request.url);
        await request.body?.cancel().catch(() => {});
        response = text(307, "Temporary Redirect", {
          location: `${leader}${url.pathname}${url.search}`,
        });
      } else {
        response = await serve(request, closing, services, settings);
      }
    } catch (error) {
      if (error instanceof HttpError) {
        response = text(error.status, error.message, { ...error.headers });
      } else {
        services.log(`HTTP ${request.method} ${request.url} failed: ${error}`);
        response = text(
          500,
          `Internal server error: ${error instanceof Error ? error.message : error}`,
        );
      }
      // Whatever of the body was not read is dropped, so the connection can be reused.
      await request.body?.cancel().catch(() => {});
    }
    if (options.logRequests) {
      services.log(`HTTP ${request.method} ${new URL(request.url).pathname} ${response.status}`);
    }
    return withCommonHeaders(response, request);
  };
}

async function serve(
  request: Request,
  closing: AbortSignal,
  services: StoreServices,
  settings: HttpApiSettings,
): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === "OPTIONS") return text(200, "");
  const segments = segmentsOf(url.pathname);
  const principal = principalOf(request, services.auth);
  if (principal === null) throw new HttpError(401, "Unauthorized");
  const context: RouteContext = {
    request,
    url,
    segments,
    principal,
    services,
    settings,
    closing,
    base: url.origin,
  };
  for (const route of ROUTES) {
    const response = await route(context);
    if (response !== null) return response;
  }
  throw new HttpError(404, `Not found: ${url.pathname}`);
}
