/**
 * An in-memory EventStore server ("memstore") speaking the legacy TCP client protocol, for tests,
 * demos and benchmarks. It behaves like a single EventStore 5.x / 20.x–23.10 node: expected
 * versions and idempotency, soft and hard deletes, stream and `$all` reads (filtered too), link
 * resolution, stream metadata and ACLs, authentication, transactions, volatile, filtered and
 * persistent subscriptions (consumer strategies, acks and naks, retries, parking, checkpoints) and
 * heartbeats.
 *
 * With `httpPort` it also serves the real server's HTTP API on that port (`store.httpUrl`): users,
 * streams as Atom JSON (appends, paging, long-polls, deletes, `$all`), persistent-subscription
 * statistics and parked-message replay, `/info`, `/ping`, `/gossip`, and a stream browser at
 * `/web/index.html`, over the same users, groups and ACLs as the TCP side (docs/http_api.md lists
 * the endpoints and where they differ from the real server's). `deno task server` (or
 * `deno run -A jsr:@photonpump/client/server`) runs it from the command line.
 *
 * {@linkcode startMemoryCluster} runs several such nodes as a simulated cluster on loopback (gossip
 * endpoints, a leader and followers answering NotHandled NotLeader, killable nodes and elections).
 *
 * Memory: event bytes are held once, encoded, in slabs outside the JavaScript heap, with a small
 * index entry per event on the heap (about 0.4 KB); `maxMemory` (`--max-memory`) bounds the
 * total, and past it writes are answered as a real node with a full disk answers them
 * (PrepareTimeout, the reason in the message) while reads, subscriptions and deletes go on.
 *
 * Differences from a real node: `$all` starts empty (a real node has system events from its
 * start-up), nothing is persisted, pre-4.0 clients' 32-bit event numbers are not narrowed, a full
 * store refuses writes at once instead of after the write timeout, and a read page is cut short
 * at 128 MiB of events (a real node builds a reply of any size; pages between 64 and 128 MiB are
 * sent whole, as it sends them, for clients to reject).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 }); // 0: a free port
 * await using conn = await connect(store.url); // "tcp://127.0.0.1:<port>"
 * await conn.publishEvent("orders", "order_placed", { body: { order: 1 } });
 * assert.equal((await conn.get("orders")).length, 1);
 * ```
 *
 * @module
 */

export { startMemoryStore } from "./memory_store.ts";
export { startMemoryCluster } from "./cluster/memory_cluster.ts";
export type { MemoryStore, MemoryStoreOptions } from "./memory_store.ts";
export type { NotHandledMode } from "./session.ts";
export type { MemoryCluster, MemoryClusterOptions } from "./cluster/memory_cluster.ts";
export type { MemoryClusterNode } from "./cluster/cluster_node.ts";
export type { EpochInfo, GossipShape } from "./cluster/gossip_document.ts";
export type { NodeRole } from "./cluster/leader_policy.ts";
export type { UserAccount, UsersOption } from "./auth.ts";
export type { Clock, TimerHandle } from "../clock.ts";
export type { Duplex } from "../wire/duplex.ts";
