/**
 * One protocol connection over a {@linkcode Duplex}, wired as the pipeline of `README.md`:
 * `duplex.readable` → `SkippingFrameDecoderStream` (bytes received feed the heartbeat; the
 * packages of each socket chunk come out as one batch) → `MessageDecoderStream` (a batch of
 * messages) → one loop over the batch, each message routed by the {@linkcode Dispatcher}
 * (by correlation id) → the operations; and the operations' packages, encoded, → `OutgoingQueue`
 * (bounded in bytes, coalescing; a peer that reads nothing for the heartbeat timeout closes the
 * connection with `PeerNotReadingError`) → `duplex.writable`. It also answers and sends heartbeats and makes the
 * IdentifyClient handshake. A reply over the maximum package size fails only the operation it
 * answers (`FrameTooLargeError`), and the connection goes on.
 *
 * A connection runs no deadlines and makes no retries: whoever owns the call does (the executor).
 * It reports every decision an operation makes and, when it closes, the operations still on it.
 *
 * @module
 */

import {
  AuthenticationError,
  BadRequestError,
  ConnectionClosedError,
  FrameTooLargeError,
  NotAuthenticatedError,
  ProtocolError,
  WrongPortError,
} from "../errors.ts";
import { sniffPeer } from "../wire/peer_sniffer.ts";
import type { Endpoint } from "./transport.ts";
import type { Credentials } from "../wire/package_codec.ts";
import type { Duplex } from "../wire/duplex.ts";
import {
  type DecodedFrame,
  SkippingFrameDecoderStream,
} from "../wire/skipping_frame_decoder_stream.ts";
import { newGuid, ZERO_GUID } from "../wire/guid.ts";
import { type Message, textOf } from "../wire/message.ts";
import { MessageDecoderStream } from "../wire/message_decoder_stream.ts";
import { encodePackage, type Package } from "../wire/package_codec.ts";
import { OutgoingQueue } from "../wire/outgoing_queue.ts";
import { encodeMessage } from "../wire/proto_codec.ts";
import { carriesEvents, commandName, TcpCommand } from "../wire/tcp_command.ts";
import { IdentifyClientSchema } from "../../gen/client_messages_pb.ts";
import type { Clock } from "../clock.ts";
import type { PackageSummary } from "../logger.ts";
import { Dispatcher } from "./dispatcher.ts";
import { Heartbeat } from "../wire/heartbeat.ts";
import {
  COMPLETE,
  type Decision,
  type Operation,
  type OutgoingRequest,
  RequestOperation,
} from "./operation.ts";

/** The resolved settings of one connection (see `settings.ts`; no defaults here). */
export interface ConnectionSettings {
  /** Connection name sent in IdentifyClient. */
  readonly name: string;
  /** Idle time before a heartbeat request, in ms. */
  readonly heartbeatInterval: number;
  /** Silence after a heartbeat request that closes the connection, in ms. */
  readonly heartbeatTimeout: number;
  /** Largest package accepted or sent, in bytes. */
  readonly maxPackageSize: number;
  /**
   * Bytes queued for sending before new sends wait (one larger package still goes out alone).
   * A peer that reads none of them for `heartbeatTimeout` gets the connection closed.
   */
  readonly maxQueuedBytes: number;
  /** Timers. */
  readonly clock: Clock;
  /** Credentials checked with Authenticate after the handshake (the default ones), if any. */
  readonly authenticate?: Credentials;
  /** Called with every package sent and received (debug logging), if set. */
  readonly onPackage?: (direction: "sent" | "received", pkg: PackageSummary) => void;
}

/** What a connection tells its owner. */
export interface ConnectionEvents {
  /** An operation answered a message routed to it. */
  decided(connection: Connection, operation: Operation<unknown>, decision: Decision): void;
  /**
   * The connection closed (`error` says why unless it was `close()`); `operations` were still on
   * it and have been neither failed nor forgotten by anyone else: the owner decides.
   */
  closed(connection: Connection, error: Error | undefined, operations: Operation<unknown>[]): void;
}

const EMPTY = new Uint8Array(0);

/**
 * A connection to one server. Open one with {@linkcode Connection.open}.
 */
