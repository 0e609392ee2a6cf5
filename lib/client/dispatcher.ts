/**
 * The dispatcher: one connection's table from correlation id to the operation waiting for
 * messages with it (the pipeline's last stage before the operations).
 *
 * @module
 */

import type { Message } from "../wire/message.ts";
import { ProtocolError } from "../errors.ts";
import { newGuid } from "../wire/guid.ts";
import type { Decision, Operation } from "./operation.ts";

/** What became of a message handed to {@linkcode Dispatcher.dispatch}. */
export type DispatchOutcome =
  /** No operation has that correlation id (a late reply to a cancelled or timed-out one). */
  | { readonly kind: "unrouted" }
  /** The operation took the message; `decision` says what it wants next. */
  | {
    readonly kind: "routed";
    readonly operation: Operation<unknown>;
    readonly decision: Decision;
  }
  /** The message was malformed for its operation, which has failed with `error`. */
  | {
    readonly kind: "malformed";
    readonly operation: Operation<unknown>;
    readonly error: ProtocolError;
  };

/**
 * Routes messages by correlation id. Registering gives an operation a fresh id; registering it
 * again (a retry) gives it another one and forgets the old one, so late replies to an abandoned
 * attempt are ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Dispatcher } from "./dispatcher.ts";
 * const dispatcher = new Dispatcher();
 * assert.deepEqual(dispatcher.size, 0);
 * ```
 */
export class Dispatcher {
  readonly #byId = new Map<string, Operation<unknown>>();
  readonly #idOf = new Map<Operation<unknown>, string>();

  /** Number of registered operations. */
  get size(): number {
    return this.#byId.size;
  }

  /** Registers `operation` under a fresh correlation id (replacing any previous one) and returns it. */
  register(operation: Operation<unknown>, correlationId: string = newGuid()): string {
    this.remove(operation);
    this.#byId.set(correlationId, operation);
    this.#idOf.set(operation, correlationId);
    return correlationId;
  }

  /** The current correlation id of `operation`, if registered. */
  correlationIdOf(operation: Operation<unknown>): string | undefined {
    return this.#idOf.get(operation);
  }

  /** Removes and returns the operation registered under `correlationId`, if any. */
  take(correlationId: string): Operation<unknown> | undefined {
    const operation = this.#byId.get(correlationId);
    if (operation !== undefined) this.remove(operation);
    return operation;
  }

  /** Forgets `operation`; returns whether it was registered. */
  remove(operation: Operation<unknown>): boolean {
    const id = this.#idOf.get(operation);
    if (id === undefined) return false;
    this.#idOf.delete(operation);
    this.#byId.delete(id);
    return true;
  }

  /**
   * Hands `message` to the operation with its correlation id. The operation is forgotten unless
   * it answers `continue` or `confirmed`; for `retry`/`redirect` the caller decides (re-register
   * or fail).
   */
  dispatch(message: Message): DispatchOutcome {
    const operation = this.#byId.get(message.correlationId);
    if (operation === undefined) return { kind: "unrouted" };
    let decision: Decision;
    try {
      decision = operation.handle(message);
    } catch (error) {
      this.remove(operation);
      const protocolError = error instanceof ProtocolError ? error : new ProtocolError(
        "bad-payload",
        `${operation.name} could not handle its reply: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error, command: message.command },
      );
      operation.fail(protocolError);
      return { kind: "malformed", operation, error: protocolError };
    }
    if (decision.kind !== "continue" && decision.kind !== "confirmed") this.remove(operation);
    return { kind: "routed", operation, decision };
  }

  /** Removes every operation and returns them (e.g. to re-send them on a new connection). */
  drain(): Operation<unknown>[] {
    const operations = [...this.#idOf.keys()];
    this.#byId.clear();
    this.#idOf.clear();
    return operations;
  }

  /** Removes every operation and fails each with `error`. */
  failAll(error: Error): void {
    for (const operation of this.drain()) operation.fail(error);
  }
}
