/**
 * One client connection of the memstore: the read loop (framing, bytes-based heartbeats, fair
 * turns between connections), sending through a bounded {@linkcode SendQueue} and closing.
 * What a package does is the {@linkcode PackageDispatcher}'s (docs/protocol.md §4.1–§4.3, §4.15).
 *
 * @module
 */

import type { TimerHandle } from "../clock.ts";
import { ProtocolError } from "../errors.ts";
import type { Duplex } from "../wire/duplex.ts";
import { Framer } from "../wire/framer.ts";
import { Heartbeat } from "../wire/heartbeat.ts";
import { ZERO_GUID } from "../wire/guid.ts";
import { encodePackage, type Package } from "../wire/package_codec.ts";
import { commandName, TcpCommand } from "../wire/tcp_command.ts";
import type {
  CommandRegistry,
  Connection,
  ConnectionSubscription,
  StoreServices,
} from "./command_registry.ts";
import { type NotHandledMode, PackageDispatcher } from "./package_dispatcher.ts";
import { SendQueue } from "./send_queue.ts";
import { openTransport, type SessionTransport } from "./session_transport.ts";

export type { NotHandledMode } from "./package_dispatcher.ts";

/** Options of a {@linkcode Session}. */
export interface SessionOptions {
  /** Heartbeat interval and timeout, or false to disable the server's heartbeats. */
  readonly heartbeat: { readonly intervalMs: number; readonly timeoutMs: number } | false;
  /**
   * Largest package accepted. Replies are sent whatever their size, as the real server sends
   * them (a client with a smaller maximum rejects the frame).
   */
  readonly maxPackageSize: number;
  /** More packages than this waiting to be sent closes the connection (server: 50 000). */
  readonly maxQueuedPackages: number;
  /**
   * More bytes than this waiting, besides the write in progress and the largest package, closes
   * the connection (server: 10 MiB); one reply of any size can always be sent.
   */
  readonly maxPendingSendBytes: number;
  /**
   * How long, in milliseconds, the session may serve packages that are already buffered before
   * it lets the others run (default {@linkcode DEFAULT_TURN_MS}): a connection whose socket
   * always has data would otherwise never give the event loop back.
   */
  readonly turnMs?: number;
  /** The current NotHandled mode. */
  readonly notHandled: () => NotHandledMode;
}

/** The default {@linkcode SessionOptions.turnMs}. */
export const DEFAULT_TURN_MS = 5;
/**
 * A chunk of many packages (a client pipelining requests) has its replies sent every this many
 * packages, not all at the end: the client starts on the first replies while the rest are
 * served, instead of the two sides taking turns (W2-shaped traffic: about 30% more appends/s).
 */
export const REPLY_SLICE_PACKAGES = 16;
/** A gap this long between two packages means the session was waiting, not busy. */
const IDLE_GAP_MS = 1;
/** How long a graceful close waits for the client to take the last bytes before aborting. */
const GRACEFUL_CLOSE_MS = 1000;

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

let nextSessionId = 1;

/**
 * Serves one connection until either side closes it.
 */
export class Session implements Connection {
  /** A number unique within the process, for logs. */
  readonly id: number = nextSessionId++;
  /** Live subscriptions by correlation id. */
  readonly subscriptions: Map<string, ConnectionSubscription> = new Map();
  readonly #duplex: Duplex;
  readonly #services: StoreServices;
  readonly #registry: CommandRegistry;
  readonly #options: SessionOptions;
  readonly #transport: SessionTransport;
  #connectionName = "";
  readonly #dispatcher: PackageDispatcher;
  #closed = false;
  #closing = false;
  readonly #queue: SendQueue;
  readonly #heartbeat: Heartbeat | null;
  /** Bytes received so far. */
  #receivedBytes = 0;
  #closeTimer: TimerHandle | null = null;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;
  readonly #onClosed: () => void;

