/**
 * One attempt of an operation: the retry seam. A connection fails whatever it runs when it
 * closes, times out or is told to retry; wrapping the operation in an {@linkcode Attempt} turns
 * those into a failure of the attempt only, so the operation stays unsettled and can be executed
 * again (with a fresh correlation id, on this or another connection). Replies the operation itself
 * decides on (success, WrongExpectedVersion, …) settle it as usual, and the attempt with it.
 *
 * @module
 */

import type { Package } from "../wire/package_codec.ts";
import type { Credentials } from "../wire/package_codec.ts";
import type { Disposition, Operation, OutgoingRequest } from "./operation.ts";

/**
 * Wraps `operation` for one execution.
 *
 * @example
 * ```ts ignore
 * // A retry loop over connections (the resilience layer's job):
 * for (;;) {
 *   try {
 *     return await connection.execute(new Attempt(operation));
 *   } catch (error) {
 *     if (!isRetriable(error)) { operation.fail(error); throw error; }
 *     connection = await reconnect();
 *   }
 * }
 * ```
 */
export class Attempt<T> implements Operation<T> {
  /** The wrapped operation. */
  readonly operation: Operation<T>;
  /** Settles with the operation, or rejects when this attempt fails first. */
  readonly result: Promise<T>;
  #failAttempt!: (error: Error) => void;

  /** Creates an attempt of `operation`. */
  constructor(operation: Operation<T>) {
    this.operation = operation;
    const failed = new Promise<never>((_, reject) => {
      this.#failAttempt = reject;
    });
    this.result = Promise.race([operation.result, failed]);
  }

  /** The operation's name. */
  get name(): string {
    return this.operation.name;
  }

  /** The operation's credentials. */
  get credentials(): Credentials | undefined {
    return this.operation.credentials;
  }

  /** The operation's request, built afresh for this attempt. */
  createRequest(): OutgoingRequest {
    return this.operation.createRequest();
  }

  /** Lets the operation handle the package; a `retry` answer fails only the attempt. */
  handle(pkg: Package): Disposition {
    return this.operation.handle(pkg);
  }

  /** Fails this attempt; the operation itself stays unsettled. */
  fail(error: Error): void {
    this.#failAttempt(error);
  }
}
