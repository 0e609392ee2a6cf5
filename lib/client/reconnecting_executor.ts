/**
 * The resilient executor: an {@linkcode OperationExecutor} that owns the current
 * {@linkcode Connection}, makes a new one when it is lost, and re-sends the operations that were
 * waiting, as the official .NET client does (PROTOCOL.md §6.2).
 *
 * - A lost connection (server close, socket error, heartbeat timeout, malformed frame) moves the
 *   state to `reconnecting`; every `delay(attempt)` the executor dials again (through the endpoint
 *   source, which may run cluster discovery), up to `maxAttempts`, then closes for good.
 * - Operations are queued while there is no connection and sent when one is up. Operations in
 *   flight on a lost connection are re-sent on the next one, each attempt with a fresh correlation
 *   id (a late reply to an old attempt is ignored). Appends stay exactly-once because a re-sent
 *   request carries the same event ids (`createRequest()` is repeatable), so the server's
 *   idempotency rules (PROTOCOL.md §4.5) answer a duplicate with the original result.
 * - NotHandled NotReady/TooBusy (and NotLeader without leader info) re-sends after `retryDelay`;
 *   NotHandled NotLeader with the leader's endpoint reconnects to that endpoint, then re-sends.
 *   NotLeader is only ever sent for requests with `require_leader` set, so an operation that does
 *   not require the leader never triggers the redirect.
 * - Every send counts as an attempt; when an attempt fails retriably and `maxRetries` re-sends
 *   were already made, the operation fails with {@linkcode RetriesExhaustedError} carrying the
 *   number of attempts.
 * - The per-call `timeout` is the caller's deadline across all attempts (including time spent
 *   queued): when it passes the operation fails with {@linkcode OperationTimeoutError}. A server that
 *   silently stopped answering is found by the connection's heartbeats, not by operation timeouts.
 *
 * Subscriptions hook in two ways: an operation that implements {@linkcode ReconnectAware} is
 * re-sent on the next connection after its confirmed subscription's connection was lost (its
 * `createRequest()` builds the request from where it got to), and {@linkcode
 * ReconnectingExecutor.onReconnect} tells listeners when a new connection replaced a lost one.
 *
 * @module
 */

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import {
  ConnectionClosedError,
  NotHandledError,
  OperationTimeoutError,
  RetriesExhaustedError,
} from "../errors.ts";
import { newGuid } from "../wire/guid.ts";
import type { Package } from "../wire/package_codec.ts";
import { TcpCommand } from "../wire/tcp_command.ts";
import { isRetriable } from "./backoff.ts";
import {
  Connection,
  type ConnectionState,
  type ExecuteOptions,
  type OperationExecutor,
} from "./connection.ts";
import { StateBroadcaster } from "./connection_state.ts";
import { leaderEndpoint } from "./leader_info.ts";
import type { Disposition, Operation, OutgoingRequest } from "./operation.ts";
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_DELAY_MS,
  type ReconnectionOptions,
  type ReconnectionPolicy,
  resolveCount,
  resolveReconnection,
} from "./reconnection_policy.ts";
import { TlsCertificateError } from "./tls.ts";
import { type Dialer, type Endpoint, tcpDialer, type TlsOptions } from "./transport.ts";

/**
 * Where to connect: given the endpoint whose connection just failed (if any), resolves the
 * endpoint to dial. A fixed endpoint, or cluster discovery (see {@linkcode discoveryEndpoints}).
 */
export type EndpointSource = (
  failed: Endpoint | undefined,
  signal: AbortSignal,
) => Promise<Endpoint>;

/**
 * Implemented by operations that outlive their first reply (subscriptions). When the connection
 * carrying a *confirmed* one is lost, the executor asks it: `true` means "re-send me on the next
 * connection" (the executor calls `createRequest()` again and routes the new replies to
 * `handle()`; the re-send does not count against `maxRetries`), `false` means "fail me with
 * `error`". Operations lost before their first settling reply are retried like any other.
 */
export interface ReconnectAware {
  /** Decides whether to be re-sent after a connection loss. */
  onConnectionLost(error: Error): boolean;
}