  /**
   * Wraps a duplex; call {@linkcode Session.run} to serve it. `onClosed` runs synchronously when
   * the connection closes, before the close is logged and before {@linkcode Session.done}
   * resolves (so a connection count it updates is already right for whoever awaits either).
   */
  constructor(
    duplex: Duplex,
    services: StoreServices,
    registry: CommandRegistry,
    options: SessionOptions,
    onClosed: () => void = () => {},
  ) {
    this.#onClosed = onClosed;
    this.#duplex = duplex;
    this.#services = services;
    this.#registry = registry;
    this.#options = options;
    this.#transport = openTransport(duplex, () => this.close("the client stopped receiving"));
    this.#queue = new SendQueue(this.#transport.sink, {
      maxPackages: options.maxQueuedPackages,
      maxBytes: options.maxPendingSendBytes,
    });
    this.#heartbeat = options.heartbeat === false ? null : new Heartbeat({
      clock: services.clock,
      mode: "server",
      interval: options.heartbeat.intervalMs,
      timeout: options.heartbeat.timeoutMs,
      sendRequest: () =>
        this.send({
          command: TcpCommand.HeartbeatRequest,
          correlationId: crypto.randomUUID(),
          payload: EMPTY,
        }),
      onTimeout: () => {
        this.#services.log(`Connection #${this.id}: HEARTBEAT TIMEOUT, closing it`);
        this.close("heartbeat timeout");
      },
    });
    this.#done = new Promise((resolve) => this.#resolveDone = resolve);
    this.#dispatcher = new PackageDispatcher({
      connection: this,
      services,
      registry,
      notHandled: options.notHandled,
      identified: (name) => this.#connectionName = name,
      close: (reason, graceful) => this.close(reason, graceful),
    });
  }

  /** The `connection_name` of IdentifyClient, or "". */
  get connectionName(): string {
    return this.#connectionName;
  }

  /** True once the connection is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes currently waiting in the send queue. */
  get queuedBytes(): number {
    return this.#queue.queuedBytes;
  }

  /** The most bytes that ever waited in the send queue. */
  get peakQueuedBytes(): number {
    return this.#queue.peakQueuedBytes;
  }

  /** The most packages that ever waited in the send queue. */
  get peakQueuedPackages(): number {
    return this.#queue.peakQueuedPackages;
  }

  /** Bytes received from the client so far. */
  get receivedBytes(): number {
    return this.#receivedBytes;
  }

  /** Resolves once the connection is closed. */
  get done(): Promise<void> {
    return this.#done;
  }

  /**
   * Reads and serves packages until the connection closes; resolves when it is closed.
   *
   * Each socket chunk is framed at once and the packages in it are served in order, their
   * replies joining one write per {@linkcode REPLY_SLICE_PACKAGES} packages. The packages are views into the chunk only while
   * they are served (handlers copy what they keep). A malformed frame is reported after the
   * packages before it in the same chunk were served.
   */
  async run(): Promise<void> {
    this.#heartbeat?.start();
    const batch: Package[] = [];
    const framer = new Framer({
      maxPackageSize: this.#options.maxPackageSize,
      onPackage: (pkg) => void batch.push(pkg),
      // Nothing outlives handling: stored events are copied into the arena, so packages may
      // stay views into their socket chunk.
      retains: () => false,
    });
    const source = this.#transport.source;
    const turnMs = this.#options.turnMs ?? DEFAULT_TURN_MS;
    try {
      // Time spent serving packages back to back since the last yield; a pause in the bytes
      // (the reader waited) starts a new batch.
      let busyMs = 0;
      let lastEnd = 0;
      while (!this.#closed) {
        // The read buffer may be reused unless the framer still holds part of a frame in it.
        const value = await source.read(framer.bufferedBytes === 0);
        const done = value === null;
        let failure: unknown = null;
        try {
          if (value === null) {
            framer.end();
          } else {
            // Liveness is any byte received, not whole packages (docs/protocol.md §4.2).
            this.#receivedBytes += value.length;
            this.#heartbeat?.received();
            framer.push(value);
          }
        } catch (error) {
          failure = error;
        }
        if (batch.length > 0) {
          let now = performance.now();
          if (now - lastEnd > IDLE_GAP_MS) busyMs = 0;
          for (let i = 0; i < batch.length && !this.#closed && !this.#closing; i++) {
            this.#dispatcher.dispatch(batch[i]);
            if ((i + 1) % REPLY_SLICE_PACKAGES === 0 && i + 1 < batch.length) {
              await this.#letRepliesGo();
            }
            const end = performance.now();
            busyMs += end - now;
            now = end;
            if (busyMs >= turnMs && i + 1 < batch.length) {
              // Let other sessions (and timers) run before serving more of this one's backlog.
              await yieldToEventLoop();
              busyMs = 0;
              now = performance.now();
            }
          }
          batch.length = 0;
          lastEnd = now;
          if (busyMs >= turnMs) {
            await yieldToEventLoop();
            busyMs = 0;
          }
        }
        if (failure !== null) throw failure;
        if (done) break;
      }
      this.close("the client closed the connection");
    } catch (error) {
      batch.length = 0;
      if (!this.#closed && error instanceof ProtocolError) {
        this.#services.log(
          `Connection #${this.id}: invalid TCP frame received, closing it: ${error.message}`,
        );
        // A bad length prefix is a framing error; a package too short for its header or auth
        // block is a "bad network package" (TcpConnectionManager's two texts).
        const what = error.kind === "bad-auth-block" ||
            (error.kind === "frame-too-small" && !error.message.startsWith("Invalid length"))
          ? "Received bad network package"
          : "Invalid TCP frame received";
        this.send({
          command: TcpCommand.BadRequest,
          correlationId: ZERO_GUID,
          payload: encoder.encode(`${what}. Error: ${error.message}`),
        });
        this.close("invalid TCP frame", true);
      } else {
        this.close(error instanceof Error ? error.message : String(error));
      }
    }
    await this.#done;
  }

  /** Lets the replies queued so far start their write: a few microtask turns, no timer. */
  async #letRepliesGo(): Promise<void> {
    for (let turn = 0; turn < 8 && this.#queue.length > 0; turn++) await undefined;
  }

  /** Queues a package; overflowing the bounds closes the connection (docs/protocol.md §4.1). */
  send(pkg: Package): void {
    if (this.#closed || this.#closing) return;
    let bytes: Uint8Array;
    try {
      // No size limit on what is sent: the real server sends oversized frames too.
      bytes = encodePackage(pkg, Number.MAX_SAFE_INTEGER);
    } catch (error) {
      this.#services.log(
        `Connection #${this.id}: cannot send ${commandName(pkg.command)}: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      return;
    }
    const overflow = this.#queue.push(bytes);
    if (overflow !== null) {
      this.#services.log(`Connection #${this.id}: ${overflow} Closing the connection`);
      // The client is not reading, so the BadRequest could only wait behind the backlog: drop it
      // all and close (the real server queues the BadRequest, which never arrives either).
      this.#queue.clear();
      this.close(overflow);
      return;
    }
    this.#heartbeat?.sent();
  }

  /**
   * Closes the connection. `graceful` first lets the queued packages (e.g. a final BadRequest)
   * reach the client, for at most one second. Closing twice is a no-op.
   */
  close(reason = "closed by the server", graceful = false): void {
    if (this.#closed) return;
    if (graceful && !this.#closing) {
      this.#closing = true;
      this.#heartbeat?.stop();
      if (this.#queue.empty) {
        this.#finishClose(reason);
      } else {
        this.#closeTimer = this.#services.clock.setTimeout(
          () => this.#finishClose(reason, true),
          GRACEFUL_CLOSE_MS,
        );
        this.#queue.flushed().then(
          () => this.#finishClose(reason),
          () => this.#finishClose("the client stopped receiving", true),
        );
      }
      return;
    }
    this.#finishClose(reason, true);
  }

  #finishClose(reason = "closed by the server", abort = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat?.stop();
    if (this.#closeTimer !== null) this.#services.clock.clearTimeout(this.#closeTimer);
    this.#queue.clear();
    try {
      this.#onClosed();
    } catch (error) {
      this.#services.log(`Connection #${this.id}: close callback failed: ${error}`);
    }
    this.#services.log(`Connection #${this.id} closed: ${reason}`);
    this.#transport.source.cancel();
    this.#transport.release(abort, reason);
    try {
      this.#duplex.close();
    } catch {
      // already closed
    }
    for (const subscription of [...this.subscriptions.values()]) {
      try {
        subscription.connectionClosed();
      } catch (error) {
        this.#services.log(`Connection #${this.id}: subscription cleanup failed: ${error}`);
      }
    }
    this.subscriptions.clear();
    this.#resolveDone();
  }
}

/** Resolves on a later turn of the event loop, after pending I/O and timers had their turn. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
