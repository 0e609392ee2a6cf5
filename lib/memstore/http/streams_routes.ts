/**
 * `/streams`: appends (`POST`, batches and single events), reads as Atom JSON (head, paged
 * backward and forward, one event, metadata), `$all` for those its ACL lets read it, and deletes
 * (`DELETE`, `ES-HardDelete`). Every check is the TCP side's: the same `canAccess`, the same
 * storage calls, so a `$settings` write changes the default ACLs exactly as a TCP write does.
 * Status codes are the real server's `Configure` mapping (201, 400 with `ES-CurrentVersion`,
 * 401, 404, 410, 204).
 *
 * @module
 */

import { resolveFor } from "../handlers/read_handlers.ts";
import { MAX_READ_SIZE, type ResolvedRecord, type StoredEvent } from "../storage.ts";
import { isMetastream, metastreamOf } from "../stream_metadata.ts";
import {
  allFeed,
  backwardStreamFeed,
  type EmbedLevel,
  escapeStream,
  eventContent,
  forwardStreamFeed,
  parseEmbed,
  parsePosition,
  type StreamPage,
  toEntry,
} from "./atom_feed.ts";
import { waitForCommit } from "./long_poll.ts";
import { parseEventsJson, parseGuid, postedFormat, rawEvent } from "./posted_events.ts";
import { readBody, readJson } from "./request_body.ts";
import { ATOM_JSON, HttpError, json, JSON_TYPE, text, unauthorized } from "./responses.ts";
import type { RouteContext } from "./route_context.ts";

/** Entries per page when the URL names no count (`AtomSpecs.FeedPageSize`). */
export const FEED_PAGE_SIZE = 20;

type FeedType = "atom" | "json" | "html";

/** The response type a GET negotiates from `Accept`; null when none is served (406). */
export function negotiate(accept: string | null): FeedType | null {
  if (accept === null || accept.trim() === "") return "atom";
  const ranges = accept.split(",").map((part, index) => {
    const [type, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1, index };
  }).filter((r) => r.q > 0).sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranges) {
    if (type === ATOM_JSON || type === "application/vnd.kurrent.atom+json") return "atom";
    if (type === JSON_TYPE) return "json";
    if (type === "text/html") return "html";
    if (type === "*/*" || type === "application/*") return "atom";
  }
  return null;
}

/** .NET-style 32-bit string hash of the content type, the second half of an ETag. */
function typeHash(type: string): number {
  let h = 0;
  for (let i = 0; i < type.length; i++) h = (Math.imul(h, 31) + type.charCodeAt(i)) | 0;
  return h;
}

function contentTypeOf(feed: FeedType): string {
  return feed === "json" ? JSON_TYPE : ATOM_JSON;
}

function eTagOf(position: bigint | number, feed: FeedType): string {
  return `${position};${typeHash(contentTypeOf(feed))}`;
}

function notModified(context: RouteContext, eTag: string): boolean {
  const header = context.request.headers.get("if-none-match");
  return header !== null && header.replace(/"/g, "").trim() === eTag;
}

function boolHeader(context: RouteContext, names: readonly string[], fallback: boolean): boolean {
  for (const name of names) {
    const value = context.request.headers.get(name);
    if (value === null) continue;
    if (value.toLowerCase() === "true") return true;
    if (value.toLowerCase() === "false") return false;
    throw new HttpError(400, `${name} header in wrong format.`);
  }
  return fallback;
}

function expectedVersion(context: RouteContext): bigint {
  const value = context.request.headers.get("es-expectedversion");
  if (value === null) return -2n;
  if (!/^-?\d+$/.test(value.trim())) {
    throw new HttpError(400, "ES-ExpectedVersion header in wrong format.");
  }
  const n = BigInt(value.trim());
  if (n === -3n || n < -4n) throw new HttpError(400, "ES-ExpectedVersion header in wrong format.");
  return n;
}

function longPollMs(context: RouteContext): number {
  const value = context.request.headers.get("es-longpoll");
  if (value === null) return 0;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new HttpError(400, "ES-LongPoll header in wrong format.");
  }
  return Math.min(seconds, context.settings.maxLongPollSeconds) * 1000;
}

function eventNumberParam(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new HttpError(400, `'${value}' is not valid event number`);
  return BigInt(value);
}

function countParam(value: string): number {
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(count) || count <= 0) {
    throw new HttpError(400, `'${value}' is not valid count. Should be positive integer`);
  }
  if (count > MAX_READ_SIZE) {
    throw new HttpError(400, `'${value}' is not valid count. Should be at most ${MAX_READ_SIZE}`);
  }
  return count;
}

