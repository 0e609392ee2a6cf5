/**
 * One protocol connection over a {@linkcode Duplex}: the read loop (bytes → framing → dispatcher),
 * one writer with backpressure, heartbeats, the IdentifyClient handshake, per-operation timeouts
 * and cancellation, and a clean close. Its state is data ({@linkcode ConnectionState}).
 *
 * Retries and reconnection are not this module's job: a `retry` disposition fails the operation
 * here unless an `onRetry` hook takes it (the resilience layer re-executes it elsewhere).
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import {
  BadRequestError,
  ConnectionClosedError,
  OperationTimeoutError,
  ProtocolError,
} from "../errors.ts";
import type { Duplex } from "../wire/duplex.ts";
import { FrameDecoderStream } from "../wire/frame_decoder_stream.ts";
import { newGuid, ZERO_GUID } from "../wire/guid.ts";
import { DEFAULT_MAX_PACKAGE_SIZE, encodePackage, type Package } from "../wire/package_codec.ts";
import { encodeMessage } from "../wire/proto_codec.ts";
import { TcpCommand } from "../wire/tcp_command.ts";
import { IdentifyClientSchema } from "../../gen/client_messages_pb.ts";
import { Dispatcher } from "./dispatcher.ts";
import { Heartbeat } from "./heartbeat.ts";
import { type Operation, RequestOperation } from "./operation.ts";

/** The state of a connection. */
export type ConnectionState =
  /** Handshaking (IdentifyClient sent, ClientIdentified not yet received). */
  | { readonly status: "connecting"; readonly name: string }
  /** Ready for operations. */
  | { readonly status: "connected"; readonly name: string }
  /**
   * The connection was lost and a new one is being made (only a reconnecting executor, see
   * `reconnecting_executor.ts`, enters this state): `attempt` counts reconnection attempts from 1,
   * `error` says why the last connection (or attempt) ended. Operations wait meanwhile.
   */
  | {
    readonly status: "reconnecting";
    readonly name: string;
    readonly attempt: number;
    readonly error: Error | undefined;
  }
  /** Closed for good; `error` says why when it was not `close()`. */
  | { readonly status: "closed"; readonly name: string; readonly error: Error | undefined };

/** Per-call options of {@linkcode OperationExecutor.execute}. */
export interface ExecuteOptions {
  /** Cancels the operation: it is forgotten and its promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Milliseconds to wait for the reply (default: the connection's operation timeout). */
  readonly timeout?: number;
}

/** Runs operations. A plain {@linkcode Connection} is one; a reconnecting client can be another. */
export interface OperationExecutor {
  /** The current state. */
  readonly state: ConnectionState;
  /** Calls `listener` on every state change; returns a function that stops it. */
  watch(listener: (state: ConnectionState) => void): () => void;
  /** Sends `operation` and resolves with its result. */
  execute<T>(operation: Operation<T>, options?: ExecuteOptions): Promise<T>;
  /** Closes; pending operations fail with `ConnectionClosedError`. */
  close(): Promise<void>;
}

/** Settings of {@linkcode Connection.open}. */
export interface ConnectionOptions {
  /** Connection name sent in IdentifyClient (default `ES-<guid>`). */
  readonly name?: string;
  /** Default operation timeout in ms (default 7000). */
  readonly operationTimeout?: number;
  /** Time allowed for the IdentifyClient handshake in ms (default: the operation timeout). */
  readonly handshakeTimeout?: number;
  /** Heartbeat interval in ms (default 750). */
  readonly heartbeatInterval?: number;
  /** Heartbeat timeout in ms (default 1500). */
  readonly heartbeatTimeout?: number;
  /** Largest package accepted or sent (default 64 MiB). */
  readonly maxPackageSize?: number;
  /** Timers (default: the system clock). */
  readonly clock?: Clock;
  /** Aborts the handshake. */
  readonly signal?: AbortSignal;
  /**
   * Called when an operation's attempt asks to be retried (NotHandled, server timeouts). Return
   * true if the hook took the operation over; otherwise it fails with the attempt's error.
   */
  readonly onRetry?: (operation: Operation<unknown>, error: Error) => boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * A connection to one server.
 *
 * @example
 * ```ts ignore
 * import { Connection } from "./connection.ts";
 * import { tcpDialer } from "./transport.ts";
 * const duplex = await tcpDialer({ hostname: "localhost", port: 1113 }, {
 *   tls: undefined, signal: AbortSignal.timeout(1000),
 * });
 * await using connection = await Connection.open(duplex);
 * ```
 */
export class Connection implements OperationExecutor {
  readonly #duplex: Duplex;
  readonly #dispatcher = new Dispatcher();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #heartbeat: Heartbeat;
  readonly #clock: Clock;
  readonly #operationTimeout: number;
  readonly #maxPackageSize: number;
  readonly #onRetry: ConnectionOptions["onRetry"];
  readonly #readLoop: Promise<void>;
  /** Stops the read loop (cancelling the duplex's readable, which we hold locked). */
  readonly #stopReading = new AbortController();
  readonly #listeners = new Set<(state: ConnectionState) => void>();
  #state: ConnectionState;

