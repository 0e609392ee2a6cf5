/**
 * A simulated EventStore cluster on loopback: several memstore nodes, each with its own client TCP
 * port and HTTP port (the memstore's whole HTTP API, gossip included; a follower redirects
 * `ES-RequireLeader: True` requests to the leader with 307), one elected leader and followers, and a way for tests to kill
 * nodes and watch a new leader take over.
 *
 * What is simulated, and how:
 * - Replication is synchronous and exact: every node reads and writes one shared
 *   {@linkcode MemoryStorage}, as if each follower applied the leader's committed log before the
 *   leader acknowledged. A write acknowledged anywhere is visible on every node at once.
 * - Roles follow the real server's rules (docs/protocol.md §4.15, see leader_policy.ts): followers
 *   answer `require_leader` requests and persistent-subscription commands with NotHandled
 *   NotLeader naming the leader's endpoints, serve other reads locally and run other writes
 *   against the shared log (standing for the real follower forwarding them to the leader).
 * - Elections are instantaneous: after a kill or a restart, if the alive nodes are a majority and
 *   there is no alive leader, the alive node with the highest priority (then the lowest index)
 *   becomes leader and the epoch number goes up by one, its position being the current end of the
 *   log. Without a majority there is no leader: every alive node is `Unknown` and answers writes
 *   and `require_leader` reads with NotHandled NotReady (the real leader retires on "no quorum").
 *   A restarted node keeps its ports and instance id and follows the current leader.
 * - Gossip is one consistent view served by every alive node: alive members with live positions;
 *   a dead member keeps its last state and positions, with `isAlive: false`.
 *
 * Not simulated: replication lag, internal (replication) ports (gossip reports 0), read-only
 * replicas, clones, the PreLeader, PreReplica and CatchingUp states, epoch records in the log,
 * forward timeouts, a node catching up after a restart (it shares the log), and persistent
 * subscriptions moving between nodes (groups live in the shared storage, so they survive a
 * leader change; subscribers of a node that stops leading are not dropped).
 *
 * @module
 */

import { type Clock, systemClock } from "../../clock.ts";
import { DEFAULT_MAX_PACKAGE_SIZE } from "../../wire/package_codec.ts";
import { Authorizer, type UsersOption } from "../auth.ts";
import { CommandRegistry } from "../command_registry.ts";
import { registerCoreHandlers } from "../handlers/core_handlers.ts";
import { MemoryStorage } from "../storage.ts";
import { ClusterNode, type MemoryClusterNode } from "./cluster_node.ts";
import { type EpochInfo, gossipDocument, type GossipShape } from "./gossip_document.ts";
import type { LeaderEndpoints } from "./leader_policy.ts";

/** Options of {@linkcode startMemoryCluster}. */
export interface MemoryClusterOptions {
  /** Number of nodes. Default 3. */
  nodes?: number;
  /** Loopback interface every node listens on. Default `"127.0.0.1"`. */
  hostname?: string;
  /**
   * PEM certificate and key: client TCP ports speak TLS (gossip advertises them as
   * `externalSecureTcpPort`, `externalTcpPort` 0) and, with the 20.x gossip shape, gossip is
   * served over HTTPS.
   */
  tls?: { cert: string; key: string };
  /** Gossip of 20.x+ (`"20"`, default: Leader/Follower) or of 5.x (`"5"`: Master/Slave). */
  gossipShape?: GossipShape;
  /** Election priority of each node (default 0 each); higher wins when a leader is elected. */
  nodePriorities?: readonly number[];
  /** Extra users, as {@linkcode MemoryStoreOptions.users}. */
  users?: UsersOption;
  /** 20.x `--insecure`: any credentials pass and nothing is denied. */
  insecure?: boolean;
  /** Server heartbeats (default 2000 ms interval, 1000 ms timeout), or false. */
  heartbeat?: { intervalMs: number; timeoutMs: number } | false;
  /** Timers for heartbeats (default: the system clock). */
  clock?: Clock;
  /** Log sink, one line per call, prefixed with the node. Default: silent. */
  log?: (line: string) => void;
}

