/**
 * The one executor interface: what the client, its reads, writes and subscriptions need from
 * whatever runs operations. {@linkcode ReconnectingExecutor} (`reconnecting_executor.ts`) is the
 * implementation; with reconnection disabled it is the single-connection executor.
 *
 * @module
 */

import type { ConnectionState } from "./connection_state.ts";
import type { Operation, OutgoingRequest } from "./operation.ts";

/** Per-call options of {@linkcode OperationExecutor.execute}. */
export interface ExecuteOptions {
  /** Cancels the operation: it is forgotten and its promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** The call's deadline in ms across all its attempts (default: the operation timeout). */
  readonly timeout?: number;
}

/** Runs operations. */
export interface OperationExecutor {
  /** The current state. */
  readonly state: ConnectionState;
  /** Calls `listener` on every state change; returns a function that stops it. */
  watch(listener: (state: ConnectionState) => void): () => void;
  /** The states as a stream: the current one, then every change; ends after `closed`. */
  states(signal?: AbortSignal): ReadableStream<ConnectionState>;
  /** Sends `operation` and resolves with its result. */
  execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T>;
  /**
   * Sends one more package with a running operation's correlation id (an unsubscribe, an ack).
   *
   * @throws {ConnectionClosedError} while the operation is on no live connection
   */
  sendFor(operation: Operation<unknown>, request: OutgoingRequest): Promise<void>;
  /** Forgets a running operation without failing it (a subscription that ended by itself). */
  release(operation: Operation<unknown>): void;
  /** Closes; pending operations fail with `ConnectionClosedError`. Idempotent. */
  close(): Promise<void>;
  /** Closes gracefully: new calls are refused, calls in flight finish, subscriptions end. */
  drain(): Promise<void>;
}