/** Options of {@linkcode ReconnectingExecutor.open}. */
export interface ReconnectingExecutorOptions {
  /** Where to connect: a fixed endpoint or an {@linkcode EndpointSource}. */
  readonly endpoint: Endpoint | EndpointSource;
  /** Opens byte streams (default `Deno.connect`/`Deno.connectTls`). */
  readonly dialer?: Dialer;
  /** TLS settings, or undefined for plain TCP. */
  readonly tls?: TlsOptions;
  /** Connection name sent in IdentifyClient, the same on every connection (default `ES-<guid>`). */
  readonly name?: string;
  /** Default deadline of an operation in ms, across its attempts (default 7000). */
  readonly operationTimeout?: number;
  /** Time allowed for each dial plus handshake, in ms (default 7000). */
  readonly connectTimeout?: number;
  /** Heartbeat interval in ms (default 750). */
  readonly heartbeatInterval?: number;
  /** Heartbeat timeout in ms (default 1500). */
  readonly heartbeatTimeout?: number;
  /** Largest package accepted or sent. */
  readonly maxPackageSize?: number;
  /** Reconnection delay and attempts, or `false` to never reconnect (default 100 ms, 10). */
  readonly reconnection?: ReconnectionOptions | false;
  /**
   * Re-sends allowed per operation, or `"forever"` (default 10, as the .NET client). With 0 an
   * operation fails with the error of its only attempt instead of `RetriesExhaustedError`.
   */
  readonly maxRetries?: number | "forever";
  /** Pause before re-sending after NotHandled NotReady/TooBusy, in ms (default 200). */
  readonly retryDelay?: number;
  /** Timers (default: the system clock). */
  readonly clock?: Clock;
}

/** What {@linkcode ReconnectingExecutor.onReconnect} listeners get. */
export interface ReconnectInfo {
  /** The endpoint of the new connection. */
  readonly endpoint: Endpoint;
  /** Why the previous connection ended. */
  readonly error: Error | undefined;
}

/**
 * Turns a cluster discoverer into an {@linkcode EndpointSource}: each connection (after a failure:
 * each reconnection) runs discovery, asking the last gossip's members first and skipping the node
 * that failed (PROTOCOL.md §5.3).
 *
 * @example
 * ```ts ignore
 * import { ClusterDiscoverer } from "./discovery/discover_node.ts";
 * import { discoveryEndpoints, ReconnectingExecutor } from "./reconnecting_executor.ts";
 * const discoverer = new ClusterDiscoverer({ seeds: ["10.0.0.1:2113", "10.0.0.2:2113"] });
 * const executor = await ReconnectingExecutor.open({ endpoint: discoveryEndpoints(discoverer) });
 * ```
 */
export function discoveryEndpoints(discoverer: {
  discover(
    failed?: { host: string; port: number },
    signal?: AbortSignal,
  ): Promise<{ host: string; port: number }>;
}): EndpointSource {
  return async (failed, signal) => {
    const node = await discoverer.discover(
      failed && { host: failed.hostname, port: failed.port },
      signal,
    );
    return { hostname: node.host, port: node.port };
  };
}

/** One operation handed to the executor, across its attempts. */
interface Entry {
  readonly operation: Operation<unknown>;
  /** Deadline in ms (the call's timeout). */
  readonly timeout: number;
  /** Aborted when the entry ends, or by the caller's signal: stops the current attempt. */
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  /** Sends so far. */
  attempts: number;
  /** The attempt on the wire, if any. */
  attempt: Attempt | undefined;
  /** The connection carrying `attempt`. */
  connection: Connection | undefined;
  /** Settled by a reply (a subscription may still be attached). */
  settled: boolean;
  /** Over: the executor forgets it. */
  finished: boolean;
  deadline: TimerHandle | undefined;
  retryTimer: TimerHandle | undefined;
  removeAbortListener: (() => void) | undefined;
}

/**
 * One send of an operation: what the connection's dispatcher sees. It forwards packages to the
 * operation but keeps the connection's `fail()` calls (connection lost, NotHandled, timeout) for
 * the executor, which decides between re-sending and failing the operation.
 */
