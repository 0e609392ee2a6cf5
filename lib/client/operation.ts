/**
 * The operation seam: everything the connection runs (a write, a read, a ping, a subscription) is
 * an {@linkcode Operation}. The dispatcher routes every package carrying the operation's current
 * correlation id to {@linkcode Operation.handle}; the answer says whether the operation is
 * finished, wants further packages (subscriptions), or should be retried by whoever executes it
 * (with a fresh correlation id, possibly on another connection).
 *
 * {@linkcode RequestOperation} is the one-shot request/response operation every read and write is
 * built from: it handles the replies every command can get (NotHandled, BadRequest,
 * NotAuthenticated) and attaches the caller's stack to errors that come out of the read loop.
 *
 * @module
 */

import { decodeMessage } from "../wire/proto_codec.ts";
import type { Credentials, Package } from "../wire/package_codec.ts";
import { commandName, TcpCommand } from "../wire/tcp_command.ts";
import { NotHandled_NotHandledReason, NotHandledSchema } from "../../gen/client_messages_pb.ts";
import {
  BadRequestError,
  NotAuthenticatedError,
  NotHandledError,
  ProtocolError,
} from "../errors.ts";

/** The command and payload of the package an operation sends (the correlation id is added later). */
export interface OutgoingRequest {
  /** The command byte. */
  readonly command: number;
  /** The encoded payload. */
  readonly payload: Uint8Array;
}

/** What the dispatcher does after an operation handled a package. */
export type Disposition =
  /** The operation is finished: forget its correlation id. */
  | { readonly kind: "complete" }
  /** Keep routing packages with this correlation id to the operation (subscriptions). */
  | { readonly kind: "continue" }
  /**
   * The operation is not settled but this attempt failed in a retriable way (NotHandled, a server
   * timeout). The executor either re-sends it with a new correlation id or calls `fail(error)`.
   */
  | { readonly kind: "retry"; readonly error: Error };

/** The shared "complete" disposition. */
export const COMPLETE: Disposition = { kind: "complete" };
/** The shared "continue" disposition. */
export const CONTINUE: Disposition = { kind: "continue" };

/** Something the connection can run. Implementations settle `result` themselves. */
export interface Operation<T> {
  /** Name used in timeout and retry errors, e.g. `"WriteEvents"`. */
  readonly name: string;
  /** Credentials sent in the package's auth block, if any. */
  readonly credentials: Credentials | undefined;
  /** Settles when the operation succeeds or fails (for subscriptions: when confirmed). */
  readonly result: Promise<T>;
  /** Builds the request; called once per attempt, so it must be repeatable. */
  createRequest(): OutgoingRequest;
  /**
   * Handles one package routed to the operation.
   *
   * @throws {ProtocolError} when the package is malformed: the operation has failed with it and
   * the connection closes.
   */
  handle(pkg: Package): Disposition;
  /**
   * Ends the operation with `error` (connection closed, timeout, abort, retries exhausted). A
   * settled one-shot operation ignores it; a subscription ends its stream with it.
   */
  fail(error: Error): void;
}

/** Decodes the reply of a {@linkcode RequestOperation}: a result, or a retry request. */
export type ResponseDecoder<T> = (payload: Uint8Array, command: number) => T | Disposition;

/** What a {@linkcode RequestOperation} sends and expects. */
export interface RequestSpec<T> {
  /** The request command, e.g. `TcpCommand.WriteEvents`. */
  readonly command: number;
  /** The encoded request payload. */
  readonly payload: Uint8Array;
  /** The expected reply command, e.g. `TcpCommand.WriteEventsCompleted`. */
  readonly responseCommand: number;
  /** Credentials for the auth block. */
  readonly credentials?: Credentials;
  /**
   * Maps the reply payload to the result. Throw a domain error to fail the operation, a
   * `ProtocolError` for a malformed payload, or return a `retry` disposition.
   */
  readonly decode: ResponseDecoder<T>;
}

const NOT_HANDLED_REASONS = {
  [NotHandled_NotHandledReason.NotReady]: "NotReady",
  [NotHandled_NotHandledReason.TooBusy]: "TooBusy",
  [NotHandled_NotHandledReason.NotLeader]: "NotLeader",
  [NotHandled_NotHandledReason.IsReadOnly]: "IsReadOnly",
} as const;

