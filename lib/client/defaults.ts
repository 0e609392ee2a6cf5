/**
 * The one defaults table: every default of `connect()`, in one place. They are the official .NET
 * client's (docs/protocol.md §6.1, §6.4) unless said otherwise. `resolveSettings()` applies them;
 * no lower layer has defaults of its own.
 *
 * @module
 */

import { DEFAULT_MAX_PACKAGE_SIZE } from "../wire/package_codec.ts";

/** The defaults of `connect()`'s options. */
export const DEFAULTS = {
  /** Host name. */
  host: "localhost",
  /** TCP port. */
  port: 1113,
  /** Default timeout of every operation, in ms. */
  operationTimeout: 7000,
  /** Time allowed for one TCP connect plus handshake, in ms. */
  connectTimeout: 7000,
  /**
   * Time allowed for the first connection across all its attempts, in ms (ours: a black-hole
   * port must not take 11 attempts of 7 s).
   */
  connectDeadline: 12_000,
  /** Default `requireLeader` of every operation. */
  requireLeader: true,
  /** Idle time before a heartbeat request, in ms. */
  heartbeatInterval: 750,
  /** Silence after a heartbeat request that closes the connection, in ms. */
  heartbeatTimeout: 1500,
  /** Delay before each reconnection attempt, in ms (.NET `ReconnectionDelay`). */
  reconnectionDelay: 100,
  /** Reconnection attempts before closing for good (.NET `MaxReconnections`). */
  maxReconnections: 10,
  /** Re-sends per operation (.NET `MaxRetries`); 0 when reconnection is disabled. */
  maxRetries: 10,
  /**
   * Pause before re-sending an operation refused with NotHandled NotReady/TooBusy, in ms (the
   * .NET client retries on its next 200 ms timer tick).
   */
  retryDelay: 200,
  /** Largest package accepted or sent, in bytes (the server's limit). */
  maxPackageSize: DEFAULT_MAX_PACKAGE_SIZE,
  /**
   * Bytes a connection queues for sending before new sends wait (ours; the .NET client bounds
   * operations, not bytes). A larger single package still goes out once the queue is empty.
   */
  maxQueuedBytes: 8 * 1024 * 1024,
  /**
   * Operations that may wait for a connection while the client (re)connects; more fail with
   * `OperationQueueFullError` (.NET `MaxQueueSize`).
   */
  maxQueuedOperations: 5000,
  /**
   * Operations in flight on one connection (.NET `MaxConcurrentItems`); more wait in the queue,
   * unbounded while connected (each waits for its slot, its timeout not yet running).
   */
  maxInFlightOperations: 5000,
} as const;