/** Serves `/streams/...`. */
export async function streamsRoute(context: RouteContext): Promise<Response | null> {
  const [first, stream, ...rest] = context.segments;
  if (first !== "streams") return null;
  if (stream === undefined) throw new HttpError(404, "Not found: /streams needs a stream name");
  const method = context.request.method;
  if (stream === "$all") return await allRoute(context, rest);
  if (rest.length === 0) {
    if (method === "POST") return await post(context, stream, null);
    if (method === "DELETE") return deleteStream(context, stream);
    if (method === "GET") return read(context, stream, "backward", -1n, FEED_PAGE_SIZE, true);
    throw methodNotAllowed(method);
  }
  if (rest[0] === "incoming" && rest.length === 2) {
    if (method !== "POST") throw methodNotAllowed(method);
    const id = parseGuid(rest[1]);
    if (id === null) throw new HttpError(400, "Invalid request. Unable to parse guid");
    return await post(context, stream, id);
  }
  if (rest[0] === "metadata") {
    if (isMetastream(stream)) {
      throw new HttpError(400, "Stream must be non-empty string and should not be metastream");
    }
    if (rest.length === 1 && method === "POST") return await postMetadata(context, stream);
    if (method !== "GET") throw methodNotAllowed(method);
    return await readPath(context, metastreamOf(stream), rest.slice(1), true);
  }
  if (method !== "GET") throw methodNotAllowed(method);
  return await readPath(context, stream, rest, false);
}

function methodNotAllowed(method: string): HttpError {
  return new HttpError(405, `Method not allowed: ${method}`);
}

async function readPath(
  context: RouteContext,
  stream: string,
  rest: readonly string[],
  metadata: boolean,
): Promise<Response> {
  if (rest.length === 0) {
    return metadata
      ? readOne(context, stream, -1n)
      : read(context, stream, "backward", -1n, FEED_PAGE_SIZE, true);
  }
  const [event, second, third] = rest;
  const from = event === "head" ? -1n : eventNumberParam(event);
  if (rest.length === 1) return readOne(context, stream, from);
  if (rest.length === 2) {
    return read(context, stream, "backward", from, countParam(second), from < 0n);
  }
  if (rest.length === 3 && (second === "backward" || second === "forward")) {
    const count = countParam(third);
    if (second === "forward") {
      if (from < 0n) throw new HttpError(400, `'${event}' is not valid event number`);
      return await read(context, stream, "forward", from, count, false);
    }
    return read(context, stream, "backward", from, count, from < 0n);
  }
  throw new HttpError(404, `Not found: ${context.url.pathname}`);
}

function checkRead(context: RouteContext, stream: string): void {
  if (!context.services.auth.canAccess(context.principal, stream, "read")) throw unauthorized();
}

function feedType(context: RouteContext): FeedType {
  const feed = negotiate(context.request.headers.get("accept"));
  if (feed === null) {
    throw new HttpError(
      406,
      `Not acceptable: ${
        context.request.headers.get("accept")
      }; this server answers ${ATOM_JSON} and ${JSON_TYPE}`,
    );
  }
  return feed;
}

/** A browser asking for HTML is sent to the stream browser's page for the stream. */
function htmlRedirect(context: RouteContext, stream: string): Response {
  return new Response(null, {
    status: 302,
    headers: { location: `${context.base}/web/index.html#/streams/${escapeStream(stream)}` },
  });
}

function embedOf(context: RouteContext): EmbedLevel {
  return parseEmbed(context.url.searchParams.get("embed"));
}

function cacheHeaders(full: boolean, eTag: string | null): Record<string, string> {
  return {
    "cache-control": full ? "max-age=31536000, public" : "max-age=0, no-cache, must-revalidate",
    vary: "Accept",
    ...(eTag !== null ? { etag: `"${eTag}"` } : {}),
  };
}

function failedRead(status: "no-stream" | "stream-deleted" | "error", message?: string): never {
  if (status === "no-stream") throw new HttpError(404, "Not Found");
  if (status === "stream-deleted") throw new HttpError(410, "Deleted");
  throw new HttpError(400, message ?? "Bad Request");
}

