/**
 * The `reconnection` option and its resolution to a {@linkcode ReconnectionPolicy}: the delay
 * before each reconnection attempt and how many attempts are made (defaults from `defaults.ts`).
 *
 * @module
 */

import { type Backoff, constantBackoff } from "./backoff.ts";
import { DEFAULTS } from "./defaults.ts";

/** What users pass as the `reconnection` option. */
export interface ReconnectionOptions {
  /**
   * Delay before each reconnection attempt: milliseconds, or a {@linkcode Backoff} of the attempt
   * number (e.g. `exponentialBackoff({ maxMs: 5000, jitter: 0.5 })`). Default 100 ms.
   */
  readonly delay?: number | Backoff;
  /**
   * Reconnection attempts after a connection is lost before the client closes for good, or
   * `"forever"`. 0 disables reconnection. Default 10. The first connection gets as many retries.
   */
  readonly maxAttempts?: number | "forever";
}

/** Normalised {@linkcode ReconnectionOptions}. */
export interface ReconnectionPolicy {
  /** Delay before attempt n (1-based). */
  readonly delay: Backoff;
  /** Attempts before giving up; `Infinity` for forever. */
  readonly maxAttempts: number;
}

/**
 * Checks and normalises the `reconnection` option; `false` means "never reconnect".
 *
 * @throws {TypeError} for a wrongly typed option
 * @throws {RangeError} for a negative or fractional count or delay
 *
 * @example
 * ```ts
 * import { resolveReconnection } from "./reconnection_policy.ts";
 * const policy = resolveReconnection({ delay: 250, maxAttempts: "forever" });
 * console.log(policy.delay(3), policy.maxAttempts); // 250 Infinity
 * ```
 */
export function resolveReconnection(
  options: ReconnectionOptions | false | undefined,
): ReconnectionPolicy {
  if (options === false) return { delay: constantBackoff(0), maxAttempts: 0 };
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError('Invalid option "reconnection": expected { delay, maxAttempts } or false');
  }
  for (const key of Object.keys(options)) {
    if (key !== "delay" && key !== "maxAttempts") {
      throw new TypeError(`Unknown reconnection option "${key}"`);
    }
  }
  const delay = options.delay ?? DEFAULTS.reconnectionDelay;
  let backoff: Backoff;
  if (typeof delay === "function") backoff = delay;
  else if (typeof delay === "number") backoff = constantBackoff(delay);
  else throw new TypeError('Invalid reconnection option "delay": expected ms or a function');
  return {
    delay: backoff,
    maxAttempts: resolveCount(options.maxAttempts, DEFAULTS.maxReconnections, "maxAttempts"),
  };
}

/**
 * Checks a retry or attempt count: a non-negative integer, or `"forever"` (`Infinity`).
 *
 * @throws {RangeError} for anything else
 *
 * @example
 * ```ts
 * import { resolveCount } from "./reconnection_policy.ts";
 * console.log(resolveCount(undefined, 10, "maxRetries"), resolveCount("forever", 10, "maxRetries")); // 10 Infinity
 * ```
 */
export function resolveCount(
  value: number | "forever" | undefined,
  fallback: number,
  name: string,
): number {
  if (value === undefined) return fallback;
  if (value === "forever" || value === Infinity) return Infinity;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Invalid option "${name}" ${String(value)}: expected an integer >= 0 or "forever"`,
    );
  }
  return value;
}
