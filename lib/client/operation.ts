/**
 * The operation model. Everything the client runs on a connection (a write, a read, a ping, a
 * subscription) is an {@linkcode Operation}: it builds its request, answers each decoded message
 * routed to it with one {@linkcode Decision}, and settles its own `result`. Everything else (the
 * deadline, retries, reconnection, redirects) follows from the decision, in one place: the
 * executor's transition function (`reconnecting_executor.ts`) and the pure retry decision
 * (`retry_decision.ts`).
 *
 * {@linkcode RequestOperation} is the one-shot request/response operation every read and write is
 * built from; {@linkcode commonReply} maps the replies any command can get instead of its own
 * (NotHandled, BadRequest, NotAuthenticated).
 *
 * @module
 */

import type { Credentials, PayloadWriter } from "../wire/package_codec.ts";
import { bodyOf, type Message, textOf } from "../wire/message.ts";
import { commandName, TcpCommand } from "../wire/tcp_command.ts";
import { NotHandled_NotHandledReason, NotHandledSchema } from "../../gen/client_messages_pb.ts";
import {
  BadRequestError,
  NotAuthenticatedError,
  NotHandledError,
  ProtocolError,
} from "../errors.ts";
import { type LeaderEndpoints, leaderEndpoints } from "./leader_info.ts";

/** The command and payload of the package an operation sends (the correlation id is added later). */
export interface OutgoingRequest {
  /** The command byte. */
  readonly command: number;
  /** The encoded payload, or a writer of it (written straight into the package). */
  readonly payload: Uint8Array | PayloadWriter;
}

/** How an operation answers a message routed to it: the whole vocabulary. */
export type Decision =
  /** The operation is finished (it settled its result): forget it. */
  | { readonly kind: "complete" }
  /** More messages are expected with this correlation id (a reply still to come, live events). */
  | { readonly kind: "continue" }
  /**
   * A subscription was confirmed (its result resolved): it stays attached to this connection,
   * without a deadline, until it completes or the connection goes.
   */
  | { readonly kind: "confirmed" }
  /**
   * This attempt failed in a way another attempt may not (NotHandled NotReady/TooBusy, a server
   * timeout): re-send it with a fresh correlation id, or fail with `error` when retries ran out.
   */
  | { readonly kind: "retry"; readonly error: Error }
  /** NotHandled NotLeader naming the leader: re-send it there. */
  | {
    readonly kind: "redirect";
    readonly error: NotHandledError;
    readonly leader: LeaderEndpoints;
  };

/** The shared "complete" decision. */
export const COMPLETE: Decision = { kind: "complete" };
/** The shared "continue" decision. */
export const CONTINUE: Decision = { kind: "continue" };
/** The shared "confirmed" decision. */
export const CONFIRMED: Decision = { kind: "confirmed" };

/** Something the client can run. Implementations settle `result` themselves. */
export interface Operation<T> {
  /** Name used in timeout and retry errors, e.g. `"WriteEvents"`. */
  readonly name: string;
  /** Credentials sent in the package's auth block, if any. */
  readonly credentials: Credentials | undefined;
  /** Settles when the operation succeeds or fails (for subscriptions: when confirmed). */
  readonly result: Promise<T>;
  /**
   * A confirmed subscription that is sent again on the next connection when its connection is
   * lost (volatile and persistent subscriptions), instead of failing. It then sees a second
   * confirmation. Default false.
   */
  readonly resubscribes?: boolean;
  /** Builds the request; called once per attempt, so it must be repeatable. */
  createRequest(): OutgoingRequest;
  /**
   * Answers one message routed to the operation.
   *
   * @throws {ProtocolError} when the message is malformed: the operation has failed with it and
   * the connection closes
   */
  handle(message: Message): Decision;
  /**
   * Ends the operation with `error` (connection closed, timeout, abort, retries exhausted). A
   * settled one-shot operation ignores it; a subscription ends its stream with it.
   */
  fail(error: Error): void;
}

/** Maps the reply of a {@linkcode RequestOperation} to a result, or asks for a retry. */
export type ResponseDecoder<T> = (message: Message) => T | Decision;

/** What a {@linkcode RequestOperation} sends and expects. */
export interface RequestSpec<T> {
  /** The request command, e.g. `TcpCommand.WriteEvents`. */
  readonly command: number;
  /** The encoded request payload, or a writer of it. */
  readonly payload: Uint8Array | PayloadWriter;
  /** The expected reply command, e.g. `TcpCommand.WriteEventsCompleted`. */
  readonly responseCommand: number;
  /** Credentials for the auth block. */
  readonly credentials?: Credentials;
  /**
   * Maps the reply to the result. Throw a domain error to fail the operation, a `ProtocolError`
   * for a malformed reply, or return a `retry` decision.
   */
  readonly decode: ResponseDecoder<T>;
  /**
   * Whether the operation captures the caller's stack when it is created, to attach it to a
   * failure (default true). False when the caller attaches it itself with {@linkcode atCaller}
   * from an async frame, which costs nothing unless the call fails (the write calls do: a stack
   * capture per call cost more than the rest of an append's bookkeeping).
   */
  readonly captureOrigin?: boolean;
}

