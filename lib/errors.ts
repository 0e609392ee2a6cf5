/**
 * The error classes callers catch. Misuse raises `TypeError`/`RangeError`; everything the server
 * or the network does wrong raises one of these. Every class sets `name`, accepts `cause`, and
 * carries the context needed to act on it. No message ever contains credentials.
 *
 * @module
 */

/** Options shared by every photonpump error. */
export interface PhotonPumpErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Base class of every error photonpump raises for server or network conditions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, PhotonPumpError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * try {
 *   await conn.getEvent("no-such-stream", 0);
 *   assert.fail("expected a rejection");
 * } catch (error) {
 *   // Server and network conditions are PhotonPumpErrors; misuse is a TypeError or RangeError.
 *   assert.ok(error instanceof PhotonPumpError);
 *   assert.equal(error.name, "StreamNotFoundError");
 * }
 * ```
 */
export class PhotonPumpError extends Error {
  /** Sets `name` to the subclass's name, so `error.name` names the class a caller catches. */
  constructor(message: string, options?: PhotonPumpErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** What kind of malformed input a {@linkcode ProtocolError} reports. */
export type ProtocolErrorKind =
  | "frame-too-small"
  | "frame-too-large"
  | "truncated-frame"
  | "bad-auth-block"
  | "bad-payload"
  | "missing-field"
  | "unexpected-command"
  | "too-many-events";

/**
 * A peer sent bytes that do not follow the protocol: a bad length prefix, an auth block that does
 * not fit, an undecodable payload or a required sub-message that is missing. The connection that
 * carried it is closed; operations on it fail or are retried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProtocolError } from "@photonpump/client";
 *
 * // Seen as the `cause` of a ConnectionClosedError or RetriesExhaustedError when a peer sends
 * // bytes that break the protocol; `kind` says what was wrong.
 * const error = new ProtocolError("frame-too-large", "Frame of 70000000 bytes exceeds the maximum");
 * assert.equal(error.kind, "frame-too-large");
 * assert.equal(error.name, "ProtocolError");
 * ```
 */
export class ProtocolError extends PhotonPumpError {
  /** What was wrong with the input. */
  readonly kind: ProtocolErrorKind;
  /** The command byte of the package, when known. */
  readonly command?: number;
  /** `command` is the offending package's command byte when the framing got that far. */
  constructor(
    kind: ProtocolErrorKind,
    message: string,
    options?: PhotonPumpErrorOptions & { command?: number },
  ) {
    super(message, options);
    this.kind = kind;
    this.command = options?.command;
  }
}

/**
 * The connection closed (by `close()`, by the server, or for good after failed reconnects).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionClosedError, connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * const conn = await connect(store.url);
 * await conn.close();
 * await assert.rejects(conn.publishEvent("orders", "order_placed", { body: {} }), ConnectionClosedError);
 * ```
 */
export class ConnectionClosedError extends PhotonPumpError {}

/**
 * No connection could be made: every attempt failed, the first-connect deadline passed, or a
 * failure no retry can fix ended the attempts early. `cause` is the last attempt's error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CannotConnectError, connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * const store = await startMemoryStore({ port: 0 });
 * const port = store.port;
 * await store.close(); // nothing listens on `port` any more
 *
 * await assert.rejects(
 *   connect({ host: "127.0.0.1", port, reconnection: { delay: 1, maxAttempts: 2 } }),
 *   (error) =>
 *     error instanceof CannotConnectError && error.port === port &&
 *     error.attempts === 3, // the first try and 2 reconnection attempts
 * );
 * ```
 */
export class CannotConnectError extends ConnectionClosedError {
  /** The host of the last attempt. */
  readonly host: string;
  /** The port of the last attempt. */
  readonly port: number;
  /** How many attempts were made. */
  readonly attempts: number;
  /** Creates the error; `why` ends the message (e.g. the deadline that passed). */
  constructor(
    host: string,
    port: number,
    attempts: number,
    why: string,
    options?: PhotonPumpErrorOptions,
  ) {
    super(
      `Cannot connect to "${host}:${port}" after ${attempts} attempt${
        attempts === 1 ? "" : "s"
      }${why}`,
      options,
    );
    this.host = host;
    this.port = port;
    this.attempts = attempts;
  }
}