  private constructor(duplex: Duplex, options: ConnectionOptions) {
    this.#duplex = duplex;
    this.#clock = options.clock ?? systemClock;
    this.#operationTimeout = options.operationTimeout ?? 7000;
    this.#maxPackageSize = options.maxPackageSize ?? DEFAULT_MAX_PACKAGE_SIZE;
    this.#onRetry = options.onRetry;
    this.#state = { status: "connecting", name: options.name ?? `ES-${newGuid()}` };
    this.#writer = duplex.writable.getWriter();
    this.#writer.closed.catch((error) => this.#terminate(closedBy("writing failed", error)));
    this.#heartbeat = new Heartbeat({
      interval: options.heartbeatInterval ?? 750,
      timeout: options.heartbeatTimeout ?? 1500,
      clock: this.#clock,
      sendRequest: () =>
        this.#sendControl({
          command: TcpCommand.HeartbeatRequest,
          correlationId: newGuid(),
          payload: EMPTY,
        }),
      onTimeout: () =>
        this.#terminate(new ConnectionClosedError("The server stopped answering heartbeats")),
    });
    this.#readLoop = duplex.readable
      .pipeThrough(new FrameDecoderStream({ maxPackageSize: this.#maxPackageSize }))
      .pipeTo(new WritableStream({ write: (pkg) => this.#receive(pkg) }), {
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
   * @throws {OperationTimeoutError} if the server does not answer within the operation timeout
   */
  static async open(duplex: Duplex, options: ConnectionOptions = {}): Promise<Connection> {
    const connection = new Connection(duplex, options);
    try {
      await connection.#run(
        new RequestOperation("IdentifyClient", {
          command: TcpCommand.IdentifyClient,
          payload: encodeMessage(IdentifyClientSchema, {
            version: 1,
            connectionName: connection.#state.name,
          }),
          responseCommand: TcpCommand.ClientIdentified,
          decode: () => undefined,
        }),
        { signal: options.signal, timeout: options.handshakeTimeout },
      );
    } catch (error) {
      await connection.close();
      throw error;
    }
    connection.#setState({ status: "connected", name: connection.#state.name });
    connection.#heartbeat.start();
    return connection;
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Number of operations waiting for packages. */
  get pendingOperations(): number {
    return this.#dispatcher.size;
  }

  /**
   * Calls `listener` on every state change; returns a function that stops it.
   *
   * @example
   * ```ts ignore
   * const stop = connection.watch((state) => console.log(state.status));
   * stop();
   * ```
   */
  watch(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Sends `operation` and resolves with its result.
   *
   * @throws {ConnectionClosedError} if the connection is closed or closes before the reply
   * @throws {OperationTimeoutError} if no reply arrives within the timeout
   */
  execute<T>(operation: Operation<T>, options: ExecuteOptions = {}): Promise<T> {
    if (this.#state.status !== "connected") {
      operation.fail(this.#closedError());
      return operation.result;
    }
    return this.#run(operation, options);
  }

  /**
   * Sends one more package with an operation's correlation id (e.g. an unsubscribe or an ack).
   *
   * @throws {ConnectionClosedError} if the connection is closed
   * @throws {TypeError} if the operation is not registered
   */
  async sendFor(
    operation: Operation<unknown>,
    request: { command: number; payload: Uint8Array },
  ): Promise<void> {
    const correlationId = this.#dispatcher.correlationIdOf(operation);
    if (correlationId === undefined) throw new TypeError(`${operation.name} is not active`);
    await this.#send({ ...request, correlationId, credentials: operation.credentials });
  }

  /** Forgets an operation without failing it (a subscription that ended by itself). */
  release(operation: Operation<unknown>): void {
    this.#dispatcher.remove(operation);
  }

  async #run<T>(operation: Operation<T>, options: ExecuteOptions): Promise<T> {
    const timeout = options.timeout ?? this.#operationTimeout;
    const timeoutController = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, timeoutController.signal])
      : timeoutController.signal;
    const onAbort = () => {
      this.#dispatcher.remove(operation);
      operation.fail(
        signal.reason instanceof Error ? signal.reason : new DOMException("Aborted", "AbortError"),
      );
    };
    const timer = this.#clock.setTimeout(
      () => timeoutController.abort(new OperationTimeoutError(operation.name, timeout)),
      timeout,
    );
    try {
      if (signal.aborted) {
        onAbort();
      } else {
        signal.addEventListener("abort", onAbort, { once: true });
        this.#start(operation);
      }
      return await operation.result;
    } finally {
      this.#clock.clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Registers and sends one attempt; an encoding error (e.g. a too-large package) fails it. */
  #start(operation: Operation<unknown>): void {
    try {
      const request = operation.createRequest();
      const bytes = encodePackage(
        {
          command: request.command,
          correlationId: this.#dispatcher.register(operation),
          credentials: operation.credentials,
          payload: request.payload,
        },
        this.#maxPackageSize,
      );
      this.#write(bytes).catch(() => {}); // a failed write terminates the connection
    } catch (error) {
      this.#dispatcher.remove(operation);
      operation.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    // One writer for everybody: waiting for `ready` is the backpressure.
    await this.#writer.ready;
    await this.#writer.write(bytes);
  }

  async #send(pkg: Package): Promise<void> {
    if (this.#state.status === "closed") throw this.#closedError();
    await this.#write(encodePackage(pkg, this.#maxPackageSize));
  }

  #sendControl(pkg: Package): void {
    if (this.#state.status === "closed") return;
    this.#write(encodePackage(pkg)).catch(() => {});
  }

  #receive(pkg: Package): void {
    this.#heartbeat.received();
    switch (pkg.command) {
      case TcpCommand.HeartbeatRequest:
        this.#sendControl({
          command: TcpCommand.HeartbeatResponse,
          correlationId: pkg.correlationId,
          payload: EMPTY,
        });
        return;
      case TcpCommand.HeartbeatResponse:
        return;
      case TcpCommand.BadRequest:
        if (pkg.correlationId === ZERO_GUID) {
          const cause = new BadRequestError(
            `The server rejected the connection: ${new TextDecoder().decode(pkg.payload)}`,
          );
          this.#terminate(
            new ConnectionClosedError("The server sent a connection-wide BadRequest", { cause }),
          );
          return;
        }
    }
    const outcome = this.#dispatcher.dispatch(pkg);
    if (outcome.kind === "malformed") {
      this.#terminate(
        new ConnectionClosedError(`Closed after a malformed ${outcome.operation.name} reply`, {
          cause: outcome.error,
        }),
      );
    } else if (outcome.kind === "routed" && outcome.disposition.kind === "retry") {
      const { operation, disposition } = outcome;
      if (!this.#onRetry?.(operation, disposition.error)) operation.fail(disposition.error);
    }
  }

  #closedError(): ConnectionClosedError {
    const state = this.#state;
    if (state.status === "closed" && state.error) {
      return new ConnectionClosedError(state.error.message, { cause: state.error });
    }
    return new ConnectionClosedError("The connection is closed");
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    for (const listener of this.#listeners) {
      try {
        listener(state);
      } catch {
        // A listener's failure must not break the connection.
      }
    }
  }

  /** Moves to `closed` once: fails everything pending and releases the duplex. */
  #terminate(error: Error | undefined): void {
    if (this.#state.status === "closed") return;
    this.#heartbeat.stop();
    this.#setState({ status: "closed", name: this.#state.name, error });
    this.#dispatcher.failAll(
      error instanceof ConnectionClosedError
        ? error
        : new ConnectionClosedError("The connection was closed", { cause: error }),
    );
    this.#writer.abort(error).catch(() => {});
    this.#stopReading.abort(error);
    this.#duplex.close();
  }

  /** Closes the connection; pending operations fail with `ConnectionClosedError`. Idempotent. */
  async close(): Promise<void> {
    this.#terminate(undefined);
    await this.#readLoop;
  }

  /** Same as {@linkcode Connection.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `Connection(<name>, <status>)`; never includes credentials. */
  toString(): string {
    return `Connection(${this.#state.name}, ${this.#state.status})`;
  }
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
