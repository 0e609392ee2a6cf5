/**
 * `deno task cluster`: runs a simulated memstore cluster on loopback until SIGINT/SIGTERM, for
 * trying clients of any language against gossip discovery and failover by hand.
 *
 * Flags: `--nodes 3 --host 127.0.0.1 --gossip-shape 20|5 --insecure --tls-cert file --tls-key
 * file`. Commands on stdin, one per line: `status`, `kill <node>`, `kill-leader`,
 * `restart <node>`; each answers with the cluster's status.
 *
 * @module
 */

import type { GossipShape } from "./gossip_document.ts";
import { type MemoryCluster, startMemoryCluster } from "./memory_cluster.ts";

/** Parsed command-line flags. */
export interface ClusterCliFlags {
  /** Number of nodes. */
  nodes: number;
  /** Loopback interface to bind. */
  host: string;
  /** Gossip era. */
  gossipShape: GossipShape;
  /** Passthrough authentication. */
  insecure: boolean;
  /** Path of a PEM certificate (TLS when given with `tlsKey`). */
  tlsCert?: string;
  /** Path of a PEM private key. */
  tlsKey?: string;
}

/**
 * Parses the flags.
 *
 * @throws {TypeError} for an unknown flag, a missing value, a bad node count or gossip shape
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseClusterFlags } from "./cluster_cli.ts";
 * assert.deepEqual(parseClusterFlags(["--nodes", "5"]).nodes, 5);
 * ```
 */
export function parseClusterFlags(args: readonly string[]): ClusterCliFlags {
  const flags: ClusterCliFlags = {
    nodes: 3,
    host: "127.0.0.1",
    gossipShape: "20",
    insecure: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new TypeError(`Flag "${arg}" needs a value`);
      return v;
    };
    switch (arg) {
      case "--nodes": {
        const text = value();
        const nodes = Number(text);
        if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) {
          throw new TypeError(`Invalid node count "${text}": expected 1-16`);
        }
        flags.nodes = nodes;
        break;
      }
      case "--host":
        flags.host = value();
        break;
      case "--gossip-shape": {
        const shape = value();
        if (shape !== "20" && shape !== "5") {
          throw new TypeError(`Invalid gossip shape "${shape}": expected "20" or "5"`);
        }
        flags.gossipShape = shape;
        break;
      }
      case "--insecure":
        flags.insecure = true;
        break;
      case "--tls-cert":
        flags.tlsCert = value();
        break;
      case "--tls-key":
        flags.tlsKey = value();
        break;
      default:
        throw new TypeError(`Unknown flag "${arg}"`);
    }
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new TypeError("TLS needs both --tls-cert and --tls-key");
  }
  return flags;
}

/**
 * The cluster's status: one line per node (index, state, alive, TCP URL, gossip seed), then the
 * gossip seeds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clusterStatus } from "./cluster_cli.ts";
 * import { startMemoryCluster } from "./memory_cluster.ts";
 *
 * await using cluster = await startMemoryCluster({ nodes: 3 });
 * const lines = clusterStatus(cluster).split("\n");
 * assert.match(lines[0], /^node 0 Leader alive tcp:\/\/127\.0\.0\.1:\d+ gossip /);
 * assert.match(lines[3], /^gossip seeds: /);
 * ```
 */
export function clusterStatus(cluster: MemoryCluster): string {
  const lines = cluster.nodes.map((n) =>
    `node ${n.index} ${n.state} ${n.isAlive ? "alive" : "dead"} ${n.url} gossip ${n.gossipSeed}`
  );
  lines.push(`gossip seeds: ${cluster.gossipSeeds.join(",")}`);
  return lines.join("\n");
}

/**
 * Runs one stdin command against the cluster and returns what to print.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runClusterCommand } from "./cluster_cli.ts";
 * import { startMemoryCluster } from "./memory_cluster.ts";
 *
 * await using cluster = await startMemoryCluster({ nodes: 3 });
 * const before = cluster.leader;
 * await runClusterCommand(cluster, "kill-leader");
 * assert.notEqual(cluster.leader, before);
 * ```
 */
export async function runClusterCommand(cluster: MemoryCluster, line: string): Promise<string> {
  const [command, argument, ...rest] = line.trim().split(/\s+/);
  const index = Number(argument);
  const needsIndex = command === "kill" || command === "restart";
  if (rest.length > 0 || (needsIndex && (argument === undefined || !Number.isInteger(index)))) {
    return `Invalid command "${line.trim()}"`;
  }
  try {
    switch (command) {
      case "":
      case "status":
        break;
      case "kill":
        await cluster.killNode(index);
        break;
      case "kill-leader":
        await cluster.killLeader();
        break;
      case "restart":
        await cluster.restartNode(index);
        break;
      default:
        return `Unknown command "${command}": use status, kill <node>, kill-leader, restart <node>`;
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return clusterStatus(cluster);
}

async function readCommands(cluster: MemoryCluster, print: (text: string) => void): Promise<void> {
  let buffered = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      print(await runClusterCommand(cluster, line));
    }
  }
}

async function main(): Promise<void> {
  const flags = parseClusterFlags(Deno.args);
  const print = (text: string): void => console.log(text);
  const cluster = await startMemoryCluster({
    nodes: flags.nodes,
    hostname: flags.host,
    gossipShape: flags.gossipShape,
    insecure: flags.insecure,
    tls: flags.tlsCert && flags.tlsKey
      ? { cert: await Deno.readTextFile(flags.tlsCert), key: await Deno.readTextFile(flags.tlsKey) }
      : undefined,
  });
  const { promise, resolve } = Promise.withResolvers<string>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, () => resolve(signal));
  // Printed once the signal handlers are in place, so a supervisor may stop us right after it.
  print(clusterStatus(cluster));
  // A closed stdin only ends the commands; the cluster runs until a signal.
  readCommands(cluster, print).catch((error) => print(`stdin: ${error}`));
  const signal = await promise;
  print(`${signal} received, stopping`);
  await cluster.close();
  print("stopped");
  // A pending read of stdin would keep the process alive.
  Deno.exit(0);
}

if (import.meta.main) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  });
}
