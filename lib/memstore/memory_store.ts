/**
 * Assembles the memstore: storage, users, the command registry, sessions and the listener.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { createPipe, type Duplex } from "../wire/duplex.ts";
import { DEFAULT_MAX_PACKAGE_SIZE } from "../wire/package_codec.ts";
import { Authorizer, type UsersOption } from "./auth.ts";
import { gossipDocument } from "./cluster/gossip_document.ts";
import { CommandRegistry, type StoreServices } from "./command_registry.ts";
import { registerCoreHandlers } from "./handlers/core_handlers.ts";
import { createHttpApi } from "./http/http_api.ts";
import { type HttpListener, serveHttp } from "./http/http_listener.ts";
import { listen, type Listener } from "./listener.ts";
import { DEFAULT_TURN_MS, type NotHandledMode, Session, type SessionOptions } from "./session.ts";
import { MemoryStorage } from "./storage.ts";

/** Options of {@linkcode startMemoryStore}. */
export interface MemoryStoreOptions {
  /** Interface to listen on. Default `"127.0.0.1"`. */
  hostname?: string;
  /** Port to listen on; 0 picks a free port. Default 1113. */
  port?: number;
  /**
   * Extra users, added to admin/changeit (`$admins`) and ops/changeit (`$ops`): a `{login:
   * password}` record or a list with groups.
   */
  users?: UsersOption;
  /**
   * Port of the HTTP API (the real server's 2113: users, streams as Atom JSON, persistent
   * subscriptions, `/info`, `/gossip` and the stream browser at `/web/index.html`); 0 picks a
   * free port. Default: no HTTP API.
   */
  httpPort?: number;
  /** Largest HTTP request body accepted, in bytes. Default 16 MiB. */
  httpMaxBodyBytes?: number;
  /** Log one line per HTTP request (method, path, status) to `log`. Default false. */
  logHttpRequests?: boolean;
  /** PEM certificate and key: the TCP listener speaks TLS and the HTTP API HTTPS. */
  tls?: { cert: string; key: string };
  /** 20.x `--insecure`: any credentials pass and nothing is denied. */
  insecure?: boolean;
  /** Server heartbeats (default 2000 ms interval, 1000 ms timeout, as the real server), or false. */
  heartbeat?: { intervalMs: number; timeoutMs: number } | false;
  /**
   * Memory budget in bytes: event bytes plus an estimate of their index. Past it writes are
   * refused as a real node refuses them when its disk is full (PrepareTimeout, with the reason in
   * the message and the log) while reads, subscriptions and deletes keep working. Default: a
   * quarter of the machine's memory, at most 4 GiB (1 GiB without `--allow-sys`).
   */
  maxMemory?: number;
  /** Largest package accepted, in bytes. Default 64 MiB. */
  maxPackageSize?: number;
  /** Timers for heartbeats (default: the system clock). */
  clock?: Clock;
  /** Log sink, one line per call. Default: silent. */
  log?: (line: string) => void;
  /** False: no TCP listener, connections only through {@linkcode MemoryStore.connectPipe}. */
  listen?: boolean;
  /**
   * Send-queue bounds per connection; crossing one closes the connection (real server: 50 000
   * packages, 10 MiB).
   */
  sendQueue?: { maxPackages?: number; maxBytes?: number };
  /**
   * How long, in milliseconds, one connection may serve packages it has already received before
   * the others get a turn (default 5). Packages served in one turn have their replies sent in one
   * write.
   */
  turnMs?: number;
}

/**
 * Adds commands to a store: registers handlers and may return a function run when the store
 * closes (to stop timers). Internal seam for tests, not exported from the memstore's entry point.
 */
export type MemoryStoreExtension = (
  registry: CommandRegistry,
  services: StoreServices,
) => void | (() => void);

/** A running in-memory EventStore. */
export interface MemoryStore extends AsyncDisposable {
  /** The interface it listens on. */
  readonly hostname: string;
  /** The port it listens on (0 without a listener). */
  readonly port: number;
  /** `"tcp://hostname:port"`. */
  readonly url: string;
  /** The HTTP API's port (0 without one). */
  readonly httpPort: number;
  /** `"http://hostname:port"` (`https` with TLS) of the HTTP API, or null without one. */
  readonly httpUrl: string | null;
  /** Number of open client connections. */
  readonly connectionCount: number;
  /** Serves one new connection over an in-memory pipe and returns the client's end. */
  connectPipe(): Duplex;
  /** Answers every request with NotHandled(reason) while set; null restores normal service. */
  setNotHandled(reason: NotHandledMode): void;
  /** Closes every client connection (the store keeps running). */
  dropConnections(): void;
  /** Closes the listener and every connection. Closing twice is a no-op. */
  close(): Promise<void>;
}

class RunningMemoryStore implements MemoryStore {
  readonly hostname: string;
  readonly port: number;
  readonly #services: StoreServices;
  readonly #registry: CommandRegistry;
  readonly #sessionOptions: SessionOptions;
  readonly #sessions = new Set<Session>();
  readonly #disposers: (() => void)[] = [];
  readonly #instanceId: string = crypto.randomUUID();
  readonly #secure: boolean;
  readonly #listener: Listener | null;
  readonly #http: HttpListener | null = null;
  #notHandled: NotHandledMode = null;
  #closing: Promise<void> | null = null;