async function read(
  context: RouteContext,
  stream: string,
  direction: "forward" | "backward",
  from: bigint,
  count: number,
  head: boolean,
): Promise<Response> {
  const feed = feedType(context);
  checkRead(context, stream);
  if (feed === "html") return htmlRedirect(context, stream);
  const resolve = boolHeader(context, ["es-resolvelinktos"], true);
  const { storage } = context.services;
  const wait = direction === "forward" ? longPollMs(context) : 0;
  let outcome = direction === "forward"
    ? storage.readStreamForward(stream, from, count)
    : storage.readStreamBackward(stream, from, count);
  const nothingNew = outcome.status === "no-stream" ||
    (outcome.status === "success" && outcome.events.length === 0 && outcome.isEndOfStream);
  if (wait > 0 && nothingNew) {
    await waitForCommit((l) => storage.onStreamCommit(stream, l), context.services.clock, wait, [
      context.closing,
    ]);
    outcome = storage.readStreamForward(stream, from, count);
  }
  if (outcome.status !== "success") {
    failedRead(outcome.status, outcome.status === "error" ? outcome.message : undefined);
  }
  const eTag = eTagOf(outcome.lastEventNumber, feed);
  const page: StreamPage = {
    stream,
    fromEventNumber: from < 0n ? outcome.lastEventNumber : from,
    maxCount: count,
    lastEventNumber: outcome.lastEventNumber,
    isEndOfStream: outcome.isEndOfStream,
    records: outcome.events.map((e) => resolveFor(storage, e, resolve)),
  };
  const full = direction === "forward"
    ? outcome.lastEventNumber + 1n >= from + BigInt(count)
    : !head && outcome.lastEventNumber >= from;
  if ((head || !full) && notModified(context, eTag)) {
    return text(304, "", cacheHeaders(false, eTag));
  }
  const base = context.base;
  const body = direction === "forward"
    ? forwardStreamFeed(page, base, embedOf(context))
    : backwardStreamFeed(page, base, embedOf(context), head, eTag);
  return json(200, body, contentTypeOf(feed), cacheHeaders(full, full ? null : eTag));
}

function readOne(context: RouteContext, stream: string, number: bigint): Response {
  const feed = feedType(context);
  checkRead(context, stream);
  if (feed === "html") return htmlRedirect(context, stream);
  const resolve = boolHeader(context, ["es-resolvelinktos"], true);
  const { storage } = context.services;
  const outcome = storage.readEvent(stream, number);
  if (outcome.status === "stream-deleted") throw new HttpError(410, "Deleted");
  if (outcome.status !== "success" || outcome.event === null) {
    throw new HttpError(404, "Not Found");
  }
  const record: ResolvedRecord = resolveFor(storage, outcome.event, resolve);
  if (record.event === undefined) throw new HttpError(404, "Not Found");
  const headers = cacheHeaders(number >= 0n, null);
  if (feed === "json") return json(200, eventContent(record.event).data, JSON_TYPE, headers);
  return json(200, toEntry(record, context.base, embedOf(context), true), ATOM_JSON, headers);
}

async function post(
  context: RouteContext,
  stream: string,
  includedId: string | null,
  forcedType?: string,
): Promise<Response> {
  const request = context.request;
  const format = postedFormat(request.headers.get("content-type"));
  if (format === null) {
    await request.body?.cancel().catch(() => {});
    throw new HttpError(
      415,
      `Unsupported content type ${
        JSON.stringify(request.headers.get("content-type") ?? "")
      }: post events as application/vnd.eventstore.events+json, or one event as application/json or application/octet-stream`,
    );
  }
  const typeHeader = forcedType ?? request.headers.get("es-eventtype");
  const idHeader = request.headers.get("es-eventid");
  let eventId = includedId;
  if (idHeader !== null) {
    eventId = parseGuid(idHeader);
    if (eventId === null || eventId === "00000000-0000-0000-0000-000000000000") {
      throw new HttpError(400, "ES-EventId header in wrong format.");
    }
  }
  if (format !== "events" && (typeHeader === null || typeHeader === "")) {
    throw new HttpError(
      400,
      "Must include an event type with the request either in body or as ES-EventType header.",
    );
  }
  if (format !== "events" && eventId === null) {
    // The server redirects to an idempotent URI so a retried POST cannot write twice.
    await request.body?.cancel().catch(() => {});
    return text(307, "Forwarding to idempotent URI", {
      location: `${context.base}/streams/${escapeStream(stream)}/incoming/${crypto.randomUUID()}`,
    });
  }
  const expected = expectedVersion(context);
  boolHeader(context, ["es-requireleader", "es-requiremaster"], false);
  const { auth, storage } = context.services;
  if (!auth.canAccess(context.principal, stream, "write")) {
    await request.body?.cancel().catch(() => {});
    throw unauthorized();
  }
  const max = context.settings.maxBodyBytes;
  const events = format === "events"
    ? parseEventsJson(await readJson(request, max))
    : [rawEvent(await readBody(request, max), eventId!, typeHeader!, format === "json")];
  const outcome = storage.append(stream, expected, events);
  switch (outcome.status) {
    case "success":
      return text(201, "", {
        location: `${context.base}/streams/${escapeStream(stream)}/${outcome.firstEventNumber}`,
      });
    case "wrong-expected-version":
      throw new HttpError(400, "Wrong expected EventNumber", {
        "es-currentversion": String(outcome.currentVersion),
      });
    case "stream-deleted":
      throw new HttpError(410, "Stream deleted");
    case "memory-full":
      throw new HttpError(500, outcome.message);
    default:
      throw new HttpError(500, "Invalid transaction");
  }
}

