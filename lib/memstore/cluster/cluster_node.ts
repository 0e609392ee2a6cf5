/**
 * One node of the simulated cluster: a client TCP listener whose sessions run the memstore's
 * handlers behind the node's role, and the HTTP API (gossip included, the same API a single
 * store serves). Nodes share storage and users (see memory_cluster.ts for what that simulates);
 * the cluster decides roles.
 *
 * @module
 */

import type { Clock } from "../../clock.ts";
import { createPipe, type Duplex } from "../../wire/duplex.ts";
import type { Authorizer } from "../auth.ts";
import type { CommandRegistry, StoreServices } from "../command_registry.ts";
import { listen, type Listener } from "../listener.ts";
import { type NotHandledMode, Session, type SessionOptions } from "../session.ts";
import type { MemoryStorage } from "../storage.ts";
import type { EpochInfo, MemberSnapshot } from "./gossip_document.ts";
import { createHttpApi } from "../http/http_api.ts";
import { type HttpListener, serveHttp } from "../http/http_listener.ts";
import type { LeaderEndpoints, NodeRole } from "./leader_policy.ts";
import { roleAwareRegistry } from "./role_registry.ts";

/** A node of a running {@linkcode MemoryCluster}, as tests see it. */
export interface MemoryClusterNode {
  /** Position in `cluster.nodes`. */
  readonly index: number;
  /** The node's instance id (a GUID string, as in gossip). */
  readonly instanceId: string;
  /** The loopback interface it listens on. */
  readonly hostname: string;
  /** Its client TCP (or TLS) port. */
  readonly tcpPort: number;
  /** Its HTTP port: the HTTP API (users, streams, subscriptions, stream browser) and gossip. */
  readonly httpPort: number;
  /** Whether the TCP port speaks TLS. */
  readonly secure: boolean;
  /** `tcp://host:port`, or `tls://host:port` with TLS. */
  readonly url: string;
  /** The gossip seed of this node: `http://host:port` (or `https://`), also its HTTP API's URL. */
  readonly gossipSeed: string;
  /** `<gossipSeed>/gossip?format=json`. */
  readonly gossipUrl: string;
  /** Its role; for a dead node, the last role it had (as gossip reports it). */
  readonly state: NodeRole;
  /** False once killed. */
  readonly isAlive: boolean;
  /** Open client connections. */
  readonly connectionCount: number;
  /** Serves one new connection over an in-memory pipe and returns the client's end. */
  connectPipe(): Duplex;
  /** Answers every request with NotHandled(reason) while set; null restores normal service. */
  setNotHandled(reason: NotHandledMode): void;
  /** Closes every client connection of this node (it keeps running). */
  dropConnections(): void;
}

/** What a node needs from its cluster. */
export interface ClusterNodeContext {
  /** Shared log and index. */
  readonly storage: MemoryStorage;
  /** Shared users. */
  readonly auth: Authorizer;
  /** Timers. */
  readonly clock: Clock;
  /** Log sink. */
  readonly log: (line: string) => void;
  /** The handlers every node runs (wrapped per node). */
  readonly registry: CommandRegistry;
  /** Session settings except the NotHandled mode. */
  readonly session: Omit<SessionOptions, "notHandled">;
  /** Loopback interface. */
  readonly hostname: string;
  /** TLS material for the TCP listener (and HTTPS gossip when `httpsGossip`). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Serve gossip over HTTPS. */
  readonly httpsGossip: boolean;
  /** The current leader's endpoints, or null. */
  leader(): LeaderEndpoints | null;
  /** The gossip document this node serves now. */
  gossip(node: ClusterNode): unknown;
}

/** A host as written in a URL: IPv6 addresses in brackets. */
function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** A cluster node (internal: tests get it as {@linkcode MemoryClusterNode}). */
export class ClusterNode implements MemoryClusterNode {
  readonly index: number;
  readonly instanceId: string = crypto.randomUUID();
  readonly hostname: string;
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly secure: boolean;
  readonly #context: ClusterNodeContext;
  readonly #services: StoreServices;
  readonly #sessionOptions: SessionOptions;
  readonly #sessions = new Set<Session>();
  readonly #registry: CommandRegistry;
  #listener: Listener;
  #gossip: HttpListener;
  readonly #httpScheme: string;
  #role: NodeRole = "Unknown";
  #notHandled: NotHandledMode = null;
  #killing: Promise<void> | null = null;
  #restarting: Promise<void> | null = null;
  /** What gossip reports about this node once it is dead. */
  #lastKnown: MemberSnapshot | null = null;