  constructor(options: MemoryStoreOptions, extensions: readonly MemoryStoreExtension[]) {
    const storage = new MemoryStorage({ maxMemory: options.maxMemory });
    const log = options.log ?? (() => {});
    this.#services = {
      storage,
      auth: new Authorizer(storage, { insecure: options.insecure, users: options.users }),
      clock: options.clock ?? systemClock,
      log,
    };
    this.#registry = new CommandRegistry();
    registerCoreHandlers(this.#registry);
    for (const extension of extensions) {
      const dispose = extension(this.#registry, this.#services);
      if (dispose) this.#disposers.push(dispose);
    }
    this.#sessionOptions = {
      heartbeat: options.heartbeat ?? { intervalMs: 2000, timeoutMs: 1000 },
      maxPackageSize: options.maxPackageSize ?? DEFAULT_MAX_PACKAGE_SIZE,
      maxQueuedPackages: options.sendQueue?.maxPackages ?? 50_000,
      maxPendingSendBytes: options.sendQueue?.maxBytes ?? 10 * 1024 * 1024,
      turnMs: options.turnMs ?? DEFAULT_TURN_MS,
      notHandled: () => this.#notHandled,
    };
    const hostname = options.hostname ?? "127.0.0.1";
    this.#secure = options.tls !== undefined;
    if (options.listen === false) {
      this.#listener = null;
      this.hostname = hostname;
      this.port = 0;
    } else {
      this.#listener = listen(
        { hostname, port: options.port ?? 1113, tls: options.tls },
        (duplex, remote) => this.#serve(duplex, remote),
      );
      this.hostname = this.#listener.hostname;
      this.port = this.#listener.port;
    }
    if (options.httpPort !== undefined) {
      try {
        this.#http = serveHttp(
          { hostname, port: options.httpPort, tls: options.tls },
          createHttpApi({
            services: this.#services,
            gossip: () => this.#gossip(),
            maxBodyBytes: options.httpMaxBodyBytes,
            logRequests: options.logHttpRequests,
          }),
        );
      } catch (error) {
        void this.#listener?.close();
        throw error;
      }
    }
  }

  get httpPort(): number {
    return this.#http?.port ?? 0;
  }

  get httpUrl(): string | null {
    if (this.#http === null) return null;
    const host = this.hostname.includes(":") ? `[${this.hostname}]` : this.hostname;
    return `${this.#http.secure ? "https" : "http"}://${host}:${this.#http.port}`;
  }

  /** A single node gossips itself as the leader (20.x shape). */
  #gossip(): unknown {
    const storage = this.#services.storage;
    return gossipDocument(
      [{
        instanceId: this.#instanceId,
        state: "Leader",
        isAlive: true,
        timeStamp: new Date(),
        host: this.hostname,
        tcpPort: this.port,
        secure: this.#secure,
        httpPort: this.httpPort,
        lastCommitPosition: storage.lastCommitPosition,
        writerCheckpoint: storage.writerCheckpoint,
        chaserCheckpoint: storage.writerCheckpoint,
        epoch: { position: 0, number: 0, id: this.#instanceId },
        nodePriority: 0,
      }],
      "20",
      this.hostname,
      this.httpPort,
    );
  }

  get url(): string {
    return `tcp://${this.hostname}:${this.port}`;
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  /** The storage, for in-process tests and extensions. */
  get services(): StoreServices {
    return this.#services;
  }

  connectPipe(): Duplex {
    if (this.#closing) throw new TypeError("The memory store is closed");
    const [client, server] = createPipe();
    this.#serve(server, "pipe");
    return client;
  }

  #serve(duplex: Duplex, remote: string): void {
    if (this.#closing) {
      duplex.close();
      return;
    }
    // The count drops as the session closes, not a few turns later when run() settles: close()
    // awaits `done`, and callers read connectionCount right after.
    const session: Session = new Session(
      duplex,
      this.#services,
      this.#registry,
      this.#sessionOptions,
      () => this.#sessions.delete(session),
    );
    this.#sessions.add(session);
    this.#services.log(`Connection #${session.id} accepted from ${remote}`);
    session.run().catch((error) => this.#services.log(`Connection #${session.id}: ${error}`));
  }

  setNotHandled(reason: NotHandledMode): void {
    this.#notHandled = reason;
  }

  dropConnections(): void {
    for (const session of this.#sessions) session.close("connections dropped by the test");
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([this.#listener?.close(), this.#http?.close()]);
      const sessions = [...this.#sessions];
      for (const session of sessions) session.close("the memory store is closing");
      await Promise.all(sessions.map((s) => s.done));
      for (const dispose of this.#disposers) dispose();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts an in-memory EventStore speaking the legacy TCP protocol.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * // port 0 picks a free port; `await using` stops the store (and its connections) at scope end.
 * await using store = await startMemoryStore({ port: 0, users: { app: "secret" } });
 * assert.match(store.url, /^tcp:\/\/127\.0\.0\.1:\d+$/);
 * await using conn = await connect(store.url, {
 *   credentials: { username: "app", password: "secret" },
 * });
 * await conn.publishEvent("orders", "order_placed", { body: { order: 1 } });
 * assert.equal(store.connectionCount, 1);
 * ```
 */
export function startMemoryStore(options: MemoryStoreOptions = {}): Promise<MemoryStore> {
  return startExtendedMemoryStore(options, []);
}

/**
 * {@linkcode startMemoryStore} with extra commands registered next to the built-in ones, e.g. to
 * script a misbehaving server in a test; each extension's disposer runs once when the store
 * closes. Internal seam: not exported from the memstore's entry point.
 */
export function startExtendedMemoryStore(
  options: MemoryStoreOptions,
  extensions: readonly MemoryStoreExtension[],
): Promise<MemoryStore> {
  try {
    return Promise.resolve(new RunningMemoryStore(options, extensions));
  } catch (error) {
    return Promise.reject(error);
  }
}
