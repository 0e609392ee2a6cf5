/**
 * The stream browser: `/web/index.html`, its script and stylesheet, embedded in the package as
 * string modules (so a JSR install serves them too); `/` and `/web` redirect to the page. Open to
 * anyone: the page itself reads only what the caller's credentials (or anonymity) allow.
 *
 * @module
 */

import { APP_CSS } from "../web/app_css.ts";
import { APP_JS } from "../web/app_js.ts";
import { INDEX_HTML } from "../web/index_html.ts";
import { HttpError } from "./responses.ts";
import type { RouteContext } from "./route_context.ts";

const ASSETS: Record<string, { body: string; type: string }> = {
  "index.html": { body: INDEX_HTML, type: "text/html; charset=utf-8" },
  "app.js": { body: APP_JS, type: "text/javascript; charset=utf-8" },
  "app.css": { body: APP_CSS, type: "text/css; charset=utf-8" },
};

/** Serves `/`, `/web` and `/web/*`. */
export function webRoute(context: RouteContext): Response | null {
  const [first, name, ...rest] = context.segments;
  if (first !== undefined && first !== "web") return null;
  const method = context.request.method;
  if (method !== "GET" && method !== "HEAD") {
    throw new HttpError(405, `Method not allowed: ${method}`);
  }
  if (first === undefined || name === undefined) {
    return new Response(null, { status: 302, headers: { location: "/web/index.html" } });
  }
  const asset = rest.length === 0 ? ASSETS[name] : undefined;
  if (asset === undefined) throw new HttpError(404, `Not found: ${context.url.pathname}`);
  return new Response(method === "HEAD" ? null : asset.body, {
    status: 200,
    headers: { "content-type": asset.type, "cache-control": "no-cache" },
  });
}