export class Connection {
  /** The connection name. */
  readonly name: string;
  readonly #duplex: Duplex;
  readonly #settings: ConnectionSettings;
  readonly #events: ConnectionEvents;
  readonly #dispatcher = new Dispatcher();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #queue: OutgoingQueue;
  /** Sends waiting for room in the queue, cancelled when their operation is released. */
  readonly #waiting = new Map<Operation<unknown>, AbortController>();
  readonly #heartbeat: Heartbeat;
  readonly #readLoop: Promise<void>;
  /** Stops the read loop (cancelling the duplex's readable, which the pipeline holds locked). */
  readonly #stopReading = new AbortController();
  /** Operations the connection runs for itself (the handshake): not reported to the owner. */
  readonly #own = new WeakSet<Operation<unknown>>();
  #closed = false;
  #closeError: Error | undefined;
  /** The endpoint while the handshake runs: the first bytes are sniffed for a wrong port. */
  #peer: Endpoint | undefined;

  private constructor(duplex: Duplex, settings: ConnectionSettings, events: ConnectionEvents) {
    this.name = settings.name;
    this.#duplex = duplex;
    this.#settings = settings;
    this.#events = events;
    this.#writer = duplex.writable.getWriter();
    this.#queue = new OutgoingQueue(this.#writer, {
      maxBytes: settings.maxQueuedBytes,
      stallTimeout: settings.heartbeatTimeout,
      clock: settings.clock,
      onStall: (error) => this.#terminate(error),
      onError: (error) => this.#terminate(closedBy("writing failed", error)),
    });
    this.#heartbeat = new Heartbeat({
      interval: settings.heartbeatInterval,
      timeout: settings.heartbeatTimeout,
      clock: settings.clock,
      sendRequest: () =>
        this.#write({
          command: TcpCommand.HeartbeatRequest,
          correlationId: newGuid(),
          payload: EMPTY,
        }),
      onTimeout: () =>
        this.#terminate(new ConnectionClosedError("The server stopped answering heartbeats")),
    });
    // One stage hop per socket chunk, not per package: the framing stage emits the packages a
    // chunk completed as one batch, decoded as one batch and routed in one loop. A reply over the
    // maximum is skipped by its header (it fails only its operation), and only packages carrying
    // event bytes are copied out of the socket chunk (docs/protocol.md §1.2): a delivered event
    // pins its own package and nothing else. Bytes received feed the heartbeat before framing.
    const frames = duplex.readable.pipeThrough(
      new SkippingFrameDecoderStream({
        maxPackageSize: settings.maxPackageSize,
        retains: carriesEvents,
        onChunk: (chunk) => this.#received(chunk),
      }),
    );
    const onPackage = settings.onPackage;
    this.#readLoop = (onPackage ? frames.pipeThrough(packageTap(onPackage)) : frames)
      .pipeThrough(new MessageDecoderStream())
      .pipeTo(new WritableStream({ write: (messages) => this.#receiveAll(messages) }), {
        signal: this.#stopReading.signal,
      })
      .then(
        () => this.#terminate(new ConnectionClosedError("The server closed the connection")),
        (error) => this.#terminate(closedBy("reading failed", error)),
      );
  }

  /**
   * Starts a connection over `duplex`: sends IdentifyClient and resolves once the server answers
   * ClientIdentified. On failure the duplex is closed.
   *
   * @throws {ConnectionClosedError} if the connection ends during the handshake
   * @throws the reason of `signal` when it aborts first (the caller's connect deadline)
   */
  static async open(
    duplex: Duplex,
    settings: ConnectionSettings,
    events: ConnectionEvents,
    signal: AbortSignal,
    peer: Endpoint = { hostname: "unknown", port: 0 },
  ): Promise<Connection> {
    const connection = new Connection(duplex, settings, events);
    connection.#peer = peer;
    const handshake = new RequestOperation("IdentifyClient", {
      command: TcpCommand.IdentifyClient,
      payload: encodeMessage(IdentifyClientSchema, { version: 1, connectionName: settings.name }),
      responseCommand: TcpCommand.ClientIdentified,
      decode: () => undefined,
    });
    const credentials = settings.authenticate;
    // The official .NET client checks default credentials at connect (docs/protocol.md §4.3).
    const authenticate = credentials && new RequestOperation("Authenticate", {
      command: TcpCommand.Authenticate,
      payload: new Uint8Array(0),
      responseCommand: TcpCommand.Authenticated,
      credentials,
      decode: () => undefined,
    });
    let current: { fail(error: Error): void } = handshake;
    const onAbort = (): void => current.fail(abortReason(signal));
    try {
      signal.throwIfAborted();
      signal.addEventListener("abort", onAbort, { once: true });
      connection.#own.add(handshake);
      connection.send(handshake);
      await handshake.result;
      if (authenticate) {
        current = authenticate;
        connection.#own.add(authenticate);
        connection.send(authenticate);
        await authenticate.result.catch((error) => {
          throw error instanceof NotAuthenticatedError
            ? new AuthenticationError(credentials.username, error.message, { cause: error })
            : error;
        });
      }
    } catch (error) {
      await connection.close();
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    connection.#peer = undefined;
    connection.#heartbeat.start();
    return connection;
  }

  /** True once the connection has closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Why the connection closed, if it closed for a reason. */
  get closeError(): Error | undefined {
    return this.#closeError;
  }

  /** Number of operations waiting for messages. */
  get pendingOperations(): number {
    return this.#dispatcher.size;
  }

  /**
   * Registers `operation` under a fresh correlation id and sends its request. An operation that
   * cannot be encoded (too large, an over-long credential) fails at once and is not registered:
   * the answer is then false. When the outgoing queue is full the request waits for room, in
   * order, until the operation is released (its deadline passed) or the connection closes.
   *
   * @throws {ConnectionClosedError} if the connection is closed
   */
  send(operation: Operation<unknown>): boolean {
    if (this.#closed) throw this.#closedError();
    const correlationId = newGuid();
    let bytes: Uint8Array;
    try {
      bytes = this.#encode(operation, operation.createRequest(), correlationId);
    } catch (error) {
      operation.fail(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    this.#dispatcher.register(operation, correlationId);
    if (!this.#queue.trySend(bytes)) {
      const cancel = new AbortController();
      this.#waiting.set(operation, cancel);
      const settle = (): void => {
        if (this.#waiting.get(operation) === cancel) this.#waiting.delete(operation);
      };
      this.#queue.send(bytes, cancel.signal).then(settle, settle);
    }
    return true;
  }

  /** Bytes queued for sending and not yet taken by the socket. */
  get queuedBytes(): number {
    return this.#queue.queuedBytes;
  }

  /**
   * Sends one more package with an operation's correlation id (an unsubscribe, an ack).
   *
   * @throws {ConnectionClosedError} if the connection is closed or the operation is not on it
   */
  async sendFor(operation: Operation<unknown>, request: OutgoingRequest): Promise<void> {
    const correlationId = this.#dispatcher.correlationIdOf(operation);
    if (this.#closed || correlationId === undefined) {
      throw new ConnectionClosedError(`${operation.name} is not on a live connection`);
    }
    await this.#queue.send(this.#encode(operation, request, correlationId));
  }

  /**
   * The bytes of `operation`'s `request` under `correlationId`, shown to the `onPackage` hook.
   *
   * @throws {RangeError} if a credential is too long or the package exceeds the maximum size
   */
  #encode(
    operation: Operation<unknown>,
    request: OutgoingRequest,
    correlationId: string,
  ): Uint8Array {
    const bytes = encodePackage(
      {
        command: request.command,
        correlationId,
        credentials: operation.credentials,
        payload: request.payload,
      },
      this.#settings.maxPackageSize,
    );
    this.#settings.onPackage?.("sent", {
      command: request.command,
      correlationId,
      payload: bytes.subarray(bytes.length - request.payload.byteLength),
    });
    return bytes;
  }

  /**
   * Forgets an operation without failing it (a request still waiting for room in the queue is
   * not sent); returns whether it was on this connection.
   */
  release(operation: Operation<unknown>): boolean {
    const waiting = this.#waiting.get(operation);
    if (waiting) {
      this.#waiting.delete(operation);
      waiting.abort();
    }
    return this.#dispatcher.remove(operation);
  }

  /**
   * Queues a control package (a heartbeat) if there is room: never waits. When the queue is
   * full the peer is not reading, and would not read this either.
   */
  #write(pkg: Package): void {
    if (this.#closed) return;
    this.#settings.onPackage?.("sent", pkg);
    this.#queue.trySend(encodePackage(pkg));
  }

  /** Bytes arrived: liveness, and during the handshake a check of what the peer speaks. */
  #received(chunk: Uint8Array): void {
    this.#heartbeat.received();
    const peer = this.#peer;
    if (peer === undefined) return;
    this.#peer = undefined;
    const speaks = sniffPeer(chunk);
    if (speaks) this.#terminate(new WrongPortError(peer.hostname, peer.port, speaks));
  }

  /** Routes one batch (the messages of one socket chunk) in order, until the connection closes. */
  #receiveAll(messages: readonly Message[]): void {
    for (let i = 0; i < messages.length && !this.#closed; i++) this.#receive(messages[i]);
  }

  #receive(message: Message): void {
    if (message.oversized !== undefined) return this.#rejectOversized(message, message.oversized);
    switch (message.command) {
      case TcpCommand.HeartbeatRequest:
        this.#write({
          command: TcpCommand.HeartbeatResponse,
          correlationId: message.correlationId,
          payload: EMPTY,
        });
        return;
      case TcpCommand.HeartbeatResponse:
        return;
      case TcpCommand.BadRequest:
        if (message.correlationId === ZERO_GUID) {
          const cause = new BadRequestError(
            `The server rejected the connection: ${textOf(message)}`,
          );
          this.#terminate(
            new ConnectionClosedError("The server sent a connection-wide BadRequest", { cause }),
          );
          return;
        }
    }
    const outcome = this.#dispatcher.dispatch(message);
    if (outcome.kind === "malformed") {
      this.#terminate(
        new ConnectionClosedError(`Closed after a malformed ${outcome.operation.name} reply`, {
          cause: outcome.error,
        }),
      );
    } else if (outcome.kind === "routed") {
      const { operation, decision } = outcome;
      if (!this.#own.has(operation)) this.#events.decided(this, operation, decision);
      else if (decision.kind === "retry" || decision.kind === "redirect") {
        operation.fail(decision.error);
      }
    }
  }

  /** Fails the operation an oversized reply answers; the connection goes on. */
  #rejectOversized(message: Message, size: number): void {
    const operation = this.#dispatcher.take(message.correlationId);
    if (operation === undefined) return; // a late reply, or no operation's (a heartbeat)
    operation.fail(
      new FrameTooLargeError({
        operation: operation.name,
        command: message.command,
        commandName: commandName(message.command),
        correlationId: message.correlationId,
        size,
        maxPackageSize: this.#settings.maxPackageSize,
      }),
    );
    // It settled itself: the owner forgets it (a subscription ends with the error).
    if (!this.#own.has(operation)) this.#events.decided(this, operation, COMPLETE);
  }

  #closedError(): ConnectionClosedError {
    const error = this.#closeError;
    if (error instanceof ConnectionClosedError) return error;
    if (error) return new ConnectionClosedError(error.message, { cause: error });
    return new ConnectionClosedError("The connection is closed");
  }

  /** Closes once: hands the operations still on it to the owner and releases the duplex. */
  #terminate(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = error;
    this.#heartbeat.stop();
    const operations = this.#dispatcher.drain();
    const own = operations.filter((operation) => this.#own.has(operation));
    const failure = this.#closedError();
    for (const operation of own) operation.fail(failure);
    this.#events.closed(this, error, operations.filter((operation) => !this.#own.has(operation)));
    this.#waiting.clear();
    this.#queue.close(failure);
    this.#stopReading.abort(error);
    this.#duplex.close();
    // After the duplex: aborting first would error a pipe's stream under its own close().
    this.#writer.abort(error).catch(() => {});
  }

  /** Closes the connection; the owner is told which operations were on it. Idempotent. */
  async close(): Promise<void> {
    this.#terminate(undefined);
    await this.#readLoop;
  }

  /** `Connection(<name>, <open|closed>)`; never includes credentials. */
  toString(): string {
    return `Connection(${this.name}, ${this.#closed ? "closed" : "open"})`;
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("Aborted", "AbortError");
}

function closedBy(what: string, error: unknown): Error {
  if (error instanceof ProtocolError) {
    return new ConnectionClosedError(`Closed after a protocol error: ${error.message}`, {
      cause: error,
    });
  }
  return new ConnectionClosedError(
    `The connection was lost: ${what}: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}

/** Passes batches through, telling `onPackage` about each frame (debug logging on). */
function packageTap(
  onPackage: NonNullable<ConnectionSettings["onPackage"]>,
): TransformStream<DecodedFrame[], DecodedFrame[]> {
  return new TransformStream({
    transform(frames, controller) {
      for (const frame of frames) onPackage("received", frame);
      controller.enqueue(frames);
    },
  });
}