const utf8 = new TextDecoder();

/**
 * Maps the replies any command can get instead of its own: NotHandled (retriable, except
 * IsReadOnly), BadRequest, NotAuthenticated. Returns `undefined` for other commands.
 */
export function commonReply(pkg: Package): Disposition | Error | undefined {
  switch (pkg.command) {
    case TcpCommand.NotHandled: {
      const message = decodeMessage(NotHandledSchema, pkg.payload, pkg.command);
      const reason = NOT_HANDLED_REASONS[message.reason] ?? "NotReady";
      const error = new NotHandledError(reason);
      return reason === "IsReadOnly" ? error : { kind: "retry", error };
    }
    case TcpCommand.BadRequest:
      return new BadRequestError(
        `The server rejected the request: ${utf8.decode(pkg.payload) || "no reason given"}`,
      );
    case TcpCommand.NotAuthenticated:
      return new NotAuthenticatedError(
        `Not authenticated: ${utf8.decode(pkg.payload) || "authentication error"}`,
      );
    default:
      return undefined;
  }
}

/**
 * Replaces the stack of an error raised in the read loop by the stack of the call that started
 * the operation, so the trace points at the caller's code.
 */
export function withOrigin<E extends Error>(error: E, origin: Error | undefined): E {
  if (origin?.stack) {
    const frames = origin.stack.slice(origin.stack.indexOf("\n"));
    try {
      error.stack = `${error.name}: ${error.message}${frames}`;
    } catch {
      // A frozen error keeps its own stack.
    }
  }
  return error;
}

/**
 * A one-shot request/response operation.
 *
 * @example
 * ```ts
 * import { RequestOperation } from "./operation.ts";
 * import { TcpCommand } from "../wire/tcp_command.ts";
 * const ping = new RequestOperation("Ping", {
 *   command: TcpCommand.Ping,
 *   payload: new Uint8Array(0),
 *   responseCommand: TcpCommand.Pong,
 *   decode: () => undefined,
 * });
 * ```
 */
export class RequestOperation<T> implements Operation<T> {
  /** The operation's name. */
  readonly name: string;
  /** The credentials sent with it. */
  readonly credentials: Credentials | undefined;
  /** The operation's outcome. */
  readonly result: Promise<T>;
  readonly #spec: RequestSpec<T>;
  readonly #origin: Error;
  #resolve!: (value: T) => void;
  #reject!: (error: Error) => void;
  #settled = false;

  /** Creates the operation; the caller's stack is captured here. */
  constructor(name: string, spec: RequestSpec<T>) {
    this.name = name;
    this.credentials = spec.credentials;
    this.#spec = spec;
    this.#origin = new Error();
    this.result = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** True once the result has settled. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The request package's command and payload. */
  createRequest(): OutgoingRequest {
    return { command: this.#spec.command, payload: this.#spec.payload };
  }

  /** Handles the reply. */
  handle(pkg: Package): Disposition {
    if (this.#settled) return COMPLETE;
    if (pkg.command !== this.#spec.responseCommand) {
      const common = commonReply(pkg);
      if (common === undefined) {
        const error = new ProtocolError(
          "unexpected-command",
          `${this.name} got an unexpected ${commandName(pkg.command)} reply`,
          { command: pkg.command },
        );
        this.fail(error);
        throw error;
      }
      if (common instanceof Error) {
        this.fail(common);
        return COMPLETE;
      }
      return common;
    }
    let value: T | Disposition;
    try {
      value = this.#spec.decode(pkg.payload, pkg.command);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.fail(failure);
      if (failure instanceof ProtocolError) throw failure;
      return COMPLETE;
    }
    if (isRetry(value)) return value;
    this.#settled = true;
    this.#resolve(value as T);
    return COMPLETE;
  }

  /** Fails the operation, attaching the caller's stack; ignored once settled. */
  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(withOrigin(error, this.#origin));
  }
}

function isRetry(value: unknown): value is Disposition {
  return typeof value === "object" && value !== null && (value as Disposition).kind === "retry" &&
    "error" in value;
}
