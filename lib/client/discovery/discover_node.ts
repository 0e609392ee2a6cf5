/**
 * Cluster discovery by gossip (docs/protocol.md §5.3): ask gossip seeds (or the A records of a DNS
 * name) for the cluster's members, pick one by node preference, and return its TCP endpoint.
 *
 * @module
 */

import { DiscoveryError } from "../../errors.ts";
import { type Clock, systemClock } from "../../clock.ts";
import { type ClusterInfo, type MemberInfo, parseGossip } from "./gossip.ts";
import { type GossipSeed, gossipUrl, parseGossipSeed } from "./gossip_seed.ts";
import { NODE_PREFERENCES, type NodePreference, selectNode, shuffle } from "./node_selection.ts";

/** Defaults of the .NET client (docs/protocol.md §6.1) and NEC's discover delay. */
export const DISCOVERY_DEFAULTS = {
  /** HTTP port used with DNS discovery (v20 `GossipPort`). */
  gossipPort: 2113,
  /** Per-request gossip timeout. */
  gossipTimeoutMs: 1000,
  /** How many rounds over the candidates before giving up. */
  maxDiscoverAttempts: 10,
  /** Pause between rounds. */
  discoverDelayMs: 500,
} as const;

/** A TCP endpoint. */
export interface Endpoint {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
}

/** Options of {@linkcode discoverNode}. Give `seeds` or `dns` (or `previousMembers`). */
export interface DiscoverNodeOptions {
  /** Gossip seeds: `host:port`, optionally prefixed `http://` or `https://`. */
  seeds?: readonly (string | GossipSeed)[];
  /**
   * A DNS name whose A records are the nodes, asked on `gossipPort`. An IP address is asked
   * directly (no lookup); a name the DNS lookup cannot resolve (such as `localhost`, which lives in
   * the hosts file) is asked as a gossip seed itself, through the system resolver.
   */
  dns?: string;
  /** HTTP port for DNS-discovered nodes. Default 2113. */
  gossipPort?: number;
  /** Fetch gossip over HTTPS where a seed does not say (DNS nodes, unprefixed seeds, members). */
  gossipOverHttps?: boolean;
  /** Which member to choose. Default `"leader"`. */
  preference?: NodePreference;
  /** Connect with TLS: use `externalSecureTcpPort` when it is > 0. Default false. */
  tls?: boolean;
  /** Timeout of each gossip request. Default 1000 ms. */
  gossipTimeoutMs?: number;
  /** Rounds over the candidates before failing. Default 10. */
  maxDiscoverAttempts?: number;
  /** Pause between rounds. Default 500 ms. */
  discoverDelayMs?: number;
  /** The `fetch` used for gossip (inject one with custom TLS roots, or a fake). */
  fetch?: typeof fetch;
  /** Resolves a DNS name to IPv4 addresses. Default `Deno.resolveDns(name, "A")`. */
  resolveDns?: (name: string) => Promise<string[]>;
  /** Random source for shuffles and random choices. Default `Math.random`. */
  random?: () => number;
  /** Clock for timeouts and pauses. Default the system clock. */
  clock?: Clock;
  /** Aborts discovery; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Members of the last gossip seen: when given, they are asked first (before the seeds), managers
   * last, as the .NET client does after a connection failure.
   */
  previousMembers?: readonly MemberInfo[];
  /**
   * The TCP endpoint of a node that just failed: that member is not asked for gossip. It can still
   * be chosen if the cluster reports it as the best node (it may have come back).
   */
  excludeEndpoint?: Endpoint;
}

/** The outcome of a successful discovery. */
export interface DiscoveredNode extends Endpoint {
  /** Whether to connect with TLS (the `tls` option). */
  readonly secure: boolean;
  /** The chosen member. */
  readonly member: MemberInfo;
  /** All members of the gossip the choice was made from (feed to `previousMembers` later). */
  readonly members: readonly MemberInfo[];
}

/**
 * The TCP endpoint a member offers, or `undefined` if it offers none (port 0: external TCP off).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tcpEndpoint } from "./discover_node.ts";
 * import type { MemberInfo } from "./gossip.ts";
 * const m = { externalTcpIp: "10.0.0.1", externalTcpPort: 0, externalSecureTcpPort: 1113 };
 * assert.deepEqual(tcpEndpoint(m as MemberInfo, true), { host: "10.0.0.1", port: 1113 });
 * ```
 */
