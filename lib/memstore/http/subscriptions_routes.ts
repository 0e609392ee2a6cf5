/**
 * `/subscriptions`: persistent-subscription statistics, create/update/delete, and replaying
 * parked messages, over the same groups TCP clients connect to (the server's
 * `PersistentSubscriptionController`). Statistics need an authenticated user; create, update,
 * delete and replay need `$ops` or `$admins` (the 20.x policy).
 *
 * @module
 */

import type { GroupSettings } from "../persistent/group_settings.ts";
import { resolveStrategyName } from "../persistent/group_settings.ts";
import { groupRegistryOf } from "../persistent/persistent_handlers.ts";
import { parkedStreamName } from "../persistent/group_stream_names.ts";
import type { SubscriptionGroup } from "../persistent/subscription_group.ts";
import { escapeStream } from "./atom_feed.ts";
import { readJson } from "./request_body.ts";
import { HttpError, json, unauthorized } from "./responses.ts";
import type { RouteContext } from "./route_context.ts";

function links(
  base: string,
  group: SubscriptionGroup,
  detail: boolean,
): { href: string; rel: string }[] {
  const path = `${base}/subscriptions/${escapeStream(group.streamId)}/${
    escapeStream(group.groupName)
  }`;
  return [
    { href: `${path}/info`, rel: "detail" },
    ...(detail ? [{ href: `${path}/replayParked`, rel: "replayParked" }] : []),
  ];
}

function parkedCount(context: RouteContext, group: SubscriptionGroup): number {
  const { storage } = context.services;
  const stream = parkedStreamName(group.streamId, group.groupName);
  const last = storage.lastEventNumber(stream);
  if (last < 0n) return 0;
  const tb = storage.metadataOf(stream).truncateBefore ?? 0n;
  return Number(last + 1n - tb > 0n ? last + 1n - tb : 0n);
}

function uris(base: string, group: SubscriptionGroup): Record<string, string> {
  const s = escapeStream(group.streamId);
  const g = escapeStream(group.groupName);
  return {
    parkedMessageUri: `${base}/streams/%24persistentsubscription-${s}::${g}-parked`,
    getMessagesUri: `${base}/subscriptions/${s}/${g}/1`,
  };
}

function summary(context: RouteContext, group: SubscriptionGroup): Record<string, unknown> {
  const stats = group.stats();
  return {
    links: links(context.base, group, false),
    eventStreamId: group.streamId,
    groupName: group.groupName,
    ...uris(context.base, group),
    status: "Live",
    averageItemsPerSecond: 0,
    totalItemsProcessed: stats.totalItemsProcessed,
    lastProcessedEventNumber: Number(stats.lastCheckpoint),
    lastCheckpointedEventPosition: String(stats.lastCheckpoint),
    lastKnownEventNumber: Number(stats.lastKnownEventNumber),
    lastKnownEventPosition: String(stats.lastKnownEventNumber),
    connectionCount: stats.clients.length,
    totalInFlightMessages: stats.outstandingCount,
  };
}

