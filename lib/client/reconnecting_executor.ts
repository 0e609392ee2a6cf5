/**
 * The executor: glue between the operation table (`operation_table.ts`), the retry decision
 * (`retry_decision.ts`) and the connect loop (`connect_loop.ts`). It owns the current
 * {@linkcode Connection}, makes a new one when it is lost and re-sends the operations that were
 * waiting, as the official .NET client does (docs/protocol.md §6.2):
 *
 * - Operations are queued while there is no connection and sent when one is up; in flight on a
 *   lost connection, they are re-sent on the next one, each attempt with a fresh correlation id.
 *   Appends stay exactly-once because a re-sent request carries the same event ids
 *   (`createRequest()` is repeatable) and the server's idempotency answers a duplicate with the
 *   original result.
 * - At most `maxInFlightOperations` operations are on the wire at once (the .NET client's
 *   `MaxConcurrentItems`); the rest wait in the queue, in call order, and go out as replies free
 *   their slots, so a burst of calls waits instead of flooding the connection. While connected
 *   this queue is not bounded (each waiting call is the caller's own pending promise);
 *   `maxQueuedOperations` bounds it only while there is no connection.
 * - Each call has one deadline (its `timeout`) and at most one listener on the caller's signal,
 *   both owned here. The deadlines share one timer (`deadline_queue.ts`). As in the .NET client the deadline starts when the call is first sent, or
 *   when it starts waiting for a lost connection, and not while it waits for an in-flight slot on
 *   a live connection; once started it runs across re-sends.
 * - With reconnection disabled (`maxAttempts` 0) it is the single-connection executor: the loss
 *   of the connection closes it.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../clock.ts";
import { TcpCommand } from "../wire/tcp_command.ts";
import {
  AuthenticationError,
  CannotConnectError,
  ConnectionClosedError,
  OperationQueueFullError,
  OperationTimeoutError,
  TlsCertificateError,
  WrongPortError,
} from "../errors.ts";
import { Connection, type ConnectionEvents, type ConnectionSettings } from "./connection.ts";
import { type ConnectionState, StateBroadcaster } from "./connection_state.ts";
import { connectLoop } from "./connect_loop.ts";
import type { ExecuteOptions, OperationExecutor } from "./executor.ts";
import { pickLeader } from "./leader_info.ts";
import type { Decision, Operation, OutgoingRequest } from "./operation.ts";
import { type Entry, type EntryState, OperationTable } from "./operation_table.ts";
import { DeadlineQueue } from "./deadline_queue.ts";
import type { ReconnectionPolicy } from "./reconnection_policy.ts";
import { type Action, decide, type Outcome, type RetryPolicy } from "./retry_decision.ts";
import type { EndpointSource } from "./endpoint_source.ts";
import type { FirstConnect } from "./settings.ts";
import type { Dialer, Endpoint, TlsOptions } from "./transport.ts";

/** The executor's resolved settings (built by `settings.ts`; no defaults here). */
export interface ExecutorSettings {
  /** Settings of each connection. */
  readonly connection: ConnectionSettings;
  /** Opens byte streams. */
  readonly dialer: Dialer;
  /** TLS settings, or undefined for plain TCP. */
  readonly tls: TlsOptions | undefined;
  /** Time allowed for each dial plus handshake, in ms. */
  readonly connectTimeout: number;
  /** Time allowed for the first connection across all its attempts, in ms. */
  readonly connectDeadline: number;
  /** Default deadline of an operation, in ms. */
  readonly operationTimeout: number;
  /**
   * Operations that may wait for a connection while there is none; a call beyond it fails at
   * once with `OperationQueueFullError`.
   */
  readonly maxQueuedOperations: number;
  /** Operations on the wire at once; more wait in the queue for a slot. */
  readonly maxInFlightOperations: number;
  /** Re-sends and their delay. */
  readonly retry: RetryPolicy;
  /** Reconnection delay and attempts (0 attempts: a single connection). */
  readonly reconnection: ReconnectionPolicy;
  /** Timers. */
  readonly clock: Clock;
}

const EMPTY = new Uint8Array(0);
/** Shared states and actions without data: one fewer allocation each per call. */
const QUEUED: EntryState = { kind: "queued" };
const DONE: EntryState = { kind: "done" };
const FORGET: Action = { kind: "forget" };

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("Aborted", "AbortError");
}

function sameEndpoint(a: Endpoint | undefined, b: Endpoint | undefined): boolean {
  return a !== undefined && b !== undefined && a.hostname === b.hostname && a.port === b.port;
}

/**
 * An executor that reconnects and retries. Build one with {@linkcode ReconnectingExecutor.open}.
 */