class Attempt implements Operation<unknown> {
  readonly name: string;
  readonly credentials: Operation<unknown>["credentials"];
  readonly result: Promise<unknown>;
  /** The leader endpoint of a NotHandled(NotLeader) reply. */
  leader: Endpoint | undefined;
  /** The last disposition was `continue` (a subscription). */
  continuing = false;
  readonly #operation: Operation<unknown>;
  readonly #tls: boolean;
  readonly #onFail: (attempt: Attempt, error: Error) => void;
  readonly #onComplete: (attempt: Attempt) => void;
  #reject!: (error: Error) => void;

  constructor(
    operation: Operation<unknown>,
    tls: boolean,
    onFail: (attempt: Attempt, error: Error) => void,
    onComplete: (attempt: Attempt) => void,
  ) {
    this.name = operation.name;
    this.credentials = operation.credentials;
    this.#operation = operation;
    this.#tls = tls;
    this.#onFail = onFail;
    this.#onComplete = onComplete;
    this.result = new Promise((resolve, reject) => {
      this.#reject = reject;
      operation.result.then(resolve, reject);
    });
  }

  createRequest(): OutgoingRequest {
    return this.#operation.createRequest();
  }

  handle(pkg: Package): Disposition {
    if (pkg.command === TcpCommand.NotHandled) this.leader = leaderEndpoint(pkg, this.#tls);
    const disposition = this.#operation.handle(pkg);
    this.continuing = disposition.kind === "continue";
    if (disposition.kind === "complete") this.#onComplete(this);
    return disposition;
  }

  fail(error: Error): void {
    this.#reject(error);
    this.#onFail(this, error);
  }
}

function noop(): void {}

function isReconnectAware(operation: unknown): operation is ReconnectAware {
  return typeof (operation as Partial<ReconnectAware>).onConnectionLost === "function";
}

function sameEndpoint(a: Endpoint | undefined, b: Endpoint | undefined): boolean {
  return a !== undefined && b !== undefined && a.hostname === b.hostname && a.port === b.port;
}

/**
 * An executor that reconnects and retries. Build one with {@linkcode ReconnectingExecutor.open}.
 *
 * @example
 * ```ts ignore
 * import { ReconnectingExecutor } from "./reconnecting_executor.ts";
 * import { exponentialBackoff } from "./backoff.ts";
 * await using executor = await ReconnectingExecutor.open({
 *   endpoint: { hostname: "localhost", port: 1113 },
 *   reconnection: { delay: exponentialBackoff({ maxMs: 5000 }), maxAttempts: "forever" },
 * });
 * for await (const state of executor.states()) console.log(state.status);
 * ```
 */
export class ReconnectingExecutor implements OperationExecutor {
  readonly #source: EndpointSource;
  readonly #dialer: Dialer;
  readonly #tls: TlsOptions | undefined;
  readonly #name: string;
  readonly #operationTimeout: number;
  readonly #connectTimeout: number;
  readonly #options: ReconnectingExecutorOptions;
  readonly #policy: ReconnectionPolicy;
  readonly #maxRetries: number;
  readonly #retryDelay: number;
  readonly #clock: Clock;
  readonly #states: StateBroadcaster;
  readonly #entries = new Set<Entry>();
  readonly #byOperation = new Map<Operation<unknown>, Entry>();
  readonly #reconnectListeners = new Set<(info: ReconnectInfo) => void>();
  /** Aborted by `close()`: stops dials and reconnection delays. */
  readonly #closing = new AbortController();
  #queue: Entry[] = [];
  #connection: Connection | undefined;
  #endpoint: Endpoint | undefined;
  /** The endpoint of the connection that was lost last (for discovery). */
  #failed: Endpoint | undefined;
  /** Leader endpoint from NotHandled(NotLeader): the next dial goes there. */
  #redirect: Endpoint | undefined;
  #loop: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  private constructor(options: ReconnectingExecutorOptions) {
    const endpoint = options.endpoint;
    this.#source = typeof endpoint === "function" ? endpoint : () => Promise.resolve(endpoint);
    this.#dialer = options.dialer ?? tcpDialer;
    this.#tls = options.tls;
    this.#name = options.name ?? `ES-${newGuid()}`;
    this.#operationTimeout = options.operationTimeout ?? 7000;
    this.#connectTimeout = options.connectTimeout ?? 7000;
    this.#policy = resolveReconnection(options.reconnection);
    this.#maxRetries = resolveCount(options.maxRetries, DEFAULT_MAX_RETRIES, "maxRetries");
    this.#retryDelay = options.retryDelay ?? DEFAULT_RETRY_DELAY_MS;
    if (!Number.isFinite(this.#retryDelay) || this.#retryDelay < 0) {
      throw new RangeError(`Invalid option "retryDelay" ${this.#retryDelay}: expected ms >= 0`);
    }
    this.#clock = options.clock ?? systemClock;
    this.#options = options;
    this.#states = new StateBroadcaster({ status: "connecting", name: this.#name });
  }