function info(context: RouteContext, group: SubscriptionGroup): Record<string, unknown> {
  const stats = group.stats();
  const s = group.settings;
  return {
    links: links(context.base, group, true),
    config: {
      resolveLinktos: s.resolveLinkTos,
      startFrom: Number(s.startFrom),
      startPosition: String(s.startFrom),
      messageTimeoutMilliseconds: s.messageTimeoutMs,
      extraStatistics: s.recordStatistics,
      maxRetryCount: s.maxRetryCount,
      liveBufferSize: s.liveBufferSize,
      bufferSize: s.bufferSize,
      readBatchSize: s.readBatchSize,
      preferRoundRobin: resolveStrategyName(s) === "RoundRobin",
      checkPointAfterMilliseconds: s.checkpointAfterMs,
      minCheckPointCount: s.checkpointMinCount,
      maxCheckPointCount: s.checkpointMaxCount,
      maxSubscriberCount: s.subscriberMaxCount,
      namedConsumerStrategy: resolveStrategyName(s) ?? s.namedConsumerStrategy,
    },
    eventStreamId: group.streamId,
    groupName: group.groupName,
    status: "Live",
    averageItemsPerSecond: 0,
    ...uris(context.base, group),
    totalItemsProcessed: stats.totalItemsProcessed,
    countSinceLastMeasurement: 0,
    lastProcessedEventNumber: Number(stats.lastCheckpoint),
    lastCheckpointedEventPosition: String(stats.lastCheckpoint),
    lastKnownEventNumber: Number(stats.lastKnownEventNumber),
    lastKnownEventPosition: String(stats.lastKnownEventNumber),
    readBufferCount: stats.readBufferCount,
    liveBufferCount: 0,
    retryBufferCount: stats.retryBufferCount,
    totalInFlightMessages: stats.outstandingCount,
    outstandingMessagesCount: stats.outstandingCount,
    connections: stats.clients.map((c) => ({
      from: `connection #${c.connectionId}`,
      username: c.username,
      averageItemsPerSecond: 0,
      totalItemsProcessed: 0,
      countSinceLastMeasurement: 0,
      extraStatistics: [],
      availableSlots: Math.max(0, c.maxInFlight - c.inFlight),
      inFlightMessages: c.inFlight,
      connectionName: c.connectionName,
    })),
    parkedMessageCount: parkedCount(context, group),
  };
}

function requireAuthenticated(context: RouteContext): void {
  if (context.principal.kind === "anonymous") throw unauthorized();
}

function requireOps(context: RouteContext): void {
  if (!context.services.auth.isAdminOrOps(context.principal)) throw unauthorized();
}

function notAllowed(method: string): HttpError {
  return new HttpError(405, `Method not allowed: ${method}`);
}

function integer(body: Record<string, unknown>, name: string, fallback: number): number {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new HttpError(400, `Field ${name} must be an integer`);
  }
  return value;
}

function flag(body: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") throw new HttpError(400, `Field ${name} must be a boolean`);
  return value;
}

/** The body of PUT/POST `/subscriptions/{stream}/{group}`, with `SubscriptionConfigData`'s defaults. */
async function configOf(context: RouteContext): Promise<GroupSettings> {
  const type = (context.request.headers.get("content-type") ?? "").split(";")[0].trim()
    .toLowerCase();
  let body: Record<string, unknown> = {};
  if (context.request.body !== null && type !== "") {
    if (type !== "application/json") {
      await context.request.body.cancel().catch(() => {});
      throw new HttpError(
        415,
        `Unsupported content type ${JSON.stringify(type)}: send application/json`,
      );
    }
    const parsed = await readJson(context.request, context.settings.maxBodyBytes);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new HttpError(400, "Request body must be a JSON object");
    }
    body = parsed as Record<string, unknown>;
  }
  const startKey = Object.keys(body).find((k) => k.toLowerCase() === "startposition");
  const startPosition = startKey === undefined ? undefined : body[startKey];
  const startFrom = typeof startPosition === "string" && /^-?\d+$/.test(startPosition)
    ? BigInt(startPosition)
    : BigInt(integer(body, "startFrom", 0));
  const strategyKey = Object.keys(body).find((k) => k.toLowerCase() === "namedconsumerstrategy");
  const strategy = strategyKey === undefined ? "" : body[strategyKey];
  const config: GroupSettings = {
    resolveLinkTos: flag(body, "resolveLinktos", false),
    startFrom,
    messageTimeoutMs: integer(body, "messageTimeoutMilliseconds", 10_000),
    recordStatistics: flag(body, "extraStatistics", false),
    liveBufferSize: integer(body, "liveBufferSize", 500),
    readBatchSize: integer(body, "readBatchSize", 20),
    bufferSize: integer(body, "bufferSize", 500),
    maxRetryCount: integer(body, "maxRetryCount", 10),
    preferRoundRobin: flag(body, "preferRoundRobin", true),
    checkpointAfterMs: integer(body, "checkPointAfterMilliseconds", 1_000),
    checkpointMinCount: integer(body, "minCheckPointCount", 10),
    checkpointMaxCount: integer(body, "maxCheckPointCount", 500),
    subscriberMaxCount: integer(body, "maxSubscriberCount", 10),
    namedConsumerStrategy: typeof strategy === "string" ? strategy : "",
  };
  if (config.bufferSize <= 0) {
    throw new HttpError(400, `Buffer Size (${config.bufferSize}) must be positive`);
  }
  if (config.liveBufferSize <= 0) {
    throw new HttpError(400, `Live Buffer Size (${config.liveBufferSize}) must be positive`);
  }
  if (config.readBatchSize <= 0) {
    throw new HttpError(400, `Read Batch Size (${config.readBatchSize}) must be positive`);
  }
  if (config.bufferSize <= config.readBatchSize) {
    throw new HttpError(
      400,
      `BufferSize (${config.bufferSize}) must be larger than ReadBatchSize (${config.readBatchSize})`,
    );
  }
  return config;
}