const NOT_HANDLED_REASONS = {
  [NotHandled_NotHandledReason.NotReady]: "NotReady",
  [NotHandled_NotHandledReason.TooBusy]: "TooBusy",
  [NotHandled_NotHandledReason.NotLeader]: "NotLeader",
  [NotHandled_NotHandledReason.IsReadOnly]: "IsReadOnly",
} as const;

/**
 * Maps the replies any command can get instead of its own: NotHandled (a retry, a redirect to the
 * leader it names, or for IsReadOnly an error), BadRequest, NotAuthenticated. Returns `undefined`
 * for other commands.
 *
 * @throws {ProtocolError} when a NotHandled payload did not decode
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { commonReply } from "./operation.ts";
 * const reply = commonReply({ command: 0xf4, correlationId: "", schema: undefined, body: "" });
 * assert.deepEqual(reply instanceof Error, true);
 * ```
 */
export function commonReply(message: Message): Decision | Error | undefined {
  switch (message.command) {
    case TcpCommand.NotHandled: {
      const notHandled = bodyOf(message, NotHandledSchema);
      const reason = NOT_HANDLED_REASONS[notHandled.reason] ?? "NotReady";
      const error = new NotHandledError(reason);
      if (reason === "IsReadOnly") return error;
      const leader = reason === "NotLeader" ? leaderEndpoints(notHandled) : undefined;
      return leader ? { kind: "redirect", error, leader } : { kind: "retry", error };
    }
    case TcpCommand.BadRequest:
      return new BadRequestError(
        `The server rejected the request: ${textOf(message) || "no reason given"}`,
      );
    case TcpCommand.NotAuthenticated:
      return new NotAuthenticatedError(
        `Not authenticated: ${textOf(message) || "authentication error"}`,
      );
    default:
      return undefined;
  }
}

/**
 * The error for a message an operation did not expect.
 *
 * @example
 * ```ts
 * import { unexpected } from "./operation.ts";
 * console.log(unexpected("Ping", 0x83).message); // Ping got an unexpected WriteEventsCompleted reply
 * ```
 */
export function unexpected(name: string, command: number): ProtocolError {
  return new ProtocolError(
    "unexpected-command",
    `${name} got an unexpected ${commandName(command)} reply`,
    { command },
  );
}

/**
 * Replaces the stack of an error raised in the read loop by the stack of the call that started
 * the operation, so the trace points at the caller's code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withOrigin } from "./operation.ts";
 * const origin = new Error();
 * const error = withOrigin(new RangeError("late"), origin);
 * assert.deepEqual(error.stack?.startsWith("RangeError: late"), true);
 * ```
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
 * `error` (when it is an `Error`) with its stack replaced by the current one: call it in the
 * `catch` around the `await` of an async call, where the stack runs through the async frames of
 * whoever awaits the call, i.e. the caller's code, instead of the read loop where the error was
 * made. Used where capturing the stack up front on every call costs too much
 * ({@linkcode RequestSpec.captureOrigin}). A caller that does not await the call (it uses `then`)
 * sees the frame of the call itself only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { atCaller } from "./operation.ts";
 * async function callerCode(): Promise<void> {
 *   try {
 *     await Promise.reject(new RangeError("late"));
 *   } catch (error) {
 *     throw atCaller(error);
 *   }
 * }
 * await assert.rejects(callerCode(), (error: Error) => /callerCode/.test(error.stack ?? ""));
 * ```
 */
export function atCaller(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const origin: { stack?: string } = {};
  Error.captureStackTrace(origin, atCaller);
  return withOrigin(error, origin as Error);
}

function isDecision(value: unknown): value is Decision {
  return typeof value === "object" && value !== null &&
    ((value as Decision).kind === "retry" || (value as Decision).kind === "redirect") &&
    "error" in value;
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
  readonly #origin: Error | undefined;
  #resolve!: (value: T) => void;
  #reject!: (error: Error) => void;
  #settled = false;

  /** Creates the operation; the caller's stack is captured here (unless `captureOrigin` is false). */
  constructor(name: string, spec: RequestSpec<T>) {
    this.name = name;
    this.credentials = spec.credentials;
    this.#spec = spec;
    this.#origin = spec.captureOrigin === false ? undefined : new Error();
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

  /** Answers the reply. */
  handle(message: Message): Decision {
    if (this.#settled) return COMPLETE;
    let value: T | Decision;
    try {
      if (message.command === this.#spec.responseCommand) {
        value = this.#spec.decode(message);
      } else {
        const common = commonReply(message);
        if (common === undefined) throw unexpected(this.name, message.command);
        if (!(common instanceof Error)) return common;
        throw common;
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.fail(failure);
      if (failure instanceof ProtocolError) throw failure;
      return COMPLETE;
    }
    if (isDecision(value)) return value;
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