  /** Starts the node's listeners on free ports (role Unknown until the cluster elects). */
  constructor(index: number, context: ClusterNodeContext) {
    this.index = index;
    this.#context = context;
    this.#services = {
      storage: context.storage,
      auth: context.auth,
      clock: context.clock,
      log: (line) => context.log(`[node ${index}] ${line}`),
    };
    this.#sessionOptions = { ...context.session, notHandled: () => this.#notHandled };
    this.#registry = roleAwareRegistry(context.registry, {
      role: () => this.#role,
      leader: () => context.leader(),
    });
    [this.#listener, this.#gossip] = this.#listen(0, 0);
    this.hostname = this.#listener.hostname;
    this.tcpPort = this.#listener.port;
    this.httpPort = this.#gossip.port;
    this.secure = context.tls !== undefined;
    this.#httpScheme = this.#gossip.secure ? "https" : "http";
  }

  #listen(tcpPort: number, httpPort: number): [Listener, HttpListener] {
    const context = this.#context;
    const listener = listen(
      { hostname: context.hostname, port: tcpPort, tls: context.tls },
      (duplex, remote) => this.#serve(duplex, remote),
    );
    try {
      const gossip = serveHttp(
        {
          hostname: context.hostname,
          port: httpPort,
          tls: context.httpsGossip ? context.tls : undefined,
        },
        createHttpApi({
          services: this.#services,
          gossip: () => context.gossip(this),
          nodeState: () => this.#role.toLowerCase(),
          leaderUrl: () => {
            const leader = context.leader();
            if (leader === null || this.#role === "Leader") return null;
            return `${this.#httpScheme}://${urlHost(leader.httpHost)}:${leader.httpPort}`;
          },
        }),
      );
      return [listener, gossip];
    } catch (error) {
      void listener.close();
      throw error;
    }
  }

  get url(): string {
    return `${this.secure ? "tls" : "tcp"}://${urlHost(this.hostname)}:${this.tcpPort}`;
  }

  get gossipSeed(): string {
    return `${this.#httpScheme}://${urlHost(this.hostname)}:${this.httpPort}`;
  }

  get gossipUrl(): string {
    return `${this.gossipSeed}/gossip?format=json`;
  }

  get state(): NodeRole {
    return this.#lastKnown?.state ?? this.#role;
  }

  get isAlive(): boolean {
    return this.#killing === null;
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  /** The node's client endpoints, as a follower names them in NotHandled NotLeader. */
  get endpoints(): LeaderEndpoints {
    return {
      tcpHost: this.hostname,
      tcpPort: this.tcpPort,
      secure: this.secure,
      httpHost: this.hostname,
      httpPort: this.httpPort,
    };
  }

  /** Sets the role (the cluster's elections). */
  setRole(role: NodeRole): void {
    if (this.#role !== role) this.#services.log(`is now ${role}`);
    this.#role = role;
  }

  /** What gossip says about this node: live values, or the last ones seen before it died. */
  snapshot(epoch: EpochInfo, nodePriority: number): MemberSnapshot {
    if (this.#lastKnown !== null) return this.#lastKnown;
    const storage = this.#context.storage;
    return {
      instanceId: this.instanceId,
      state: this.#role,
      isAlive: true,
      timeStamp: new Date(),
      host: this.hostname,
      tcpPort: this.tcpPort,
      secure: this.secure,
      httpPort: this.httpPort,
      lastCommitPosition: storage.lastCommitPosition,
      writerCheckpoint: storage.writerCheckpoint,
      chaserCheckpoint: storage.writerCheckpoint,
      epoch,
      nodePriority,
    };
  }

  connectPipe(): Duplex {
    if (!this.isAlive) throw new TypeError(`Cluster node ${this.index} is dead`);
    const [client, server] = createPipe();
    this.#serve(server, "pipe");
    return client;
  }

  setNotHandled(reason: NotHandledMode): void {
    this.#notHandled = reason;
  }

  dropConnections(): void {
    for (const session of this.#sessions) session.close("connections dropped by the test");
  }

  #serve(duplex: Duplex, remote: string): void {
    if (!this.isAlive) {
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

  /**
   * Kills the node as a crash would: gossip afterwards reports `snapshot` (taken by the caller
   * just before) with `isAlive: false`; the listeners stop and every connection is cut. Killing
   * twice is a no-op.
   */
  kill(lastKnown: MemberSnapshot): Promise<void> {
    this.#killing ??= (async () => {
      this.#lastKnown = { ...lastKnown, isAlive: false };
      this.#services.log("killed");
      await Promise.all([this.#listener.close(), this.#gossip.close()]);
      const sessions = [...this.#sessions];
      for (const session of sessions) session.close("the node was killed");
      await Promise.all(sessions.map((s) => s.done));
    })();
    return this.#killing;
  }

  /**
   * Brings a killed node back on the same ports and instance id (role Unknown until the cluster
   * elects again); it sees the shared log at once, as if it had caught up.
   *
   * @throws {Deno.errors.AddrInUse} when another listener took one of its ports meanwhile
   */
  restart(): Promise<void> {
    const killing = this.#killing;
    if (killing === null) return Promise.resolve();
    this.#restarting ??= (async () => {
      try {
        await killing;
        [this.#listener, this.#gossip] = this.#listen(this.tcpPort, this.httpPort);
        this.#role = "Unknown";
        this.#lastKnown = null;
        this.#killing = null;
        this.#services.log("restarted");
      } finally {
        this.#restarting = null;
      }
    })();
    return this.#restarting;
  }
}