export function tcpEndpoint(member: MemberInfo, tls: boolean): Endpoint | undefined {
  const port = tls && member.externalSecureTcpPort > 0
    ? member.externalSecureTcpPort
    : member.externalTcpPort;
  return port > 0 ? { host: member.externalTcpIp, port } : undefined;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${name} ${value}: expected a positive integer`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`Invalid ${name} ${value}: expected a number of milliseconds >= 0`);
  }
  return value;
}

/**
 * Discovers a cluster node: each round shuffles the candidates, fetches
 * `/gossip?format=json` from each until one answers with a member matching the preference, and
 * returns that member's TCP endpoint; rounds repeat up to `maxDiscoverAttempts` with
 * `discoverDelayMs` pauses.
 *
 * @throws {TypeError} when neither (or both of) `seeds` and `dns` are given, or a seed is invalid
 * @throws {RangeError} for an invalid number option or preference
 * @throws {DiscoveryError} when every round fails; `cause` is the last failure
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { discoverNode } from "./discover_node.ts";
 * import { startMemoryCluster } from "../../memstore/mod.ts";
 *
 * await using cluster = await startMemoryCluster({ nodes: 3 });
 * const node = await discoverNode({ seeds: [...cluster.gossipSeeds] });
 * assert.equal(node.member.state, "Leader"); // the default preference
 * assert.equal(node.port, cluster.leader!.tcpPort);
 * ```
 */
export async function discoverNode(options: DiscoverNodeOptions): Promise<DiscoveredNode> {
  const secureGossip = options.gossipOverHttps ?? false;
  if (options.seeds !== undefined && options.dns !== undefined) {
    throw new TypeError("Invalid discovery options: give either seeds or dns, not both");
  }
  const seeds = (options.seeds ?? []).map((s) =>
    typeof s === "string" ? parseGossipSeed(s, secureGossip) : s
  );
  if (seeds.length === 0 && options.dns === undefined && !options.previousMembers?.length) {
    throw new TypeError("Invalid discovery options: give gossip seeds or a DNS name");
  }
  const gossipPort = positiveInteger(
    "gossipPort",
    options.gossipPort ?? DISCOVERY_DEFAULTS.gossipPort,
  );
  const timeoutMs = nonNegative(
    "gossipTimeoutMs",
    options.gossipTimeoutMs ?? DISCOVERY_DEFAULTS.gossipTimeoutMs,
  );
  const attempts = positiveInteger(
    "maxDiscoverAttempts",
    options.maxDiscoverAttempts ?? DISCOVERY_DEFAULTS.maxDiscoverAttempts,
  );
  const delayMs = nonNegative(
    "discoverDelayMs",
    options.discoverDelayMs ?? DISCOVERY_DEFAULTS.discoverDelayMs,
  );
  const preference = options.preference ?? "leader";
  if (!NODE_PREFERENCES.includes(preference)) {
    throw new RangeError(
      `Invalid node preference "${preference}": expected one of ${NODE_PREFERENCES.join(", ")}`,
    );
  }
  const tls = options.tls ?? false;
  const fetchFn = options.fetch ?? fetch;
  const resolveDns = options.resolveDns ?? ((name: string) => Deno.resolveDns(name, "A"));
  const random = options.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  const signal = options.signal;

  let known = options.previousMembers;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    signal?.throwIfAborted();
    let candidates: GossipSeed[] = [];
    if (known?.length) {
      candidates = seedsFromMembers(known, options.excludeEndpoint, secureGossip, random);
    }
    let fallback: GossipSeed | undefined;
    try {
      if (options.dns !== undefined && isIpAddress(options.dns)) {
        candidates.push({ host: options.dns, port: gossipPort, secure: secureGossip });
      } else if (options.dns !== undefined) {
        const ips = await resolveDns(options.dns);
        candidates.push(
          ...shuffle(ips.map((host) => ({ host, port: gossipPort, secure: secureGossip })), random),
        );
      } else {
        candidates.push(...shuffle([...seeds], random));
      }
    } catch (cause) {
      signal?.throwIfAborted();
      lastError = new Error(`Cannot resolve "${options.dns}": ${describeChain(cause)}`, { cause });
      fallback = { host: options.dns!, port: gossipPort, secure: secureGossip };
      candidates.push(fallback);
    }
    for (const seed of dedupe(candidates)) {
      let info: ClusterInfo;
      try {
        info = await fetchGossip(seed, fetchFn, timeoutMs, clock, signal);
      } catch (cause) {
        signal?.throwIfAborted();
        // The lookup's failure says more than the fallback's.
        if (seed !== fallback) lastError = cause;
        continue;
      }
      known = info.members;
      const usable = info.members.filter((m) => tcpEndpoint(m, tls) !== undefined);
      const member = selectNode(usable, preference, random);
      if (member) {
        return { ...tcpEndpoint(member, tls)!, secure: tls, member, members: info.members };
      }
      lastError = new Error(
        `Gossip from ${gossipUrl(seed)} lists no eligible member with a TCP endpoint`,
      );
    }
    if (attempt < attempts) await sleep(delayMs, clock, signal);
  }
  throw new DiscoveryError(attempts, { cause: lastError });
}

