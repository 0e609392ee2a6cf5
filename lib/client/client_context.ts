/**
 * What the client's functions (reads, writes, subscriptions) work over: the executor and the call
 * defaults, built once by `connect()`, and the helpers that turn a call's options into what an
 * operation needs.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { Credentials } from "../wire/package_codec.ts";
import type { CallOptions } from "./call_options.ts";
import type { OperationExecutor } from "./executor.ts";
import type { Operation } from "./operation.ts";
import type { ReadContext } from "./read_operations.ts";
import type { CallDefaults } from "./settings.ts";
import type { WriteContext } from "./write_operations.ts";

/** The context of every client call. */
export interface ClientContext {
  /** Runs the operations. */
  readonly executor: OperationExecutor;
  /** What a call falls back to (credentials, requireLeader). */
  readonly calls: CallDefaults;
  /** Timers (ping measures with it). */
  readonly clock: Clock;
}

/**
 * Runs `operation` with the call's signal and timeout.
 */
export function run<T>(
  context: ClientContext,
  operation: Operation<T>,
  call: CallOptions,
): Promise<T> {
  return context.executor.execute(operation, { signal: call.signal, timeout: call.timeout });
}

/**
 * The credentials a call runs with: its own, else the connection's default.
 */
export function credentialsFor(
  context: ClientContext,
  call: CallOptions,
): Credentials | undefined {
  return call.credentials ?? context.calls.credentials;
}

/**
 * The `requireLeader` a call runs with: its own, else the connection's default.
 */
export function requireLeaderFor(context: ClientContext, call: CallOptions): boolean {
  return call.requireLeader ?? context.calls.requireLeader;
}

/**
 * The write context of a call on `stream`.
 */
export function writeContext(
  context: ClientContext,
  stream: string,
  expectedVersion: bigint,
  call: CallOptions,
): WriteContext {
  return {
    stream,
    expectedVersion,
    requireLeader: requireLeaderFor(context, call),
    credentials: credentialsFor(context, call),
  };
}

/**
 * The read context of a call (links resolved unless it says otherwise).
 */
export function readContext(
  context: ClientContext,
  call: CallOptions,
  resolveLinks: boolean | undefined,
): ReadContext {
  return {
    resolveLinks: resolveLinks ?? true,
    requireLeader: requireLeaderFor(context, call),
    credentials: credentialsFor(context, call),
  };
}