export class ReconnectingExecutor implements OperationExecutor {
  readonly #settings: ExecutorSettings;
  readonly #source: EndpointSource;
  readonly #clock: Clock;
  readonly #states: StateBroadcaster;
  readonly #table: OperationTable;
  /** Every call's deadline, on one timer. */
  readonly #deadlines: DeadlineQueue;
  /** Aborted by `close()`: stops the connect loop. */
  readonly #closing = new AbortController();
  readonly #events: ConnectionEvents = {
    decided: (connection, operation, decision) => this.#decided(connection, operation, decision),
    closed: (connection, error, operations) =>
      this.#connectionClosed(connection, error, operations),
  };
  #connection: Connection | undefined;
  /** The last `sent` state handed out (see `#sentOn`). */
  #sent: { readonly kind: "sent"; readonly connection: Connection } | undefined;
  #endpoint: Endpoint | undefined;
  /** The endpoint of the connection that was lost last (for discovery). */
  #failed: Endpoint | undefined;
  /** Leader endpoint from NotHandled(NotLeader): the next dial goes there. */
  #redirect: Endpoint | undefined;
  /** The endpoint of the last dial (named by connection errors). */
  #dialing: Endpoint | undefined;
  #loop: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  /** Set by `drain()`: new calls are refused; `calls` and `all` settle as the table empties. */
  #drained:
    | { readonly calls: Promise<void>; readonly all: Promise<void>; check(): void }
    | undefined;

  private constructor(settings: ExecutorSettings, source: EndpointSource) {
    this.#settings = settings;
    this.#source = source;
    this.#clock = settings.clock;
    this.#deadlines = new DeadlineQueue(settings.clock);
    this.#table = new OperationTable(
      settings.clock,
      this.#deadlines,
      () => this.#drained?.check(),
    );
    this.#states = new StateBroadcaster({ status: "connecting", name: settings.connection.name });
  }

  /**
   * Connects (retrying the first connection as the reconnection policy allows, within
   * `connectDeadline`) and resolves once the server has identified the connection. `first` may
   * cancel it and watch its states.
   *
   * @throws {CannotConnectError} when every attempt failed, the deadline passed or a failure no
   * retry fixes (`cause`); the reason of `first.signal` when it aborts
   */
  static async open(
    settings: ExecutorSettings,
    source: EndpointSource,
    first: FirstConnect = { signal: undefined, onStateChange: undefined },
  ): Promise<ReconnectingExecutor> {
    const executor = new ReconnectingExecutor(settings, source);
    if (first.onStateChange) {
      first.onStateChange(executor.state);
      executor.watch(first.onStateChange);
    }
    await executor.#connect(undefined, true, first.signal);
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
    return this.#table.size;
  }

  /**
   * Calls `listener` on every state change; returns a function that stops it.
   */
  watch(listener: (state: ConnectionState) => void): () => void {
    return this.#states.watch(listener);
  }

  /**
   * The states as a stream: the current one, then each change; ends after `closed`.
   */
  states(signal?: AbortSignal): ReadableStream<ConnectionState> {
    return this.#states.stream(signal);
  }

  /**
   * Runs `operation`, re-sending it after connection losses and NotHandled replies.
   *
   * @throws {OperationTimeoutError} when the call's timeout passes first
   * @throws {ConnectionClosedError} when the executor closes first
   * @throws {RetriesExhaustedError} after `maxRetries` re-sends
   * @throws {OperationQueueFullError} when there is no connection and `maxQueuedOperations`
   * operations are already waiting for one
   */
  execute<T>(operation: Operation<T>, options: ExecuteOptions = {}): Promise<T> {
    if (this.#closed || this.#drained) {
      operation.fail(
        new ConnectionClosedError(
          this.#closed ? "The connection is closed" : "The connection is closing (draining)",
        ),
      );
      return operation.result;
    }
    const limit = this.#settings.maxQueuedOperations;
    if (this.#table.queued >= limit && (!this.#connection || this.#connection.closed)) {
      operation.fail(new OperationQueueFullError(operation.name, limit));
      return operation.result;
    }
    const userSignal = options.signal;
    if (userSignal?.aborted) {
      operation.fail(abortReason(userSignal));
      return operation.result;
    }
    const timeout = options.timeout ?? this.#settings.operationTimeout;
    const entry: Entry = {
      operation: operation as Operation<unknown>,
      timeout,
      detach: undefined,
      deadline: undefined,
      timed: false,
      attempts: 0,
      order: 0,
      state: QUEUED,
    };
    this.#table.add(entry);
    if (userSignal !== undefined) {
      // A listener removed by hand: an AbortController per call to detach it cost a controller
      // and a DOMException for every operation, signal or not.
      // The listener reaches the entry through a holder that detaching empties: a removed
      // listener may stay reachable until V8's next full collection, and must not keep the
      // finished call (and its result, a whole page for a read) alive meanwhile.
      const holder: { entry: Entry | undefined } = { entry };
      const onAbort = () => {
        if (holder.entry) {
          this.#apply(holder.entry, { kind: "fail", error: abortReason(userSignal) });
        }
      };
      userSignal.addEventListener("abort", onAbort, { once: true });
      entry.detach = () => {
        holder.entry = undefined;
        userSignal.removeEventListener("abort", onAbort);
      };
    }
    // Waiting for a connection counts against the deadline; waiting for a slot does not.
    if (!this.#connection || this.#connection.closed) this.#startDeadline(entry);
    this.#dispatchQueued();
    return operation.result;
  }

  /** Starts `entry`'s deadline, once. */
  #startDeadline(entry: Entry): void {
    if (entry.timed) return;
    entry.timed = true;
    entry.deadline = this.#deadlines.add(entry.timeout, () => {
      entry.deadline = undefined;
      this.#apply(entry, {
        kind: "fail",
        error: new OperationTimeoutError(entry.operation.name, entry.timeout),
      });
    });
  }

  /**
   * Sends one more package with a running operation's current correlation id.
   *
   * @throws {ConnectionClosedError} while there is no connection for it
   */
  async sendFor(operation: Operation<unknown>, request: OutgoingRequest): Promise<void> {
    const state = this.#table.get(operation)?.state;
    if (state?.kind !== "sent" && state?.kind !== "attached") {
      throw new ConnectionClosedError(`${operation.name} is not on a live connection`);
    }
    await state.connection.sendFor(operation, request);
  }

  /** Forgets an operation without failing it (a subscription that ended by itself). */
  release(operation: Operation<unknown>): void {
    const entry = this.#table.get(operation);
    if (entry) this.#apply(entry, FORGET);
  }

  // ---- the transition function ----------------------------------------------------------------

  /** Applies `action` to `entry`: the one place where an operation's state changes. */
  #apply(entry: Entry, action: Action): void {
    const state = entry.state;
    if (state.kind === "done") return;
    switch (action.kind) {
      case "keep":
        return;
      case "attach":
        if (state.kind !== "sent") return;
        // A resubscription counts its own attempts afresh.
        entry.attempts = 0;
        this.#table.move(entry, { kind: "attached", connection: state.connection });
        this.#dispatchQueued();
        return;
      case "forget":
        if (state.kind === "sent" || state.kind === "attached") {
          state.connection.release(entry.operation);
        }
        this.#table.move(entry, DONE);
        // Its in-flight slot is free.
        if (state.kind === "sent") this.#dispatchQueued();
        return;
      case "fail":
        this.#apply(entry, FORGET);
        entry.operation.fail(action.error);
        return;
      case "requeue":
        this.#table.move(entry, QUEUED);
        this.#dispatchQueued();
        return;
      case "retry-after": {
        const timer = this.#clock.setTimeout(
          () => this.#apply(entry, { kind: "requeue" }),
          action.delay,
        );
        this.#table.move(entry, { kind: "waiting", timer });
        this.#dispatchQueued();
        return;
      }
      case "redirect": {
        this.#table.move(entry, QUEUED);
        const leader = pickLeader(action.leader, this.#settings.tls !== undefined);
        if (leader) this.#redirectTo(leader);
        else this.#dispatchQueued();
        return;
      }
    }
  }

  #outcome(entry: Entry, outcome: Outcome): void {
    const facts = {
      name: entry.operation.name,
      attempts: entry.attempts,
      attached: entry.state.kind === "attached",
      resubscribes: entry.operation.resubscribes === true,
      closing: this.#closed !== undefined,
    };
    this.#apply(entry, decide(facts, outcome, this.#settings.retry));
  }

  /** Sends queued entries, oldest first, into the free in-flight slots if there is a connection. */
  #dispatchQueued(): void {
    const connection = this.#connection;
    if (!connection || connection.closed) return;
    const free = this.#settings.maxInFlightOperations - this.#table.inFlight;
    if (free <= 0 || this.#table.queued === 0) return;
    for (const entry of this.#table.takeQueued(free)) {
      this.#startDeadline(entry);
      entry.attempts++;
      this.#table.move(entry, this.#sentOn(connection));
      // An operation that cannot be encoded fails itself and is never registered.
      if (!connection.send(entry.operation)) this.#table.move(entry, DONE);
    }
  }

  /** The `sent` state of `connection`, one object shared by every entry sent on it. */
  #sentOn(connection: Connection): EntryState {
    let sent = this.#sent;
    if (sent?.connection !== connection) {
      sent = { kind: "sent", connection };
      this.#sent = sent;
    }
    return sent;
  }

  #decided(connection: Connection, operation: Operation<unknown>, decision: Decision): void {
    const entry = this.#table.get(operation);
    if (!entry) return;
    const state = entry.state;
    if ((state.kind !== "sent" && state.kind !== "attached") || state.connection !== connection) {
      return; // a late answer to an abandoned attempt
    }
    this.#outcome(entry, decision);
  }

  #connectionClosed(
    connection: Connection,
    error: Error | undefined,
    operations: Operation<unknown>[],
  ): void {
    if (connection === this.#connection) {
      // Lost (not closed on purpose by a redirect or close()): reconnect.
      this.#connection = undefined;
      this.#failed = this.#endpoint;
      const why = error ?? new ConnectionClosedError("The connection closed");
      // Without reconnection the executor closes at once, with the connection's own error.
      // Calls that were waiting for a slot now wait for a connection: their deadline starts.
      for (const entry of this.#table.queuedEntries()) this.#startDeadline(entry);
      if (this.#settings.reconnection.maxAttempts === 0) {
        this.#shutdown(this.#giveUp(0, why, ""), true).catch(() => {});
      } else {
        this.#startLoop(why);
      }
    }
    const lost = error instanceof ConnectionClosedError
      ? error
      : new ConnectionClosedError("The connection was closed", { cause: error });
    for (const operation of operations) {
      const entry = this.#table.get(operation);
      const state = entry?.state;
      if (
        (state?.kind === "sent" || state?.kind === "attached") && state.connection === connection
      ) {
        this.#outcome(entry!, { kind: "lost", error: lost });
      }
    }
  }

  // ---- connections ----------------------------------------------------------------------------

  /** Leaves the current connection for the leader's endpoint. */
  #redirectTo(leader: Endpoint): void {
    if (sameEndpoint(this.#redirect, leader) && this.#loop) return;
    this.#redirect = leader;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#startLoop(undefined);
    // Its in-flight operations come back through `closed` and join the queue.
    connection?.close().catch(() => {});
  }

  #startLoop(error: Error | undefined): void {
    if (this.#loop || this.#closed) return;
    this.#loop = this.#connect(error, false).catch(() => {}).finally(() => {
      this.#loop = undefined;
    });
  }

  /**
   * Runs the connect loop. The first connection (`initial`) is bounded by `connectDeadline` and
   * the caller's `signal`, and throws when it fails; a lost one closes the executor instead.
   */
  async #connect(
    error: Error | undefined,
    initial: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const name = this.#settings.connection.name;
    const policy = this.#settings.reconnection;
    const deadline = new AbortController();
    const timer = initial
      ? this.#clock.setTimeout(() => deadline.abort(), this.#settings.connectDeadline)
      : undefined;
    const stops = [this.#closing.signal, deadline.signal, ...(signal ? [signal] : [])];
    let result;
    try {
      result = await connectLoop({
        first: initial ? 0 : 1,
        maxAttempts: policy.maxAttempts,
        delay: policy.delay,
        immediate: this.#redirect !== undefined,
        clock: this.#clock,
        signal: AbortSignal.any(stops),
        error,
        onRetry: (attempt, last) => {
          if (attempt > 1) this.#redirect = undefined;
          this.#states.set(
            initial
              ? { status: "connecting", name, attempt: attempt + 1, error: last }
              : { status: "reconnecting", name, attempt, error: last },
          );
        },
        dial: (signal) => this.#dial(signal),
      });
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    }
    if (result.kind === "connected") {
      if (this.#closed) {
        await result.connection.connection.close();
      } else {
        this.#adopt(result.connection.connection, result.connection.endpoint);
        return;
      }
    }
    if (this.#closed || result.kind === "connected") {
      if (initial) throw new ConnectionClosedError("The connection was closed while connecting");
      return;
    }
    let failure: Error;
    if (result.kind === "stopped" && signal?.aborted) {
      failure = abortReason(signal);
    } else if (result.kind === "stopped") {
      failure = this.#giveUp(
        result.tries,
        result.error,
        ` within the connect deadline of ${this.#settings.connectDeadline} ms`,
      );
    } else {
      failure = this.#giveUp(result.tries, result.error, "");
    }
    await this.#shutdown(failure, true);
    if (initial) throw failure;
  }

  /** The error the executor closes with after `tries` failed tries ending with `last`. */
  #giveUp(tries: number, last: Error | undefined, why: string): Error {
    // Without reconnection the lost connection's own error says it best.
    if (tries === 0 && last instanceof ConnectionClosedError) return last;
    if (tries === 0) {
      return new ConnectionClosedError("The connection was lost and reconnection is disabled", {
        cause: last,
      });
    }
    // A failure that names the endpoint and what to do says it best too.
    if (
      last instanceof WrongPortError || last instanceof TlsCertificateError ||
      last instanceof AuthenticationError
    ) return last;
    const { hostname, port } = this.#dialing ?? { hostname: "unknown", port: 0 };
    return new CannotConnectError(
      hostname,
      port,
      tries,
      `${why}: ${last?.message ?? "unknown error"}`,
      { cause: last },
    );
  }

  /** One try: choose the endpoint, dial, handshake, all within `connectTimeout`. */
  async #dial(stop: AbortSignal): Promise<{ connection: Connection; endpoint: Endpoint }> {
    const timeout = new AbortController();
    const timer = this.#clock.setTimeout(
      () => timeout.abort(new DOMException("Connecting timed out", "TimeoutError")),
      this.#settings.connectTimeout,
    );
    const signal = AbortSignal.any([stop, timeout.signal]);
    try {
      const endpoint = this.#redirect ?? await this.#source(this.#failed, signal);
      this.#dialing = endpoint;
      signal.throwIfAborted();
      const duplex = await this.#settings.dialer(endpoint, { tls: this.#settings.tls, signal });
      const connection = await Connection.open(
        duplex,
        this.#settings.connection,
        this.#events,
        signal,
        endpoint,
      );
      return { connection, endpoint };
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }

  #adopt(connection: Connection, endpoint: Endpoint): void {
    this.#connection = connection;
    this.#endpoint = endpoint;
    this.#redirect = undefined;
    this.#failed = undefined;
    this.#states.set({ status: "connected", name: this.#settings.connection.name });
    this.#dispatchQueued();
  }

  /** Closes for good: every pending operation fails with `error`. */
  async #shutdown(error: Error | undefined, fromLoop = false): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(error);
      const connection = this.#connection;
      this.#connection = undefined;
      this.#sent = undefined;
      this.#states.set({ status: "closed", name: this.#settings.connection.name, error });
      const failure = error instanceof ConnectionClosedError
        ? error
        : new ConnectionClosedError("The connection is closed", { cause: error });
      for (const entry of this.#table.entries()) {
        this.#apply(entry, { kind: "fail", error: failure });
      }
      this.#deadlines.clear();
      await connection?.close();
      // The loop itself shuts down when it gives up; it must not wait for itself.
      if (!fromLoop) await this.#loop;
    })();
    await this.#closed;
  }

  /**
   * Closes gracefully: refuses new calls, lets the calls in flight finish (each bounded by its own
   * timeout), unsubscribes attached subscriptions (they end with `"unsubscribed"`; the server gets
   * at most the operation timeout to confirm), then closes. Idempotent; `close()` during a drain
   * closes at once.
   */
  async drain(): Promise<void> {
    if (this.#closed) return await this.#closed;
    if (!this.#drained) {
      const calls = Promise.withResolvers<void>();
      const all = Promise.withResolvers<void>();
      const check = (): void => {
        if (this.#table.calls === 0) calls.resolve();
        if (this.#table.size === 0) all.resolve();
      };
      this.#drained = { calls: calls.promise, all: all.promise, check };
      check();
    }
    const { calls, all } = this.#drained;
    await Promise.race([calls, this.#closedSignal()]);
    for (const entry of this.#table.entries()) {
      this.sendFor(entry.operation, { command: TcpCommand.UnsubscribeFromStream, payload: EMPTY })
        .catch(() => {});
    }
    let timer: TimerHandle | undefined;
    await Promise.race([
      all,
      this.#closedSignal(),
      new Promise<void>((resolve) => {
        timer = this.#clock.setTimeout(resolve, this.#settings.operationTimeout);
      }),
    ]);
    this.#clock.clearTimeout(timer!);
    await this.close();
  }

  /** Resolves when the executor closes (a `close()` during a drain). */
  #closedSignal(): Promise<void> {
    const closing = this.#closing.signal;
    return new Promise((resolve) => {
      if (closing.aborted) resolve();
      else closing.addEventListener("abort", () => resolve(), { once: true });
    });
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
    return `ReconnectingExecutor(${this.#settings.connection.name}, ${this.#states.current.status})`;
  }
}
