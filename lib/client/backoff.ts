/**
 * Reconnection and retry delays as pure functions of the attempt number, and predicates saying
 * which failures are worth another attempt.
 *
 * A {@linkcode Backoff} maps a 1-based attempt number to a delay in milliseconds. The official
 * .NET client waits a constant 100 ms between reconnections (PROTOCOL.md §6.1); the exponential
 * policy with jitter is the usual alternative for clients that reconnect to a struggling cluster.
 *
 * @module
 */

import {
  ConnectionClosedError,
  NotHandledError,
  OperationTimeoutError,
  ProtocolError,
} from "../errors.ts";

/** A delay policy: the number of milliseconds to wait before the given attempt (1-based). */
export type Backoff = (attempt: number) => number;

/** A source of random numbers in `[0, 1)`, like `Math.random`; injectable for tests. */
export type RandomSource = () => number;

/** The .NET client's default `ReconnectionDelay` (PROTOCOL.md §6.1). */
export const DEFAULT_RECONNECTION_DELAY_MS = 100;

function checkAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`Invalid attempt ${attempt}: attempts are counted from 1`);
  }
}

function checkDelay(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`Invalid ${name} ${ms}: expected a finite number of milliseconds >= 0`);
  }
}

/**
 * The same delay before every attempt.
 *
 * @param ms the delay; defaults to the .NET client's 100 ms reconnection delay
 * @throws {RangeError} if `ms` is negative or not finite
 *
 * @example
 * ```ts
 * import { constantBackoff } from "./backoff.ts";
 * const delay = constantBackoff();
 * console.log(delay(1), delay(7)); // 100 100
 * ```
 */
export function constantBackoff(ms: number = DEFAULT_RECONNECTION_DELAY_MS): Backoff {
  checkDelay("delay", ms);
  return (attempt) => {
    checkAttempt(attempt);
    return ms;
  };
}

/** Options of {@linkcode exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the first attempt. Default 100 ms. */
  initialMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Largest delay returned, before jitter. Default 10 000 ms. */
  maxMs?: number;
  /**
   * Fraction of the delay that is randomised, in `[0, 1]`: the result lies in
   * `[delay * (1 - jitter), delay]`. `1` is "full jitter". Default 0 (no jitter).
   */
  jitter?: number;
  /** Random numbers in `[0, 1)` used for jitter. Default `Math.random`. */
  random?: RandomSource;
}

/**
 * Exponentially growing delays, capped, with optional jitter:
 * `min(maxMs, initialMs * factor ** (attempt - 1))`, then reduced by up to `jitter` of itself.
 *
 * @throws {RangeError} if an option is out of range
 *
 * @example
 * ```ts
 * import { exponentialBackoff } from "./backoff.ts";
 * const delay = exponentialBackoff({ initialMs: 100, maxMs: 1000 });
 * console.log([1, 2, 3, 4, 5].map(delay)); // [100, 200, 400, 800, 1000]
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? 100;
  const factor = options.factor ?? 2;
  const maxMs = options.maxMs ?? 10_000;
  const jitter = options.jitter ?? 0;
  const random = options.random ?? Math.random;
  checkDelay("initialMs", initialMs);
  checkDelay("maxMs", maxMs);
  if (!Number.isFinite(factor) || factor < 1) {
    throw new RangeError(`Invalid factor ${factor}: expected a finite number >= 1`);
  }
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`Invalid jitter ${jitter}: expected a fraction between 0 and 1`);
  }
  return (attempt) => {
    checkAttempt(attempt);
    // Math.min also tames Infinity from a huge exponent.
    const base = Math.min(maxMs, initialMs * factor ** (attempt - 1));
    if (jitter === 0) return base;
    const r = random();
    if (!(r >= 0 && r < 1)) {
      throw new RangeError(`Invalid random number ${r}: the random source must return [0, 1)`);
    }
    return base - base * jitter * r;
  };
}

/**
 * Whether a failed operation may be sent again on a (new) connection, following the .NET client
 * (PROTOCOL.md §6.2): a lost connection, a timed-out attempt, a malformed frame (the connection is
 * dropped, the request may be re-sent), a transient socket error and NotHandled for NotReady, TooBusy or NotLeader are
 * retriable; domain answers (wrong expected version, access denied, …), `IsReadOnly` and misuse
 * errors are not.
 *
 * Note that a closed *client* also raises `ConnectionClosedError`; the caller decides whether the
 * client is still open before retrying.
 *
 * @example
 * ```ts
 * import { isRetriable } from "./backoff.ts";
 * import { NotHandledError, WrongExpectedVersionError } from "../errors.ts";
 * console.log(isRetriable(new NotHandledError("TooBusy"))); // true
 * console.log(isRetriable(new WrongExpectedVersionError("s", 1n, 2n))); // false
 * ```
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof NotHandledError) return error.reason !== "IsReadOnly";
  return error instanceof ConnectionClosedError || error instanceof OperationTimeoutError ||
    error instanceof ProtocolError || isTransientNetworkError(error);
}

/**
 * Whether an error thrown by a socket operation (`Deno.connect`, a read or a write) is a transient
 * network condition (refused, reset, aborted, broken pipe, timed out, unexpected end) after which
 * connecting again makes sense.
 *
 * @example
 * ```ts
 * import { isTransientNetworkError } from "./backoff.ts";
 * console.log(isTransientNetworkError(new Deno.errors.ConnectionRefused("refused"))); // true
 * console.log(isTransientNetworkError(new TypeError("bad host"))); // false
 * ```
 */
export function isTransientNetworkError(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.TimedOut ||
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.UnexpectedEof;
}

/**
 * Whether an error means the connection itself is gone or unusable, so the client should
 * reconnect (possibly rediscovering the cluster) rather than just resend: a closed connection, a
 * protocol violation, a transient socket error, or NotHandled(NotLeader).
 *
 * @example
 * ```ts
 * import { needsReconnect } from "./backoff.ts";
 * import { NotHandledError } from "../errors.ts";
 * console.log(needsReconnect(new NotHandledError("NotLeader"))); // true
 * console.log(needsReconnect(new NotHandledError("TooBusy"))); // false
 * ```
 */
export function needsReconnect(error: unknown): boolean {
  if (error instanceof NotHandledError) return error.reason === "NotLeader";
  return error instanceof ConnectionClosedError || error instanceof ProtocolError ||
    isTransientNetworkError(error);
}