/**
 * An operation got no answer within its timeout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OperationTimeoutError, RetriesExhaustedError } from "@photonpump/client";
 *
 * // A timed-out operation is retried (it is idempotent for appends: the event ids are kept), so
 * // callers usually see it as the cause of a RetriesExhaustedError.
 * const timeout = new OperationTimeoutError("WriteEvents", 7000);
 * const error = new RetriesExhaustedError("WriteEvents", 11, { cause: timeout });
 * assert.ok(error.cause instanceof OperationTimeoutError);
 * assert.equal(error.cause.message, "WriteEvents timed out after 7000 ms");
 * ```
 */
export class OperationTimeoutError extends PhotonPumpError {
  /** The operation that timed out, e.g. `"WriteEvents"`. */
  readonly operation: string;
  /** The timeout in milliseconds. */
  readonly timeoutMs: number;
  /** The message reads `<operation> timed out after <timeoutMs> ms`. */
  constructor(operation: string, timeoutMs: number, options?: PhotonPumpErrorOptions) {
    super(`${operation} timed out after ${timeoutMs} ms`, options);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * An operation failed on every attempt the retry policy allowed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, NotHandledError, RetriesExhaustedError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url, { maxRetries: 2, retryDelay: 1 });
 * store.setNotHandled("TooBusy"); // every request is answered NotHandled TooBusy
 * await assert.rejects(
 *   conn.publishEvent("orders", "order_placed", { body: {} }),
 *   (error) =>
 *     error instanceof RetriesExhaustedError && error.attempts === 3 &&
 *     error.cause instanceof NotHandledError && error.cause.reason === "TooBusy",
 * );
 * ```
 */
export class RetriesExhaustedError extends PhotonPumpError {
  /** The operation, e.g. `"WriteEvents"`. */
  readonly operation: string;
  /** How many attempts were made. */
  readonly attempts: number;
  /** `attempts` counts the first try; `cause` is the last attempt's error. */
  constructor(operation: string, attempts: number, options?: PhotonPumpErrorOptions) {
    super(`${operation} failed after ${attempts} attempts`, options);
    this.operation = operation;
    this.attempts = attempts;
  }
}

/**
 * An append, delete or transaction commit found the stream at another version than expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, WrongExpectedVersionError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await conn.publishEvent("orders-1", "order_placed", { body: {} });
 * await conn.publishEvent("orders-1", "order_paid", { body: {} });
 * try {
 *   await conn.publishEvent("orders-1", "order_cancelled", { body: {}, expectedVersion: 0n });
 *   assert.fail("expected a rejection");
 * } catch (error) {
 *   assert.ok(error instanceof WrongExpectedVersionError);
 *   assert.equal(error.currentVersion, 1n); // reload, decide again, retry with 1n
 *   assert.equal(
 *     error.message,
 *     'Cannot write to stream "orders-1": expected version 0, current version 1',
 *   );
 * }
 * ```
 */
export class WrongExpectedVersionError extends PhotonPumpError {
  /** The stream written to. */
  readonly stream: string;
  /** The expected version sent. */
  readonly expectedVersion: bigint;
  /** The stream's current version as the server reported it (-1 for no stream). */
  readonly currentVersion: bigint | undefined;
  /** Expected versions -2, -1 and -4 are named (`any`, `no stream`, `stream exists`) in the message. */
  constructor(
    stream: string,
    expectedVersion: bigint,
    currentVersion: bigint | undefined,
    options?: PhotonPumpErrorOptions,
  ) {
    super(
      `Cannot write to stream "${stream}": expected version ${
        describeExpectedVersion(expectedVersion)
      }, current version ${currentVersion ?? "unknown"}`,
      options,
    );
    this.stream = stream;
    this.expectedVersion = expectedVersion;
    this.currentVersion = currentVersion;
  }
}

function describeExpectedVersion(version: bigint): string {
  switch (version) {
    case -2n:
      return "any";
    case -1n:
      return "no stream";
    case -4n:
      return "stream exists";
    default:
      return String(version);
  }
}

/**
 * The stream was hard-deleted (or soft-deleted, where that forbids the operation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, StreamDeletedError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await conn.publishEvent("orders-1", "order_placed", { body: {} });
 * await conn.deleteStream("orders-1", { hardDelete: true });
 * await assert.rejects(
 *   conn.get("orders-1"),
 *   (error) => error instanceof StreamDeletedError && error.stream === "orders-1",
 * );
 * ```
 */
export class StreamDeletedError extends PhotonPumpError {
  /** The deleted stream. */
  readonly stream: string;
  /** The message reads `Stream "<stream>" is deleted`. */
  constructor(stream: string, options?: PhotonPumpErrorOptions) {
    super(`Stream "${stream}" is deleted`, options);
    this.stream = stream;
  }
}

/**
 * The credentials used may not perform this operation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AccessDeniedError, connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0, users: { reader: "secret" } });
 * await using conn = await connect(store.url);
 * const admin = { username: "admin", password: "changeit" };
 * await conn.publishEvent("payroll", "salary_paid", { body: {}, credentials: admin });
 * await conn.setStreamMetadata("payroll", { acl: { readRoles: ["$admins"] } }, {
 *   credentials: admin,
 * });
 * await assert.rejects(
 *   conn.get("payroll", { credentials: { username: "reader", password: "secret" } }),
 *   (error) => error instanceof AccessDeniedError && error.operation === "read",
 * );
 * ```
 */
export class AccessDeniedError extends PhotonPumpError {
  /** The stream the operation was on (`"$all"` for `$all` reads). */
  readonly stream: string;
  /** The operation, e.g. `"read"`, `"write"`, `"subscribe to"`. */
  readonly operation: string;
  /**
   * `"access-denied"` when a subscription was refused or dropped (the subscription's `dropped`
   * says the same); `undefined` for other operations.
   */
  readonly dropReason: DropReason | undefined;
  /** The message reads `Access denied: cannot <operation> stream "<stream>"`. */
  constructor(
    stream: string,
    operation: string,
    options?: PhotonPumpErrorOptions & { dropReason?: DropReason },
  ) {
    super(`Access denied: cannot ${operation} stream "${stream}"`, options);
    this.stream = stream;
    this.operation = operation;
    this.dropReason = options?.dropReason;
  }
}

/**
 * The server rejected the credentials (wrong login or password, or none where required).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, NotAuthenticatedError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * const credentials = { username: "admin", password: "wrong" }; // per call, or the connection's
 * await assert.rejects(
 *   conn.publishEvent("orders", "order_placed", { body: {}, credentials }),
 *   NotAuthenticatedError,
 * );
 * ```
 */
export class NotAuthenticatedError extends PhotonPumpError {}

/**
 * The server rejected the default credentials when `connect()` authenticated them (the protocol's
 * Authenticate command). Names the login, never the password; not retried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthenticationError, NotAuthenticatedError } from "@photonpump/client";
 *
 * // A NotAuthenticatedError, so one `instanceof` check covers connect() and later calls.
 * const error = new AuthenticationError("app", "Bad credentials");
 * assert.ok(error instanceof NotAuthenticatedError);
 * assert.equal(error.login, "app");
 * assert.equal(error.message, 'The server rejected the credentials of user "app": Bad credentials');
 * ```
 */
export class AuthenticationError extends NotAuthenticatedError {
  /** The login that was rejected. */
  readonly login: string;
  /** `reason` is the server's answer; the message names the login, never the password. */
  constructor(login: string, reason: string, options?: PhotonPumpErrorOptions) {
    super(`The server rejected the credentials of user "${login}": ${reason}`, options);
    this.login = login;
  }
}

/** What a peer turned out to speak, from the first bytes it sent. */
export type PeerProtocol = "tls" | "http" | "eventstore";

/**
 * The endpoint speaks another protocol than the connection expected: a TLS listener reached with
 * plain TCP, a plain listener reached with TLS, or an HTTP port. Says what to use instead; not
 * retried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionClosedError, WrongPortError } from "@photonpump/client";
 *
 * // `peer` is what the first bytes from the endpoint looked like; the message says what to do.
 * const error = new WrongPortError("localhost", 2113, "http");
 * assert.ok(error instanceof ConnectionClosedError);
 * assert.match(error.message, /HTTP port; the TCP client port is usually 1113/);
 * ```
 */
export class WrongPortError extends ConnectionClosedError {
  /** The host connected to. */
  readonly host: string;
  /** The port connected to. */
  readonly port: number;
  /** What the peer speaks. */
  readonly peer: PeerProtocol;
  /** The message advises by `peer`: tls:// for a TLS listener, tcp:// for a plain one, port 1113 for HTTP. */
  constructor(host: string, port: number, peer: PeerProtocol, options?: PhotonPumpErrorOptions) {
    const advice = peer === "tls"
      ? "it speaks TLS: connect with tls:// (or the tls option)"
      : peer === "http"
      ? "it is an HTTP port; the TCP client port is usually 1113"
      : "it speaks plain TCP, not TLS: connect with tcp:// (or without the tls option)";
    super(`The server at "${host}:${port}" is not what was expected: ${advice}`, options);
    this.host = host;
    this.port = port;
    this.peer = peer;
  }
}

/**
 * The stream does not exist (never written, or soft-deleted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, StreamNotFoundError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await assert.rejects(
 *   conn.get("never-written"),
 *   (error) => error instanceof StreamNotFoundError && error.stream === "never-written",
 * );
 * ```
 */
export class StreamNotFoundError extends PhotonPumpError {
  /** The stream that was read. */
  readonly stream: string;
  /** The message reads `Stream "<stream>" not found`. */
  constructor(stream: string, options?: PhotonPumpErrorOptions) {
    super(`Stream "${stream}" not found`, options);
    this.stream = stream;
  }
}

/**
 * The stream exists but has no readable event at that number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, EventNotFoundError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await conn.publishEvent("orders-1", "order_placed", { body: {} });
 * await assert.rejects(
 *   conn.getEvent("orders-1", 3),
 *   (error) => error instanceof EventNotFoundError && error.eventNumber === 3n,
 * );
 * ```
 */
export class EventNotFoundError extends PhotonPumpError {
  /** The stream that was read. */
  readonly stream: string;
  /** The event number asked for. */
  readonly eventNumber: bigint;
  /** The message reads `Event <eventNumber> not found in stream "<stream>"`. */
  constructor(stream: string, eventNumber: bigint, options?: PhotonPumpErrorOptions) {
    super(`Event ${eventNumber} not found in stream "${stream}"`, options);
    this.stream = stream;
    this.eventNumber = eventNumber;
  }
}

/**
 * The server answered BadRequest: it could not decode or accept what was sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BadRequestError, PhotonPumpError } from "@photonpump/client";
 *
 * // The server's BadRequest reply carries its reason as the message. Requests the client builds
 * // are valid, so seeing this points at a server that speaks another protocol version.
 * const error = new BadRequestError("Unexpected command");
 * assert.ok(error instanceof PhotonPumpError);
 * assert.equal(error.name, "BadRequestError");
 * ```
 */
export class BadRequestError extends PhotonPumpError {}

/**
 * The server reported an error of its own (a read `Error` result, a transaction failure, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PhotonPumpError, ServerError } from "@photonpump/client";
 *
 * // Not retried: the server answered, and answered with a failure of its own.
 * const error = new ServerError('Read of stream "orders" failed: Error');
 * assert.ok(error instanceof PhotonPumpError);
 * assert.equal(error.name, "ServerError");
 * ```
 */
export class ServerError extends PhotonPumpError {}

/**
 * The node would not handle the request (not ready, too busy, not the leader, read-only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, NotHandledError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * // NotReady and TooBusy are retried (every `retryDelay` ms, up to `maxRetries`), NotLeader
 * // reconnects to the leader, IsReadOnly fails at once.
 * await using store = await startMemoryStore({ port: 0 });
 * // With retries, the last NotHandledError is the `cause` of a RetriesExhaustedError.
 * await using conn = await connect(store.url, { maxRetries: 0 });
 * store.setNotHandled("NotReady");
 * await assert.rejects(
 *   conn.ping(),
 *   (error) => error instanceof NotHandledError && error.reason === "NotReady",
 * );
 * ```
 */
export class NotHandledError extends PhotonPumpError {
  /** Why the node did not handle it. */
  readonly reason: "NotReady" | "TooBusy" | "NotLeader" | "IsReadOnly";
  /** `reason` is the server's NotHandled reason, spelled as on the wire. */
  constructor(
    reason: "NotReady" | "TooBusy" | "NotLeader" | "IsReadOnly",
    options?: PhotonPumpErrorOptions,
  ) {
    super(`The server did not handle the request: ${reason}`, options);
    this.reason = reason;
  }
}

/**
 * A reply was larger than the maximum package size. Only its 18-byte header was read: its body
 * was skipped unbuffered, the connection stays open, and only the operation it answered fails.
 * A read page of several large events can exceed the maximum (the real server sends it anyway);
 * read with a smaller `maxCount`.
 */
export class FrameTooLargeError extends PhotonPumpError {
  /** The operation the reply answered, e.g. `"ReadStreamEventsForward"`. */
  readonly operation: string;
  /** The reply's command byte. */
  readonly command: number;
  /** The reply's correlation id. */
  readonly correlationId: string;
  /** The size its length prefix claimed, in bytes. */
  readonly size: number;
  /** The largest package accepted, in bytes. */
  readonly maxPackageSize: number;
  /** `reply` describes the skipped package as its 18-byte header gave it. */
  constructor(
    reply: {
      readonly operation: string;
      readonly command: number;
      readonly commandName: string;
      readonly correlationId: string;
      readonly size: number;
      readonly maxPackageSize: number;
    },
    options?: PhotonPumpErrorOptions,
  ) {
    super(
      `The ${reply.commandName} reply to ${reply.operation} (correlation id "${reply.correlationId}") ` +
        `is ${reply.size} bytes, over the maximum package size of ${reply.maxPackageSize} bytes`,
      options,
    );
    this.operation = reply.operation;
    this.command = reply.command;
    this.correlationId = reply.correlationId;
    this.size = reply.size;
    this.maxPackageSize = reply.maxPackageSize;
  }
}

/**
 * The peer read nothing of what was sent to it for a whole timeout while bytes were waiting: the
 * connection was closed (and, like any lost connection, its operations are retried or failed).
 */
export class PeerNotReadingError extends ConnectionClosedError {
  /** How long no byte was taken, in ms. */
  readonly stalledMs: number;
  /** Bytes that were waiting to be sent. */
  readonly queuedBytes: number;
  /** `stalledMs` and `queuedBytes` are named in the message. */
  constructor(stalledMs: number, queuedBytes: number, options?: PhotonPumpErrorOptions) {
    super(
      `The peer read nothing for ${stalledMs} ms while ${queuedBytes} bytes were waiting to be sent`,
      options,
    );
    this.stalledMs = stalledMs;
    this.queuedBytes = queuedBytes;
  }
}

/**
 * Too many operations were already waiting for a connection (while the client reconnects), so
 * this one was not queued.
 */
export class OperationQueueFullError extends PhotonPumpError {
  /** The operation refused, e.g. `"WriteEvents"`. */
  readonly operation: string;
  /** How many operations may wait. */
  readonly limit: number;
  /** `limit` is the queue bound that was reached. */
  constructor(operation: string, limit: number, options?: PhotonPumpErrorOptions) {
    super(
      `Cannot queue ${operation}: ${limit} operations are already waiting for a connection`,
      options,
    );
    this.operation = operation;
    this.limit = limit;
  }
}

/** Why a subscription ended. */
export type DropReason =
  /** `unsubscribe()`, a cancelled stream, or the server's `Unsubscribed`. */
  | "unsubscribed"
  /** The credentials may not read the stream. */
  | "access-denied"
  /** The server rejected the credentials. */
  | "not-authenticated"
  /** The stream (catch-up) or the persistent subscription group does not exist. */
  | "not-found"
  /** The persistent subscription group was deleted. */
  | "persistent-subscription-deleted"
  /** The persistent subscription group has its maximum number of subscribers. */
  | "subscriber-max-count-reached"
  /** The connection closed and no reconnection followed. */
  | "connection-lost"
  /** The consumer fell behind and the subscription's bounded buffer overflowed. */
  | "consumer-too-slow"
  /** The server answered with an error (BadRequest, a failed read, a malformed package). */
  | "server-error";

/**
 * A subscription was dropped for a reason other than unsubscribing. A subscription's stream
 * errors with it once the events received before the drop have been delivered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, SubscriptionDroppedError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url, {
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * // connectSubscription rejects with it when the server refuses; a running subscription's
 * // stream errors with it (and `dropped` resolves with the same reason).
 * await assert.rejects(
 *   conn.connectSubscription("no-such-group", "orders"),
 *   (error) => error instanceof SubscriptionDroppedError && error.reason === "not-found",
 * );
 * ```
 */
export class SubscriptionDroppedError extends PhotonPumpError {
  /** Why the subscription was dropped. */
  readonly reason: DropReason;
  /** The subscribed stream (`"$all"` for `$all`). */
  readonly stream: string;
  /** An `Error` cause's message is appended to the message after the reason. */
  constructor(reason: DropReason, stream: string, options?: PhotonPumpErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`Subscription to "${stream}" dropped: ${reason}${cause}`, options);
    this.reason = reason;
    this.stream = stream;
  }
}

