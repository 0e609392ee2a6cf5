/**
 * `/ping`, `/info` and `/gossip`: the node-level endpoints, open to anyone (as on the server).
 * A single store gossips itself as the leader; cluster nodes serve the cluster's document.
 *
 * @module
 */

import { HttpError, json } from "./responses.ts";
import type { RouteContext } from "./route_context.ts";

/** The version `/info` reports: the newest server line the memstore follows. */
export const ES_VERSION = "23.10.0-memstore";

/** Serves `/ping`, `/info` and `/gossip`. */
export function nodeRoute(context: RouteContext): Response | null {
  const [first, ...rest] = context.segments;
  if (first !== "ping" && first !== "info" && first !== "gossip") return null;
  if (rest.length > 0) throw new HttpError(404, `Not found: ${context.url.pathname}`);
  if (context.request.method !== "GET") {
    throw new HttpError(405, `Method not allowed: ${context.request.method}`);
  }
  switch (first) {
    case "ping":
      return json(200, { text: "Ping request successfully handled" });
    case "info":
      return json(200, {
        esVersion: ES_VERSION,
        state: context.settings.nodeState(),
        // 5.x's field; 20.x+ report the same through `features`.
        projectionsMode: "None",
        features: { projections: false, userManagement: true, atomPub: true },
        authentication: { type: context.services.auth.insecure ? "insecure" : "internal" },
      });
    default:
      return json(200, context.settings.gossip());
  }
}