function userName(context: RouteContext): string {
  const p = context.principal;
  return p.kind === "user" ? p.username : p.kind === "system" ? "$system" : "anonymous";
}

/** Serves `/subscriptions/...`. */
export async function subscriptionsRoute(context: RouteContext): Promise<Response | null> {
  const [first, stream, group, action, ...extra] = context.segments;
  if (first !== "subscriptions") return null;
  const method = context.request.method;
  const registry = groupRegistryOf(context.services);
  if (stream === undefined || group === undefined) {
    if (method !== "GET") throw notAllowed(method);
    requireAuthenticated(context);
    const groups = registry.groups().filter((g) => stream === undefined || g.streamId === stream);
    if (stream !== undefined && groups.length === 0) {
      throw new HttpError(404, `No persistent subscriptions to stream "${stream}"`);
    }
    return json(200, groups.map((g) => summary(context, g)));
  }
  if (extra.length > 0) throw new HttpError(404, `Not found: ${context.url.pathname}`);
  const location = `${context.base}/subscriptions/${escapeStream(stream)}/${escapeStream(group)}`;
  if (action === undefined) {
    if (method === "GET") {
      throw new HttpError(
        501,
        "Reading messages over HTTP (competing consumers) is not supported by the memstore",
      );
    }
    requireOps(context);
    if (method === "DELETE") {
      const outcome = registry.delete(stream, group, userName(context));
      if (outcome.result === "success") return json(200, { result: "Success" });
      throw new HttpError(outcome.result === "does-not-exist" ? 404 : 400, outcome.reason);
    }
    if (method !== "PUT" && method !== "POST") throw notAllowed(method);
    const config = await configOf(context);
    const outcome = method === "PUT"
      ? registry.create(stream, group, config, userName(context))
      : registry.update(stream, group, config, userName(context));
    if (outcome.result === "success") {
      return json(method === "PUT" ? 201 : 200, { result: "Success" }, "application/json", {
        location,
      });
    }
    const status = outcome.result === "already-exists"
      ? 409
      : outcome.result === "does-not-exist"
      ? 404
      : 400;
    throw new HttpError(status, outcome.reason);
  }
  const running = registry.get(stream, group);
  if (action === "info") {
    if (method !== "GET") throw notAllowed(method);
    requireAuthenticated(context);
    if (running === undefined) {
      throw new HttpError(
        404,
        `Subscription group "${group}" on stream "${stream}" does not exist`,
      );
    }
    return json(200, info(context, running));
  }
  if (action === "replayParked") {
    if (method !== "POST") throw notAllowed(method);
    requireOps(context);
    const stopAtText = context.url.searchParams.get("stopAt");
    let stopAt: bigint | undefined;
    if (stopAtText !== null) {
      if (!/^\d+$/.test(stopAtText)) {
        throw new HttpError(400, "stopAt should be a properly formed positive long");
      }
      stopAt = BigInt(stopAtText);
    }
    await context.request.body?.cancel().catch(() => {});
    if (running === undefined) {
      return json(404, {
        correlationId: crypto.randomUUID(),
        reason: "Group does not exist",
        result: "DoesNotExist",
      });
    }
    const replayed = running.replayParked(stopAt);
    return json(200, {
      correlationId: crypto.randomUUID(),
      reason: "",
      result: "Success",
      replayed,
    });
  }
  throw new HttpError(404, `Not found: ${context.url.pathname}`);
}
