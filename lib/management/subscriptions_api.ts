/**
 * Persistent-subscription management over the server's `/subscriptions` endpoints: list the
 * groups (all, or one stream's), read one group's details, and replay its parked messages (they
 * go back to the group's consumers). Creating, connecting and acking stay on the TCP client.
 * Listing and details need an authenticated user; replaying needs `$ops` or `$admins`.
 *
 * @module
 */

import type { ManagementCallOptions, ManagementTransport } from "./http_transport.ts";

/** One group in a listing. */
export interface SubscriptionSummary {
  /** The subscribed stream. */
  readonly stream: string;
  /** The group name. */
  readonly group: string;
  /** The group's status, e.g. `"Live"`. */
  readonly status: string;
  /** Connected consumers. */
  readonly connectionCount: number;
  /** Messages delivered and not yet acknowledged. */
  readonly totalInFlightMessages: number;
  /** Messages acknowledged so far. */
  readonly totalItemsProcessed: number;
  /** The last checkpointed event position, as the server writes it. */
  readonly lastCheckpointedEventPosition: string;
  /** The last event position the group knows, as the server writes it. */
  readonly lastKnownEventPosition: string;
  /** URL of the parked-message stream. */
  readonly parkedMessageUri: string;
}

/** A consumer connected to a group. */
export interface SubscriptionConnection {
  /** Where it connected from, as the server names it. */
  readonly from: string;
  /** Who connected. */
  readonly username: string;
  /** Messages it holds. */
  readonly inFlightMessages: number;
  /** How many more it may take. */
  readonly availableSlots: number;
  /** Its connection name. */
  readonly connectionName: string;
}

/** One group's details. */
export interface SubscriptionInfo extends SubscriptionSummary {
  /** The group's settings as the server reports them (camelCase keys). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Messages parked and not replayed. */
  readonly parkedMessageCount: number;
  /** Retries waiting. */
  readonly retryBufferCount: number;
  /** Events read ahead. */
  readonly readBufferCount: number;
  /** The connected consumers. */
  readonly connections: readonly SubscriptionConnection[];
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

function count(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

function summary(json: unknown): SubscriptionSummary {
  const s = json as Record<string, unknown>;
  return {
    stream: text(s.eventStreamId),
    group: text(s.groupName),
    status: text(s.status),
    connectionCount: Array.isArray(s.connections) ? s.connections.length : count(s.connectionCount),
    totalInFlightMessages: count(s.totalInFlightMessages),
    totalItemsProcessed: count(s.totalItemsProcessed),
    lastCheckpointedEventPosition: text(s.lastCheckpointedEventPosition),
    lastKnownEventPosition: text(s.lastKnownEventPosition),
    parkedMessageUri: text(s.parkedMessageUri),
  };
}

function info(json: unknown): SubscriptionInfo {
  const s = json as Record<string, unknown>;
  const connections = Array.isArray(s.connections) ? s.connections : [];
  return {
    ...summary(json),
    config: (s.config ?? {}) as Record<string, unknown>,
    parkedMessageCount: count(s.parkedMessageCount),
    retryBufferCount: count(s.retryBufferCount),
    readBufferCount: count(s.readBufferCount),
    connections: connections.map((c: Record<string, unknown>) => ({
      from: text(c.from),
      username: text(c.username),
      inFlightMessages: count(c.inFlightMessages),
      availableSlots: count(c.availableSlots),
      connectionName: text(c.connectionName),
    })),
  };
}

function groupPath(stream: string, group: string, suffix: string): string {
  return `/subscriptions/${encodeURIComponent(stream)}/${encodeURIComponent(group)}${suffix}`;
}

/**
 * The persistent-subscriptions part of the management client.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, newEvent } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { createManagementClient } from "@photonpump/client/management";
 *
 * const admin = { username: "admin", password: "changeit" };
 * await using store = await startMemoryStore({ port: 0, httpPort: 0 });
 * await using conn = await connect(store.url, { credentials: admin });
 * await conn.publish("orders", [newEvent("order_placed", { body: { order: 1 } })]);
 * await conn.createSubscription("billing", "orders", { startFrom: 0 });
 * await using worker = await conn.connectSubscription("billing", "orders", { autoAck: false });
 * for await (const event of worker) {
 *   await worker.nack(event, "park", "payment service down");
 *   break;
 * }
 *
 * await using manager = await createManagementClient({ url: store.httpUrl!, credentials: admin });
 * const { parkedMessageCount } = await manager.subscriptions.info("orders", "billing");
 * assert.equal(parkedMessageCount, 1);
 * await manager.subscriptions.replayParked("orders", "billing");
 * ```
 */
export class SubscriptionsApi {
  readonly #transport: ManagementTransport;

  /** Wraps a transport. */
  constructor(transport: ManagementTransport) {
    this.#transport = transport;
  }

  /**
   * Every group, or those of `stream`.
   *
   * @throws {ManagementNotFoundError} when `stream` has none (the server answers 404)
   */
  async list(stream?: string, options: ManagementCallOptions = {}): Promise<SubscriptionSummary[]> {
    const { body } = await this.#transport.send({
      ...options,
      method: "GET",
      path: stream === undefined
        ? "/subscriptions"
        : `/subscriptions/${encodeURIComponent(stream)}`,
      action: stream === undefined
        ? "list persistent subscriptions"
        : `list the persistent subscriptions of "${stream}"`,
    });
    return Array.isArray(body) ? body.map(summary) : [];
  }

  /**
   * One group's details.
   *
   * @throws {ManagementNotFoundError} when the group does not exist
   */
  async info(
    stream: string,
    group: string,
    options: ManagementCallOptions = {},
  ): Promise<SubscriptionInfo> {
    const { body } = await this.#transport.send({
      ...options,
      method: "GET",
      path: groupPath(stream, group, "/info"),
      action: `read persistent subscription "${group}" on "${stream}"`,
    });
    return info(body);
  }

  /**
   * Sends the group's parked messages back to its consumers; `stopAt` replays only parked
   * events numbered below it.
   *
   * @throws {ManagementNotFoundError} when the group does not exist
   */
  async replayParked(
    stream: string,
    group: string,
    options: ManagementCallOptions & { readonly stopAt?: number | bigint } = {},
  ): Promise<void> {
    const query = options.stopAt === undefined ? "" : `?stopAt=${options.stopAt}`;
    await this.#transport.send({
      ...options,
      method: "POST",
      path: groupPath(stream, group, `/replayParked${query}`),
      action: `replay the parked messages of "${group}" on "${stream}"`,
    });
  }
}