/** A running simulated cluster. */
export interface MemoryCluster extends AsyncDisposable {
  /** Every node, dead ones included, in start order. */
  readonly nodes: readonly MemoryClusterNode[];
  /** The alive leader, or null while there is none (no majority alive). */
  readonly leader: MemoryClusterNode | null;
  /** The alive followers. */
  readonly followers: readonly MemoryClusterNode[];
  /** The gossip seed of every node (`http://host:port`, or `https://`), dead ones included. */
  readonly gossipSeeds: readonly string[];
  /** The current epoch (number 0 for the first leader, +1 per election). */
  readonly epoch: EpochInfo;
  /**
   * Kills node `index` like a crash: its TCP and gossip ports close (connecting is refused), its
   * connections are cut, and if it was the leader another alive node is elected when a majority
   * is still alive. Killing a dead node is a no-op.
   *
   * @throws {RangeError} for an index that is not a node's
   */
  killNode(index: number): Promise<void>;
  /**
   * Brings killed node `index` back on the same ports with the same instance id: it becomes a
   * Follower of the current leader, or, when its return gives the alive nodes a majority again,
   * elections run (see {@linkcode startMemoryCluster}). It has every write at once (the log is
   * shared). Restarting an alive node is a no-op.
   *
   * @throws {RangeError} for an index that is not a node's
   * @throws {TypeError} once the cluster is closed
   * @throws {Deno.errors.AddrInUse} when something else took one of the node's ports meanwhile
   */
  restartNode(index: number): Promise<void>;
  /**
   * Kills the current leader (see {@linkcode MemoryCluster.killNode}).
   *
   * @throws {TypeError} when there is no leader
   */
  killLeader(): Promise<void>;
  /** Stops every node. Closing twice is a no-op. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

class RunningMemoryCluster implements MemoryCluster {
  readonly #nodes: ClusterNode[] = [];
  readonly #priorities: readonly number[];
  readonly #shape: GossipShape;
  readonly #storage: MemoryStorage;
  readonly #log: (line: string) => void;
  #leader: ClusterNode | null = null;
  #epoch: EpochInfo = { position: 0, number: -1, id: "00000000-0000-0000-0000-000000000000" };
  #closing: Promise<void> | null = null;

  constructor(options: MemoryClusterOptions) {
    const count = options.nodes ?? 3;
    if (!Number.isInteger(count) || count < 1 || count > 16) {
      throw new RangeError(`Invalid cluster size ${count}: expected an integer from 1 to 16`);
    }
    const hostname = options.hostname ?? "127.0.0.1";
    if (!LOOPBACK.test(hostname)) {
      throw new TypeError(`Invalid cluster hostname "${hostname}": expected a loopback address`);
    }
    const shape = options.gossipShape ?? "20";
    if (shape !== "20" && shape !== "5") {
      throw new TypeError(`Invalid gossip shape "${shape}": expected "20" or "5"`);
    }
    const priorities = options.nodePriorities ?? [];
    if (priorities.length > count || priorities.some((p) => !Number.isInteger(p))) {
      throw new RangeError(
        `Invalid node priorities ${JSON.stringify(priorities)}: expected at most ${count} integers`,
      );
    }
    this.#priorities = priorities;
    this.#shape = shape;
    this.#storage = new MemoryStorage();
    this.#log = options.log ?? (() => {});
    const registry = new CommandRegistry();
    registerCoreHandlers(registry);
    const context = {
      storage: this.#storage,
      auth: new Authorizer(this.#storage, { insecure: options.insecure, users: options.users }),
      clock: options.clock ?? systemClock,
      log: this.#log,
      registry,
      session: {
        heartbeat: options.heartbeat ?? { intervalMs: 2000, timeoutMs: 1000 },
        maxPackageSize: DEFAULT_MAX_PACKAGE_SIZE,
        maxQueuedPackages: 50_000,
        maxPendingSendBytes: 10 * 1024 * 1024,
      },
      hostname,
      tls: options.tls,
      // 5.x served gossip over plain HTTP even when its TCP port spoke TLS.
      httpsGossip: options.tls !== undefined && shape === "20",
      leader: (): LeaderEndpoints | null => this.#leader?.endpoints ?? null,
      gossip: (node: ClusterNode): unknown => this.#gossipOf(node),
    };
    try {
      for (let i = 0; i < count; i++) this.#nodes.push(new ClusterNode(i, context));
    } catch (error) {
      void this.close();
      throw error;
    }
    this.#elect();
  }

  get nodes(): readonly MemoryClusterNode[] {
    return this.#nodes;
  }

  get leader(): MemoryClusterNode | null {
    return this.#leader;
  }

  get followers(): readonly MemoryClusterNode[] {
    return this.#nodes.filter((n) => n.isAlive && n.state === "Follower");
  }

  get gossipSeeds(): readonly string[] {
    return this.#nodes.map((n) => n.gossipSeed);
  }

  get epoch(): EpochInfo {
    return this.#epoch;
  }

  #priorityOf(node: ClusterNode): number {
    return this.#priorities[node.index] ?? 0;
  }

  #gossipOf(server: ClusterNode): unknown {
    const members = this.#nodes.map((n) => n.snapshot(this.#epoch, this.#priorityOf(n)));
    return gossipDocument(members, this.#shape, server.hostname, server.httpPort);
  }

  /** Re-runs the elections after a membership change (instantaneous, see the module doc). */
  #elect(): void {
    const alive = this.#nodes.filter((n) => n.isAlive);
    const majority = Math.floor(this.#nodes.length / 2) + 1;
    if (alive.length < majority) {
      if (this.#leader !== null) this.#log(`No quorum (${alive.length}/${this.#nodes.length})`);
      this.#leader = null;
      for (const node of alive) node.setRole("Unknown");
      return;
    }
    if (this.#leader !== null && this.#leader.isAlive) {
      for (const node of alive) if (node !== this.#leader) node.setRole("Follower");
      return;
    }
    const leader = alive.reduce((best, n) =>
      this.#priorityOf(n) > this.#priorityOf(best) ? n : best
    );
    this.#epoch = {
      position: this.#storage.writerCheckpoint,
      number: this.#epoch.number + 1,
      id: crypto.randomUUID(),
    };
    this.#leader = leader;
    for (const node of alive) node.setRole(node === leader ? "Leader" : "Follower");
    this.#log(`Node ${leader.index} elected leader (epoch ${this.#epoch.number})`);
  }

  #nodeAt(index: number): ClusterNode {
    const node = this.#nodes[index];
    if (!Number.isInteger(index) || node === undefined) {
      throw new RangeError(
        `Invalid node index ${index}: the cluster has nodes 0 to ${this.#nodes.length - 1}`,
      );
    }
    return node;
  }

