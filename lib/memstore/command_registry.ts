/**
 * The seam between a connection and the commands it serves: a registry of handlers keyed by command
 * byte. A command without a handler gets `BadRequest` ("Could not unwrap network package for
 * command X"), exactly like a command the real server does not know; adding a feature (e.g.
 * persistent subscriptions) means registering handlers, nothing else.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { Package } from "../wire/package_codec.ts";
import type { Authorizer, Principal } from "./auth.ts";
import type { MemoryStorage } from "./storage.ts";

/** A subscription owned by a connection, reachable by its correlation id. */
export interface ConnectionSubscription {
  /**
   * Called for `UnsubscribeFromStream` with this subscription's correlation id: stop pushing and
   * send `SubscriptionDropped(Unsubscribed)`. The subscription removes itself from the map.
   */
  unsubscribe(): void;
  /** Called when the connection closes: stop silently (nothing can be sent any more). */
  connectionClosed(): void;
}

/** What a handler sees of the connection that carried the request. */
export interface Connection {
  /** A number unique within the store, for logs. */
  readonly id: number;
  /** The `connection_name` of IdentifyClient, or "". */
  readonly connectionName: string;
  /** True once the connection closed; sends are then ignored. */
  readonly closed: boolean;
  /** Queues a package for sending (bounded, docs/protocol.md §4.1). */
  send(pkg: Package): void;
  /** Live subscriptions of this connection by correlation id (volatile and persistent). */
  readonly subscriptions: Map<string, ConnectionSubscription>;
}

/** Store-wide services handlers use. */
export interface StoreServices {
  /** The log and index. */
  readonly storage: MemoryStorage;
  /** Users and ACLs. */
  readonly auth: Authorizer;
  /** The clock for timers. */
  readonly clock: Clock;
  /** Log sink (one line per call). */
  log(line: string): void;
}

/** The context of one request. */
export interface CommandContext {
  /** The package as received. */
  readonly pkg: Package;
  /** Who runs the request (after authentication). */
  readonly principal: Principal;
  /** The connection it arrived on. */
  readonly connection: Connection;
  /** The store's services. */
  readonly services: StoreServices;
  /** Sends a reply with the request's correlation id. */
  reply(command: number, payload?: Uint8Array): void;
}

/** Thrown by `unwrap` for a payload the server refuses while decoding (→ BadRequest, stays open). */
export class InvalidPackageError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidPackageError";
  }
}

/** The handler of one command. */
export interface CommandHandler<Request> {
  /**
   * Decodes and validates the payload. Throw `InvalidPackageError` (or let `decodeMessage` throw
   * its `ProtocolError`) to answer `BadRequest` without closing the connection.
   */
  unwrap(payload: Uint8Array): Request;
  /** Runs the request. An exception here answers `BadRequest` and closes the connection. */
  handle(context: CommandContext, request: Request): void;
}

/**
 * Handlers by command byte.
 *
 * @example
 * ```ts
 * import { CommandRegistry } from "./command_registry.ts";
 * const registry = new CommandRegistry();
 * registry.register(0x03, {
 *   unwrap: (payload) => payload,
 *   handle: (ctx, payload) => ctx.reply(0x04, payload),
 * });
 * ```
 */
export class CommandRegistry {
  // deno-lint-ignore no-explicit-any
  readonly #handlers = new Map<number, CommandHandler<any>>();

  /**
   * Registers the handler of `command`.
   *
   * @throws {TypeError} if the command already has one
   */
  register<Request>(command: number, handler: CommandHandler<Request>): void {
    if (this.#handlers.has(command)) {
      throw new TypeError(`Command 0x${command.toString(16)} already has a handler`);
    }
    this.#handlers.set(command, handler);
  }

  /** The handler of `command`, if any. */
  get(command: number): CommandHandler<unknown> | undefined {
    return this.#handlers.get(command);
  }
}