/** Whether `host` is an IPv4 or IPv6 literal (asked directly, as the system resolver would). */
function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ||
    (host.includes(":") && /^[0-9a-f:.]+$/i.test(host));
}

/** Gossip seeds from the members of an earlier gossip: the failed node left out, managers last. */
function seedsFromMembers(
  members: readonly MemberInfo[],
  exclude: Endpoint | undefined,
  secure: boolean,
  random: () => number,
): GossipSeed[] {
  const isExcluded = (m: MemberInfo): boolean =>
    exclude !== undefined && m.externalTcpIp === exclude.host &&
    (m.externalTcpPort === exclude.port || m.externalSecureTcpPort === exclude.port);
  const usable = members.filter((m) => !isExcluded(m) && m.httpPort > 0);
  const toSeed = (m: MemberInfo): GossipSeed => ({ host: m.httpIp, port: m.httpPort, secure });
  return [
    ...shuffle(usable.filter((m) => m.state !== "Manager").map(toSeed), random),
    ...shuffle(usable.filter((m) => m.state === "Manager").map(toSeed), random),
  ];
}

function dedupe(seeds: readonly GossipSeed[]): GossipSeed[] {
  const seen = new Set<string>();
  return seeds.filter((s) => {
    const key = gossipUrl(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Fetches and parses one seed's gossip, bounded by `timeoutMs` and the caller's signal.
 *
 * @throws {Error} naming the URL when the request fails, times out or answers non-2xx
 * @throws {ProtocolError} when the document is not gossip
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fetchGossip } from "./discover_node.ts";
 * import { parseGossipSeed } from "./gossip_seed.ts";
 * import { startMemoryCluster } from "../../memstore/mod.ts";
 *
 * await using cluster = await startMemoryCluster({ nodes: 3 });
 * const info = await fetchGossip(parseGossipSeed(cluster.gossipSeeds[0], false));
 * assert.equal(info.members.length, 3);
 * ```
 */
export async function fetchGossip(
  seed: GossipSeed,
  fetchFn: typeof fetch = fetch,
  timeoutMs: number = DISCOVERY_DEFAULTS.gossipTimeoutMs,
  clock: Clock = systemClock,
  signal?: AbortSignal,
): Promise<ClusterInfo> {
  const url = gossipUrl(seed);
  const controller = new AbortController();
  const timer = clock.setTimeout(
    () =>
      controller.abort(
        new DOMException(`Gossip request timed out after ${timeoutMs} ms`, "TimeoutError"),
      ),
    timeoutMs,
  );
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (signal?.aborted) onAbort();
    let json: unknown;
    try {
      const response = await fetchFn(url, {
        signal: controller.signal,
        headers: { accept: "application/json" },
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`HTTP status ${response.status}`);
      }
      json = await response.json();
    } catch (cause) {
      throw new Error(`Gossip request to ${url} failed: ${describeChain(cause)}`, { cause });
    }
    return parseGossip(json);
  } finally {
    clock.clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** An error's message followed by its causes' (fetch hides TLS and socket details in `cause`). */
function describeChain(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && depth < 4; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ");
}

function sleep(ms: number, clock: Clock, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Discovery with memory: remembers the members of the last gossip so that, after a node fails,
 * the next discovery asks the other members first (docs/protocol.md §5.3).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClusterDiscoverer } from "./discover_node.ts";
 * import { startMemoryCluster } from "../../memstore/mod.ts";
 *
 * await using cluster = await startMemoryCluster({ nodes: 3 });
 * const discoverer = new ClusterDiscoverer({ seeds: [...cluster.gossipSeeds] });
 * const first = await discoverer.discover();
 * await cluster.killLeader(); // the connection to `first` fails...
 * const next = await discoverer.discover({ host: first.host, port: first.port });
 * assert.notEqual(next.port, first.port);
 * ```
 */
export class ClusterDiscoverer {
  readonly #options: DiscoverNodeOptions;
  #members: readonly MemberInfo[] | undefined;

  /** Creates the discoverer; nothing is fetched until {@linkcode ClusterDiscoverer.discover}. */
  constructor(options: DiscoverNodeOptions) {
    this.#options = options;
    this.#members = options.previousMembers;
  }

  /** The members of the last gossip received, if any. */
  get members(): readonly MemberInfo[] | undefined {
    return this.#members;
  }

  /**
   * Discovers a node; `failed` is the endpoint whose connection just failed, if any.
   *
   * @throws {DiscoveryError} as {@linkcode discoverNode}
   */
  async discover(failed?: Endpoint, signal?: AbortSignal): Promise<DiscoveredNode> {
    const node = await discoverNode({
      ...this.#options,
      previousMembers: this.#members,
      excludeEndpoint: failed,
      signal: signal ?? this.#options.signal,
    });
    this.#members = node.members;
    return node;
  }
}