async function postMetadata(context: RouteContext, stream: string): Promise<Response> {
  const type = context.request.headers.get("es-eventtype");
  if (type !== null && type !== "$metadata") {
    throw new HttpError(400, "Bad Request you should not include a event type for metadata");
  }
  // A bare metadata object needs no ES-EventId: the memstore makes one up rather than redirect.
  return await post(context, metastreamOf(stream), crypto.randomUUID(), "$metadata");
}

function deleteStream(context: RouteContext, stream: string): Response {
  const expected = expectedVersion(context);
  const hard = boolHeader(context, ["es-harddelete"], false);
  boolHeader(context, ["es-requireleader", "es-requiremaster"], false);
  const { auth, storage } = context.services;
  if (!auth.canAccess(context.principal, stream, "delete")) throw unauthorized();
  const outcome = storage.deleteStream(stream, expected, hard);
  switch (outcome.status) {
    case "success":
      return text(204, "");
    case "wrong-expected-version":
      throw new HttpError(400, "Wrong expected EventNumber", {
        "es-currentversion": String(outcome.currentVersion),
      });
    case "stream-deleted":
      throw new HttpError(410, "Stream deleted");
    case "memory-full":
      throw new HttpError(500, outcome.message);
    default:
      throw new HttpError(500, "Invalid transaction");
  }
}

async function allRoute(context: RouteContext, rest: readonly string[]): Promise<Response> {
  if (context.request.method !== "GET") throw methodNotAllowed(context.request.method);
  const feed = feedType(context);
  checkRead(context, "$all");
  if (feed === "html") return htmlRedirect(context, "$all");
  const { storage } = context.services;
  let direction: "forward" | "backward" = "backward";
  let position = { commit: -1, prepare: -1 };
  let count = FEED_PAGE_SIZE;
  if (rest.length >= 2) {
    const [pos, second, third] = rest;
    if (rest.length === 3 && second !== "forward" && second !== "backward") {
      throw new HttpError(404, `Not found: ${context.url.pathname}`);
    }
    if (rest.length === 3 && second === "forward") direction = "forward";
    if (rest.length > 3) throw new HttpError(404, `Not found: ${context.url.pathname}`);
    const countText = rest.length === 3 ? third : second;
    count = /^\d+$/.test(countText) ? Number(countText) : NaN;
    if (!Number.isInteger(count) || count <= 0 || count > MAX_READ_SIZE) {
      throw new HttpError(400, `Invalid count argument: ${countText}`);
    }
    if (pos !== "head" || direction === "forward") {
      const parsed = parsePosition(pos);
      if (parsed === null) throw new HttpError(400, `Invalid position argument: ${pos}`);
      position = parsed;
    }
  } else if (rest.length === 1) {
    throw new HttpError(404, `Not found: ${context.url.pathname}`);
  }
  const wait = direction === "forward" ? longPollMs(context) : 0;
  const readPage = () =>
    direction === "forward"
      ? storage.readAllForward(position, count)
      : storage.readAllBackward(position, count);
  let outcome = readPage();
  if (wait > 0 && outcome.status === "success" && outcome.events.length === 0) {
    await waitForCommit((l) => storage.onCommit(l), context.services.clock, wait, [
      context.closing,
    ]);
    outcome = readPage();
  }
  if (outcome.status !== "success") throw new HttpError(400, outcome.message);
  const head = position.commit === -1;
  const eTag = eTagOf(storage.lastCommitPosition, feed);
  if (head && notModified(context, eTag)) return text(304, "", cacheHeaders(false, eTag));
  const records = outcome.events.map((e: StoredEvent) => resolveFor(storage, e, true));
  const body = allFeed(
    {
      from: outcome.from,
      next: outcome.next,
      maxCount: count,
      isEndOfStream: outcome.isEndOfStream,
      records,
    },
    context.base,
    embedOf(context),
    direction,
  );
  return json(200, body, contentTypeOf(feed), cacheHeaders(false, head ? eTag : null));
}