  /**
   * Connects (retrying the first connection as the reconnection policy allows) and resolves once
   * the server has identified the connection.
   *
   * @throws {ConnectionClosedError} when every attempt failed; `cause` is the last failure
   * @throws {RangeError} for an invalid option
   */
  static async open(options: ReconnectingExecutorOptions): Promise<ReconnectingExecutor> {
    const executor = new ReconnectingExecutor(options);
    await executor.#connectLoop(undefined, true);
    return executor;
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.#states.current;
  }

  /** The endpoint of the current connection, if connected. */
  get endpoint(): Endpoint | undefined {
    return this.#connection ? this.#endpoint : undefined;
  }

  /** Operations not yet finished (queued, in flight, or attached subscriptions). */
  get pendingOperations(): number {
    return this.#entries.size;
  }

  /**
   * Calls `listener` on every state change; returns a function that stops it.
   *
   * @example
   * ```ts ignore
   * const stop = executor.watch((state) => console.log(state.status));
   * ```
   */
  watch(listener: (state: ConnectionState) => void): () => void {
    return this.#states.watch(listener);
  }

  /**
   * The states as a stream: the current one, then each change; ends after `closed`.
   *
   * @example
   * ```ts ignore
   * for await (const state of executor.states()) console.log(state.status);
   * ```
   */
  states(signal?: AbortSignal): ReadableStream<ConnectionState> {
    return this.#states.stream(signal);
  }

  /**
   * Calls `listener` each time a new connection replaced a lost one (after queued operations
   * were re-sent); returns a function that stops it. The hook for subscriptions that resubscribe
   * by themselves.
   */
  onReconnect(listener: (info: ReconnectInfo) => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => {
      this.#reconnectListeners.delete(listener);
    };
  }

  /**
   * Runs `operation`, re-sending it after connection losses and NotHandled replies.
   *
   * @throws {ConnectionClosedError} if the executor is closed or closes for good
   * @throws {OperationTimeoutError} if the deadline (`timeout`) passes first
   * @throws {RetriesExhaustedError} after `maxRetries` re-sends
   */
  execute<T>(operation: Operation<T>, options: ExecuteOptions = {}): Promise<T> {
    if (this.#closed) {
      operation.fail(new ConnectionClosedError("The connection is closed"));
      return operation.result;
    }
    const timeout = options.timeout ?? this.#operationTimeout;
    const controller = new AbortController();
    const entry: Entry = {
      operation: operation as Operation<unknown>,
      timeout,
      controller,
      signal: options.signal
        ? AbortSignal.any([options.signal, controller.signal])
        : controller.signal,
      attempts: 0,
      attempt: undefined,
      connection: undefined,
      settled: false,
      finished: false,
      deadline: undefined,
      retryTimer: undefined,
      removeAbortListener: undefined,
    };
    const userSignal = options.signal;
    if (userSignal?.aborted) {
      operation.fail(abortReason(userSignal));
      return operation.result;
    }
    this.#entries.add(entry);
    this.#byOperation.set(entry.operation, entry);
    if (userSignal) {
      const onAbort = (): void => this.#finish(entry, abortReason(userSignal));
      userSignal.addEventListener("abort", onAbort, { once: true });
      entry.removeAbortListener = () => userSignal.removeEventListener("abort", onAbort);
    }
    entry.deadline = this.#clock.setTimeout(() => {
      entry.deadline = undefined;
      this.#finish(entry, new OperationTimeoutError(operation.name, timeout));
    }, timeout);
    operation.result.then(() => this.#settle(entry), () => this.#settle(entry));
    this.#dispatch(entry);
    return operation.result;
  }