/**
 * The server's TLS certificate could not be verified; connecting again will not help.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, TlsCertificateError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * // The repository's test certificates (examples/certs): a server certificate for localhost
 * // signed by a test CA that the system does not trust.
 * const certs = new URL("../examples/certs/", import.meta.url);
 * const tls = {
 *   cert: await Deno.readTextFile(new URL("server.crt", certs)),
 *   key: await Deno.readTextFile(new URL("server.key", certs)),
 * };
 * await using store = await startMemoryStore({ port: 0, tls });
 * // connect() fails with it at once: reconnecting cannot fix a certificate.
 * await assert.rejects(
 *   connect({ host: "localhost", port: store.port, tls: true }),
 *   TlsCertificateError,
 * );
 * // Trusting the CA fixes it.
 * await using conn = await connect({
 *   host: "localhost",
 *   port: store.port,
 *   tls: { caFile: new URL("ca.crt", certs).pathname },
 * });
 * assert.equal(conn.state.status, "connected");
 * ```
 */
export class TlsCertificateError extends PhotonPumpError {
  /** The host connected to. */
  readonly host: string;
  /** The port connected to. */
  readonly port: number;
  /** `reason` is the TLS library's verdict (e.g. `UnknownIssuer`); the message adds how to trust the CA. */
  constructor(host: string, port: number, reason: string, options?: PhotonPumpErrorOptions) {
    super(
      `Cannot verify the TLS certificate of ${host}:${port}: ${reason}; trust its CA with ` +
        `tls.caCerts or tls.caFile (for development only, Deno's process-wide ` +
        `--unsafely-ignore-certificate-errors=${host} flag skips verification)`,
      options,
    );
    this.host = host;
    this.port = port;
  }
}

