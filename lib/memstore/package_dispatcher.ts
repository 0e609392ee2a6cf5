/**
 * What a package does on a memstore connection (docs/protocol.md §4.1–§4.3): trusted writes are
 * refused, heartbeats, IdentifyClient, BadRequest and Authenticate are answered here, everything
 * else is authenticated, unwrapped and run by its handler from the command registry (or answered
 * NotHandled while the store is set to).
 *
 * @module
 */

import {
  IdentifyClientSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
} from "../../gen/client_messages_pb.ts";
import type { Package } from "../wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../wire/proto_codec.ts";
import { commandName, TcpCommand, TcpFlags } from "../wire/tcp_command.ts";
import type { CommandRegistry, Connection, StoreServices } from "./command_registry.ts";
import { SessionAuth } from "./session_auth.ts";

/** Why the store answers every request with NotHandled, or null for normal service. */
export type NotHandledMode = "NotReady" | "TooBusy" | null;

/** The connection a {@linkcode PackageDispatcher} serves, and what it may do to it. */
export interface DispatchTarget {
  /** The connection (handlers see it). */
  readonly connection: Connection;
  /** The store's services. */
  readonly services: StoreServices;
  /** The handlers. */
  readonly registry: CommandRegistry;
  /** The current NotHandled mode. */
  readonly notHandled: () => NotHandledMode;
  /** Records the `connection_name` of IdentifyClient. */
  identified(name: string): void;
  /** Closes the connection; `graceful` lets queued replies (a final BadRequest) go first. */
  close(reason: string, graceful: boolean): void;
}

/** Commands answered before authentication and never NotHandled. */
const CONTROL_COMMANDS: ReadonlySet<number> = new Set([
  TcpCommand.HeartbeatRequest,
  TcpCommand.HeartbeatResponse,
  TcpCommand.IdentifyClient,
  TcpCommand.BadRequest,
  TcpCommand.Authenticate,
]);

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/**
 * Serves the packages of one connection.
 */
export class PackageDispatcher {
  readonly #target: DispatchTarget;
  readonly #connection: Connection;
  readonly #auth: SessionAuth;

  /** Dispatches for `target`. */
  constructor(target: DispatchTarget) {
    this.#target = target;
    this.#connection = target.connection;
    this.#auth = new SessionAuth(target.services.auth);
  }

  #reply(pkg: Package, command: number, payload: Uint8Array = EMPTY): void {
    this.#connection.send({ command, correlationId: pkg.correlationId, payload });
  }

  #sendBadRequest(correlationId: string, text: string): void {
    this.#connection.send({
      command: TcpCommand.BadRequest,
      correlationId,
      payload: encoder.encode(text),
    });
  }

  /** Serves one package: control commands here, everything else by its registered handler. */
  dispatch(pkg: Package): void {
    if ((pkg.flags ?? 0) & TcpFlags.TrustedWrite) {
      this.#sendBadRequest(
        pkg.correlationId,
        "Trusted writes aren't accepted over the external TCP interface",
      );
      this.#target.close("trusted write received", true);
      return;
    }
    switch (pkg.command) {
      case TcpCommand.HeartbeatResponse:
        return;
      case TcpCommand.HeartbeatRequest:
        return this.#reply(pkg, TcpCommand.HeartbeatResponse);
      case TcpCommand.IdentifyClient: {
        try {
          const message = decodeMessage(IdentifyClientSchema, pkg.payload, pkg.command);
          this.#target.identified(message.connectionName);
          this.#target.services.log(
            `Connection #${this.#connection.id} identified as "${message.connectionName}" (version ${message.version})`,
          );
          this.#reply(pkg, TcpCommand.ClientIdentified);
        } catch (error) {
          // The real server only logs an undecodable IdentifyClient; no reply.
          this.#target.services.log(
            `Connection #${this.#connection.id}: invalid IdentifyClient: ${error}`,
          );
        }
        return;
      }
      case TcpCommand.BadRequest:
        this.#target.services.log(
          `Connection #${this.#connection.id}: client sent BadRequest: ${
            new TextDecoder().decode(pkg.payload)
          }`,
        );
        return;
      case TcpCommand.Authenticate:
        return this.#authenticate(pkg);
    }
    const principal = this.#auth.principalOf(pkg);
    if (principal === null) {
      return this.#reply(pkg, TcpCommand.NotAuthenticated, encoder.encode("Not Authenticated"));
    }
    const handler = this.#target.registry.get(pkg.command);
    const name = commandName(pkg.command);
    if (!handler) {
      return this.#sendBadRequest(
        pkg.correlationId,
        `Could not unwrap network package for command ${name}.\nNo unwrapper for command ${name}`,
      );
    }
    let request: unknown;
    try {
      request = handler.unwrap(pkg.payload);
    } catch (error) {
      return this.#sendBadRequest(
        pkg.correlationId,
        `Could not unwrap network package for command ${name}.\n${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    const mode = CONTROL_COMMANDS.has(pkg.command) ? null : this.#target.notHandled();
    if (mode !== null) {
      return this.#reply(
        pkg,
        TcpCommand.NotHandled,
        encodeMessage(NotHandledSchema, { reason: NotHandled_NotHandledReason[mode] }),
      );
    }
    try {
      handler.handle({
        pkg,
        principal,
        connection: this.#connection,
        services: this.#target.services,
        reply: (command, payload) => this.#reply(pkg, command, payload),
      }, request);
    } catch (error) {
      this.#target.services.log(
        `Connection #${this.#connection.id}: error while processing ${name}: ${error}`,
      );
      this.#sendBadRequest(
        pkg.correlationId,
        `Error while processing package ${name}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      this.#target.close("error while processing a package", true);
    }
  }

  #authenticate(pkg: Package): void {
    const { command, payload } = this.#auth.authenticate(pkg);
    this.#reply(pkg, command, payload);
  }
}
