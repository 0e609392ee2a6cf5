/**
 * Helpers for HTTP API tests: a memstore with its HTTP API on a free loopback port, and a
 * request function that always consumes the body (so Deno's resource sanitizer stays happy).
 *
 * @module
 */

import {
  type MemoryStore,
  type MemoryStoreOptions,
  startMemoryStore,
} from "../../../../lib/memstore/mod.ts";

/** The admin account of a fresh store. */
export const ADMIN = { username: "admin", password: "changeit" };

/** Starts a store with TCP and HTTP on free ports. */
export function startHttpStore(options: MemoryStoreOptions = {}): Promise<MemoryStore> {
  return startMemoryStore({ port: 0, httpPort: 0, ...options });
}

/** A finished HTTP exchange. */
export interface Reply {
  /** Status code. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Headers;
  /** The body as text. */
  readonly text: string;
  /** The body parsed as JSON. */
  json(): unknown;
}

/** What {@linkcode call} sends. */
export interface CallOptions {
  /** Basic-auth credentials. */
  readonly auth?: { username: string; password: string };
  /** Extra headers. */
  readonly headers?: Record<string, string>;
  /** A body: strings go as-is, anything else as JSON. */
  readonly body?: unknown;
}

/** `Authorization: Basic …` for a login and password. */
export function basic(username: string, password: string): string {
  return "Basic " + btoa(`${username}:${password}`);
}

/** Sends one request to the store's HTTP API and reads the whole reply. */
export async function call(
  store: MemoryStore,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const headers = new Headers(options.headers ?? {});
  if (options.auth) {
    headers.set("authorization", basic(options.auth.username, options.auth.password));
  }
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" || options.body instanceof Uint8Array
      ? options.body as BodyInit
      : JSON.stringify(options.body);
  }
  const response = await fetch(`${store.httpUrl}${path}`, {
    method,
    headers,
    body,
    redirect: "manual",
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

/** Posts `events` (`{eventType, data}`) as `application/vnd.eventstore.events+json`. */
export function postEvents(
  store: MemoryStore,
  stream: string,
  events: readonly { eventType: string; data?: unknown; metadata?: unknown; eventId?: string }[],
  options: CallOptions = {},
): Promise<Reply> {
  return call(store, "POST", `/streams/${encodeURIComponent(stream)}`, {
    ...options,
    headers: { "content-type": "application/vnd.eventstore.events+json", ...options.headers },
    body: events.map((e) => ({ eventId: e.eventId ?? crypto.randomUUID(), ...e })),
  });
}

/** A feed's link of `relation`, as a path (the origin stripped), or undefined. */
export function linkPath(feed: unknown, relation: string): string | undefined {
  const links = (feed as { links: { uri: string; relation: string }[] }).links;
  const link = links.find((l) => l.relation === relation);
  return link === undefined ? undefined : new URL(link.uri).pathname;
}
