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

/** Base class of every error photonpump raises for server or network conditions. */
export class PhotonPumpError extends Error {
  /** Creates the error with a message and an optional cause. */
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
  | "unexpected-command";

/**
 * A peer sent bytes that do not follow the protocol: a bad length prefix, an auth block that does
 * not fit, an undecodable payload or a required sub-message that is missing. The connection that
 * carried it is closed; operations on it fail or are retried.
 */
export class ProtocolError extends PhotonPumpError {
  /** What was wrong with the input. */
  readonly kind: ProtocolErrorKind;
  /** The command byte of the package, when known. */
  readonly command?: number;
  /** Creates the error. */
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

/** The connection closed (by `close()`, by the server, or for good after failed reconnects). */
export class ConnectionClosedError extends PhotonPumpError {}

/**
 * No connection could be made: every attempt failed, the first-connect deadline passed, or a
 * failure no retry can fix ended the attempts early. `cause` is the last attempt's error.
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

/** An operation got no answer within its timeout. */
export class OperationTimeoutError extends PhotonPumpError {
  /** The operation that timed out, e.g. `"WriteEvents"`. */
  readonly operation: string;
  /** The timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Creates the error. */
  constructor(operation: string, timeoutMs: number, options?: PhotonPumpErrorOptions) {
    super(`${operation} timed out after ${timeoutMs} ms`, options);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/** An operation failed on every attempt the retry policy allowed. */
export class RetriesExhaustedError extends PhotonPumpError {
  /** The operation, e.g. `"WriteEvents"`. */
  readonly operation: string;
  /** How many attempts were made. */
  readonly attempts: number;
  /** Creates the error. */
  constructor(operation: string, attempts: number, options?: PhotonPumpErrorOptions) {
    super(`${operation} failed after ${attempts} attempts`, options);
    this.operation = operation;
    this.attempts = attempts;
  }
}

/** An append, delete or transaction commit found the stream at another version than expected. */
export class WrongExpectedVersionError extends PhotonPumpError {
  /** The stream written to. */
  readonly stream: string;
  /** The expected version sent. */
  readonly expectedVersion: bigint;
  /** The stream's current version as the server reported it (-1 for no stream). */
  readonly currentVersion: bigint | undefined;
  /** Creates the error. */
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

/** The stream was hard-deleted (or soft-deleted, where that forbids the operation). */
export class StreamDeletedError extends PhotonPumpError {
  /** The deleted stream. */
  readonly stream: string;
  /** Creates the error. */
  constructor(stream: string, options?: PhotonPumpErrorOptions) {
    super(`Stream "${stream}" is deleted`, options);
    this.stream = stream;
  }
}

/** The credentials used may not perform this operation. */
export class AccessDeniedError extends PhotonPumpError {
  /** The stream the operation was on (`"$all"` for `$all` reads). */
  readonly stream: string;
  /** The operation, e.g. `"read"`, `"write"`. */
  readonly operation: string;
  /** Creates the error. */
  constructor(stream: string, operation: string, options?: PhotonPumpErrorOptions) {
    super(`Access denied: cannot ${operation} stream "${stream}"`, options);
    this.stream = stream;
    this.operation = operation;
  }
}

/** The server rejected the credentials (wrong login or password, or none where required). */
export class NotAuthenticatedError extends PhotonPumpError {}

/**
 * The server rejected the default credentials when `connect()` authenticated them (the protocol's
 * Authenticate command). Names the login, never the password; not retried.
 */
export class AuthenticationError extends NotAuthenticatedError {
  /** The login that was rejected. */
  readonly login: string;
  /** Creates the error. */
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
 */
export class WrongPortError extends ConnectionClosedError {
  /** The host connected to. */
  readonly host: string;
  /** The port connected to. */
  readonly port: number;
  /** What the peer speaks. */
  readonly peer: PeerProtocol;
  /** Creates the error. */
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

/** The stream does not exist (never written, or soft-deleted). */
export class StreamNotFoundError extends PhotonPumpError {
  /** The stream that was read. */
  readonly stream: string;
  /** Creates the error. */
  constructor(stream: string, options?: PhotonPumpErrorOptions) {
    super(`Stream "${stream}" not found`, options);
    this.stream = stream;
  }
}

/** The stream exists but has no readable event at that number. */
export class EventNotFoundError extends PhotonPumpError {
  /** The stream that was read. */
  readonly stream: string;
  /** The event number asked for. */
  readonly eventNumber: bigint;
  /** Creates the error. */
  constructor(stream: string, eventNumber: bigint, options?: PhotonPumpErrorOptions) {
    super(`Event ${eventNumber} not found in stream "${stream}"`, options);
    this.stream = stream;
    this.eventNumber = eventNumber;
  }
}

/** The server answered BadRequest: it could not decode or accept what was sent. */
export class BadRequestError extends PhotonPumpError {}

/** The server reported an error of its own (a read `Error` result, a transaction failure, …). */
export class ServerError extends PhotonPumpError {}

/** The node would not handle the request (not ready, too busy, not the leader, read-only). */
export class NotHandledError extends PhotonPumpError {
  /** Why the node did not handle it. */
  readonly reason: "NotReady" | "TooBusy" | "NotLeader" | "IsReadOnly";
  /** Creates the error. */
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
  /** Creates the error. */
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
  /** Creates the error. */
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
  /** Creates the error. */
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
 * import { SubscriptionDroppedError } from "./errors.ts";
 * const error = new SubscriptionDroppedError("consumer-too-slow", "orders");
 * console.log(error.message); // Subscription to "orders" dropped: consumer-too-slow
 * ```
 */
export class SubscriptionDroppedError extends PhotonPumpError {
  /** Why the subscription was dropped. */
  readonly reason: DropReason;
  /** The subscribed stream (`"$all"` for `$all`). */
  readonly stream: string;
  /** Creates the error. */
  constructor(reason: DropReason, stream: string, options?: PhotonPumpErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`Subscription to "${stream}" dropped: ${reason}${cause}`, options);
    this.reason = reason;
    this.stream = stream;
  }
}

/** The server's TLS certificate could not be verified; connecting again will not help. */
export class TlsCertificateError extends PhotonPumpError {
  /** The host connected to. */
  readonly host: string;
  /** The port connected to. */
  readonly port: number;
  /** Creates the error. */
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

/** Discovery found no usable node after every attempt. */
export class DiscoveryError extends PhotonPumpError {
  /** How many rounds were made. */
  readonly attempts: number;
  /** Creates the error. */
  constructor(attempts: number, options?: PhotonPumpErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`Cannot discover a cluster node after ${attempts} attempts${why}`, options);
    this.attempts = attempts;
  }
}

/** A group operation was refused (the group exists, does not exist, or the server failed it). */
export class PersistentSubscriptionError extends PhotonPumpError {
  /** What the server answered. */
  readonly result: "already-exists" | "does-not-exist" | "failed";
  /** The group name. */
  readonly group: string;
  /** The group's stream. */
  readonly stream: string;
  /** Creates the error. */
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