  async killNode(index: number): Promise<void> {
    const node = this.#nodeAt(index);
    if (!node.isAlive) return;
    const killed = node.kill(node.snapshot(this.#epoch, this.#priorityOf(node)));
    this.#elect();
    await killed;
  }

  async restartNode(index: number): Promise<void> {
    if (this.#closing) throw new TypeError("Cannot restart a node: the cluster is closed");
    const node = this.#nodeAt(index);
    if (node.isAlive) return;
    await node.restart();
    this.#elect();
  }

  killLeader(): Promise<void> {
    if (this.#leader === null) {
      return Promise.reject(new TypeError("Cannot kill the leader: the cluster has no leader"));
    }
    return this.killNode(this.#leader.index);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#leader = null;
      await Promise.all(
        this.#nodes.map((n) => n.kill(n.snapshot(this.#epoch, this.#priorityOf(n)))),
      );
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts a simulated cluster on loopback: `nodes` memstore nodes (default 3), each with a client
 * TCP port and an HTTP gossip port (both picked free), node 0 elected leader.
 *
 * @throws {RangeError} for a cluster size outside 1..16 or invalid node priorities
 * @throws {TypeError} for a hostname that is not loopback or an unknown gossip shape
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryCluster } from "@photonpump/client/memstore";
 *
 * await using cluster = await startMemoryCluster({ nodes: 3 });
 * await using conn = await connect({
 *   discovery: { seeds: [...cluster.gossipSeeds], preference: "leader" },
 *   reconnection: { delay: 50, maxAttempts: 10 },
 * });
 * await conn.publishEvent("shipments", "shipment_sent", { body: { parcel: 1 } });
 * const first = cluster.leader;
 * await cluster.killLeader(); // the others elect a new leader; the client fails over to it
 * assert.notEqual(cluster.leader, first);
 * await conn.publishEvent("shipments", "shipment_sent", { body: { parcel: 2 } });
 * assert.equal((await conn.get("shipments")).length, 2);
 * ```
 */
export function startMemoryCluster(options: MemoryClusterOptions = {}): Promise<MemoryCluster> {
  try {
    return Promise.resolve(new RunningMemoryCluster(options));
  } catch (error) {
    return Promise.reject(error);
  }
}
