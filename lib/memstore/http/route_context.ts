/**
 * What every route of the HTTP API sees: the request, its decoded path segments, the principal
 * (from HTTP basic auth, the same users and groups as the TCP side), the store's services and
 * the API's settings.
 *
 * @module
 */

import type { Principal } from "../auth.ts";
import type { StoreServices } from "../command_registry.ts";

/** Settings of the HTTP API, resolved once. */
export interface HttpApiSettings {
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Longest `ES-LongPoll` wait honoured, in seconds. */
  readonly maxLongPollSeconds: number;
  /** The gossip document `GET /gossip` answers. */
  readonly gossip: () => unknown;
  /** The node's state in `GET /info` (`"leader"`, `"follower"`, …). */
  readonly nodeState: () => string;
}

/** One request as a route sees it. */
export interface RouteContext {
  /** The request. */
  readonly request: Request;
  /** Its URL. */
  readonly url: URL;
  /** The path split on `/` and percent-decoded (`%24all` is `$all`); no empty segments. */
  readonly segments: readonly string[];
  /** Who sent it. */
  readonly principal: Principal;
  /** The store. */
  readonly services: StoreServices;
  /** The API's settings. */
  readonly settings: HttpApiSettings;
  /** Aborts when the listener closes (long-polls stop waiting). */
  readonly closing: AbortSignal;
  /** `scheme://host:port` of the request, for the links of documents. */
  readonly base: string;
}

/** A route: a response, or null when the path is not its own. */
export type Route = (context: RouteContext) => Response | null | Promise<Response | null>;