/**
 * Discovery found no usable node after every attempt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DiscoveryError, PhotonPumpError } from "@photonpump/client";
 *
 * // Raised by connect() with `discovery` when no gossip seed answered (or none named a usable
 * // node) in `maxDiscoverAttempts` rounds; `cause` holds the last round's failure.
 * const error = new DiscoveryError(10, { cause: new Error("Gossip seed 10.0.0.1:2113 refused") });
 * assert.ok(error instanceof PhotonPumpError);
 * assert.equal(error.attempts, 10);
 * assert.match(error.message, /after 10 attempts: Gossip seed/);
 * ```
 */
export class DiscoveryError extends PhotonPumpError {
  /** How many rounds were made. */
  readonly attempts: number;
  /** An `Error` cause's message is appended to the message. */
  constructor(attempts: number, options?: PhotonPumpErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`Cannot discover a cluster node after ${attempts} attempts${why}`, options);
    this.attempts = attempts;
  }
}

/**
 * A group operation was refused (the group exists, does not exist, or the server failed it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, PersistentSubscriptionError } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url, {
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * await assert.rejects(
 *   conn.deleteSubscription("workers", "orders"),
 *   (error) => error instanceof PersistentSubscriptionError && error.result === "does-not-exist",
 * );
 * ```
 */
export class PersistentSubscriptionError extends PhotonPumpError {
  /** What the server answered. */
  readonly result: "already-exists" | "does-not-exist" | "failed";
  /** The group name. */
  readonly group: string;
  /** The group's stream. */
  readonly stream: string;
  /** `message` is the full message (the server's reason included). */
  constructor(
    result: "already-exists" | "does-not-exist" | "failed",
    group: string,
    stream: string,
    message: string,
    options?: PhotonPumpErrorOptions,
  ) {
    super(message, options);
    this.result = result;
    this.group = group;
    this.stream = stream;
  }
}