  /**
   * Sends one more package with an attached operation's current correlation id (an unsubscribe,
   * an ack).
   *
   * @throws {ConnectionClosedError} while there is no connection for it
   */
  async sendFor(operation: Operation<unknown>, request: OutgoingRequest): Promise<void> {
    const entry = this.#byOperation.get(operation);
    if (!entry?.attempt || !entry.connection) {
      throw new ConnectionClosedError(`${operation.name} is not on a live connection`);
    }
    await entry.connection.sendFor(entry.attempt, request);
  }

  /** Forgets an operation without failing it (a subscription that ended by itself). */
  release(operation: Operation<unknown>): void {
    const entry = this.#byOperation.get(operation);
    if (!entry) return;
    if (entry.attempt && entry.connection) entry.connection.release(entry.attempt);
    entry.attempt = undefined;
    this.#forget(entry);
  }

  // ---- operations ----------------------------------------------------------------------------

  /** Sends now if connected, else queues. */
  #dispatch(entry: Entry): void {
    if (entry.finished) return;
    const connection = this.#connection;
    if (connection && connection.state.status === "connected") this.#send(entry, connection);
    else this.#queue.push(entry);
  }

  #send(entry: Entry, connection: Connection): void {
    const attempt = new Attempt(
      entry.operation,
      this.#tls !== undefined,
      (failed, error) => this.#attemptFailed(entry, failed, error),
      (done) => this.#attemptCompleted(entry, done),
    );
    if (!entry.settled) entry.attempts++;
    entry.attempt = attempt;
    entry.connection = connection;
    connection.execute(attempt, {
      signal: entry.signal,
      // The executor's own deadline timer fires first; this only keeps the connection from
      // applying its default timeout to the attempt.
      timeout: entry.settled ? this.#operationTimeout : entry.timeout + 1,
    }).then(noop, noop);
  }

  /** The operation settled (its reply came, or it was failed). */
  #settle(entry: Entry): void {
    entry.settled = true;
    this.#clearTimers(entry);
    // A subscription stays attached while its dispatcher registration lives.
    if (!entry.attempt?.continuing) this.#forget(entry);
  }

  /** The dispatcher forgot the attempt: an attached subscription that ended is forgotten too. */
  #attemptCompleted(entry: Entry, attempt: Attempt): void {
    if (attempt !== entry.attempt || !entry.settled) return; // #settle forgets one-shot ones.
    entry.attempt = undefined;
    entry.connection = undefined;
    this.#forget(entry);
  }

  #attemptFailed(entry: Entry, attempt: Attempt, error: Error): void {
    if (attempt !== entry.attempt) return;
    entry.attempt = undefined;
    entry.connection = undefined;
    if (entry.finished) return;
    if (this.#closed) {
      this.#finish(entry, new ConnectionClosedError("The connection is closed", { cause: error }));
      return;
    }
    if (entry.settled) {
      // A confirmed subscription whose connection went away.
      if (
        isRetriable(error) && isReconnectAware(entry.operation) &&
        entry.operation.onConnectionLost(error)
      ) {
        this.#dispatch(entry);
      } else {
        this.#finish(entry, error);
      }
      return;
    }
    if (error instanceof OperationTimeoutError || entry.signal.aborted) {
      this.#finish(
        entry,
        entry.signal.aborted
          ? abortReason(entry.signal)
          : new OperationTimeoutError(entry.operation.name, entry.timeout),
      );
      return;
    }
    if (!isRetriable(error)) {
      this.#finish(entry, error);
      return;
    }
    if (entry.attempts > this.#maxRetries) {
      // Without retries there is nothing "exhausted": the attempt's own error is the answer.
      this.#finish(
        entry,
        this.#maxRetries === 0
          ? error
          : new RetriesExhaustedError(entry.operation.name, entry.attempts, { cause: error }),
      );
      return;
    }
    if (error instanceof NotHandledError) {
      if (error.reason === "NotLeader" && attempt.leader) {
        this.#queue.push(entry);
        this.#redirectTo(attempt.leader, error);
        return;
      }
      entry.retryTimer = this.#clock.setTimeout(() => {
        entry.retryTimer = undefined;
        this.#dispatch(entry);
      }, this.#retryDelay);
      return;
    }
    // The connection is gone (or going): the entry waits for the next one.
    this.#dispatch(entry);
  }

  /** Ends an entry with `error`: the operation fails, its attempt is withdrawn. */
  #finish(entry: Entry, error: Error): void {
    if (entry.finished) return;
    const { attempt, connection } = entry;
    entry.attempt = undefined;
    entry.connection = undefined;
    this.#forget(entry);
    // An attached subscription is no longer watched by the connection's abort listener.
    if (attempt && connection) connection.release(attempt);
    entry.controller.abort(error);
    entry.operation.fail(error);
  }

  #forget(entry: Entry): void {
    if (entry.finished) return;
    entry.finished = true;
    this.#clearTimers(entry);
    entry.removeAbortListener?.();
    this.#entries.delete(entry);
    const queued = this.#queue.indexOf(entry);
    if (queued >= 0) this.#queue.splice(queued, 1);
    if (this.#byOperation.get(entry.operation) === entry) this.#byOperation.delete(entry.operation);
  }

  #clearTimers(entry: Entry): void {
    if (entry.deadline !== undefined) this.#clock.clearTimeout(entry.deadline);
    if (entry.retryTimer !== undefined) this.#clock.clearTimeout(entry.retryTimer);
    entry.deadline = undefined;
    entry.retryTimer = undefined;
  }

  // ---- connections ---------------------------------------------------------------------------

  /** Leaves the current connection for the leader's endpoint. */
  #redirectTo(leader: Endpoint, error: Error): void {
    if (sameEndpoint(this.#redirect, leader) && this.#loop) return;
    this.#redirect = leader;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#startLoop(error);
    // Its in-flight attempts fail with ConnectionClosedError and join the queue.
    connection?.close().catch(noop);
  }

  #startLoop(error: Error | undefined): void {
    if (this.#loop || this.#closed) return;
    this.#loop = this.#connectLoop(error, false).catch(noop).finally(() => {
      this.#loop = undefined;
    });
  }

  /**
   * Dials until a connection is up. The first connection (`initial`) tries once plus the policy's
   * attempts and throws when all fail; a reconnection closes the executor instead.
   */
  async #connectLoop(error: Error | undefined, initial: boolean): Promise<void> {
    const closing = this.#closing.signal;
    let lastError = error;
    let tries = 0;
    for (let attempt = initial ? 0 : 1; attempt <= this.#policy.maxAttempts; attempt++) {
      if (attempt > 0) {
        if (!initial) {
          this.#states.set({ status: "reconnecting", name: this.#name, attempt, error: lastError });
        }
        // A redirect to the leader goes at once; anything else waits for the policy's delay.
        if (this.#redirect === undefined || attempt > 1) {
          try {
            await delay(this.#clock, this.#policy.delay(attempt), closing);
          } catch {
            break;
          }
        }
      }
      if (closing.aborted) break;
      tries++;
      try {
        const { connection, endpoint } = await this.#dial(closing);
        if (closing.aborted) {
          await connection.close();
          break;
        }
        this.#adopt(connection, endpoint, initial ? undefined : lastError ?? error);
        return;
      } catch (cause) {
        if (closing.aborted) break;
        if (
          cause instanceof TypeError || cause instanceof RangeError ||
          cause instanceof TlsCertificateError
        ) {
          // Misuse (a bad option, an unreadable CA file) or an untrusted certificate: dialing
          // again will not help.
          lastError = cause;
          break;
        }
        lastError = cause instanceof Error ? cause : new Error(String(cause));
        this.#redirect = undefined;
      }
    }
    if (this.#closed) {
      if (initial) throw new ConnectionClosedError("The connection was closed while connecting");
      return;
    }
    // Without reconnection the lost connection's own error says it best.
    const failure = tries === 0 && lastError instanceof ConnectionClosedError
      ? lastError
      : new ConnectionClosedError(
        tries === 0
          ? "The connection was lost and reconnection is disabled"
          : `Cannot connect after ${tries} attempt${tries === 1 ? "" : "s"}: ${
            lastError?.message ?? "unknown error"
          }`,
        { cause: lastError },
      );
    await this.#shutdown(failure, true);
    if (initial) throw failure;
  }

  async #dial(closing: AbortSignal): Promise<{ connection: Connection; endpoint: Endpoint }> {
    const timeout = new AbortController();
    const timer = this.#clock.setTimeout(
      () => timeout.abort(new DOMException("Connecting timed out", "TimeoutError")),
      this.#connectTimeout,
    );
    const signal = AbortSignal.any([closing, timeout.signal]);
    try {
      const endpoint = this.#redirect ?? await this.#source(this.#failed, signal);
      const duplex = await this.#dialer(endpoint, { tls: this.#tls, signal });
      const connection = await Connection.open(duplex, {
        name: this.#name,
        operationTimeout: this.#operationTimeout,
        handshakeTimeout: this.#connectTimeout,
        heartbeatInterval: this.#options.heartbeatInterval,
        heartbeatTimeout: this.#options.heartbeatTimeout,
        maxPackageSize: this.#options.maxPackageSize,
        clock: this.#clock,
        signal,
      });
      return { connection, endpoint };
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }

  #adopt(connection: Connection, endpoint: Endpoint, lostBecause: Error | undefined): void {
    const reconnected = this.#states.current.status === "reconnecting";
    this.#connection = connection;
    this.#endpoint = endpoint;
    this.#redirect = undefined;
    this.#failed = undefined;
    connection.watch((state) => {
      if (state.status === "closed") this.#lost(connection, state.error);
    });
    this.#states.set({ status: "connected", name: this.#name });
    const queued = this.#queue;
    this.#queue = [];
    for (const entry of queued) this.#dispatch(entry);
    if (reconnected) {
      for (const listener of [...this.#reconnectListeners]) {
        try {
          listener({ endpoint, error: lostBecause });
        } catch {
          // A listener's failure must not break the executor.
        }
      }
    }
    if (connection.state.status === "closed") this.#lost(connection, connection.state.error);
  }

  /** Called (synchronously, before its operations are failed) when a connection closes. */
  #lost(connection: Connection, error: Error | undefined): void {
    if (connection !== this.#connection) return; // Closed on purpose (redirect, close()).
    this.#connection = undefined;
    this.#failed = this.#endpoint;
    this.#startLoop(error ?? new ConnectionClosedError("The connection closed"));
  }

  /** Closes for good: every pending operation fails with `error`. */
  async #shutdown(error: Error | undefined, fromLoop = false): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(error);
      const connection = this.#connection;
      this.#connection = undefined;
      this.#states.set({ status: "closed", name: this.#name, error });
      const failure = error instanceof ConnectionClosedError
        ? error
        : new ConnectionClosedError("The connection is closed", { cause: error });
      this.#queue = [];
      for (const entry of [...this.#entries]) this.#finish(entry, failure);
      await connection?.close();
      // The loop itself shuts down when it gives up; it must not wait for itself.
      if (!fromLoop) await this.#loop;
    })();
    await this.#closed;
  }

  /** Closes the connection and stops reconnecting; pending operations fail. Idempotent. */
  close(): Promise<void> {
    return this.#shutdown(undefined);
  }

  /** Same as {@linkcode ReconnectingExecutor.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `ReconnectingExecutor(<name>, <status>)`; never includes credentials. */
  toString(): string {
    return `ReconnectingExecutor(${this.#name}, ${this.#states.current.status})`;
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("Aborted", "AbortError");
}

function delay(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
