/**
 * The shape of `tests/bench/results.json` and the terminal table printed from it
 * (`deno run -A tests/bench/results.ts results.json` prints it again).
 *
 * @module
 */

import type { Percentiles, Spread } from "./stats.ts";

/** One client's figures on one workload. */
export interface ClientFigures {
  /** Events per second across passes. */
  readonly evPerSec: Spread;
  /** Median across passes of each latency percentile, in milliseconds, where measured. */
  readonly latencyMs?: Percentiles;
  /** The `step` sum of the last pass (reads), the proof each body was parsed. */
  readonly sum?: number;
}

/** One workload's line of the report. */
export interface WorkloadReport {
  /** `"W1"` … `"W8"`. */
  readonly name: string;
  /** What it does. */
  readonly title: string;
  /** photonpump. */
  readonly ours: ClientFigures;
  /** node-eventstore-client, when it runs this workload. */
  readonly peer?: ClientFigures;
  /** Per-pass ours / peer events per second. */
  readonly ratio?: Spread;
  /** The ceiling that applies, in events per second. */
  readonly ceiling?: { readonly name: string; readonly evPerSec: number };
  /** Median ours / ceiling. */
  readonly oursToCeiling?: number;
  /** Ours / peer of the median latency percentiles (below 1: ours is faster). */
  readonly latencyRatio?: { readonly p50: number; readonly p99: number };
  /** Extra figures (W7 memory). */
  readonly extra?: Readonly<Record<string, number>>;
}

/** Everything one `deno task bench` run measured. */
export interface BenchResults {
  /** ISO date of the run. */
  readonly date: string;
  /** The command that produced it. */
  readonly command: string;
  /** Small counts, one pass: a smoke run, not a comparison. */
  readonly quick: boolean;
  /** Passes per compared workload. */
  readonly passes: number;
  /** `git describe` of the code measured. */
  readonly commit: string;
  /** Where it ran. */
  readonly machine: {
    readonly cores: number;
    readonly cpu: string;
    readonly os: string;
    readonly memoryGiB: number;
  };
  /** What ran. */
  readonly versions: Readonly<Record<string, string>>;
  /** W1-W8. */
  readonly workloads: readonly WorkloadReport[];
  /** Ceilings across passes. */
  readonly ceilings: {
    readonly decodeJsonEvPerSec: Spread;
    readonly loopbackBytesPerSec: Spread;
    readonly loopbackRoundTripsPerSec: Spread;
    /** The memstore alone, per workload shape, in events per second. */
    readonly memstore: Readonly<Record<string, Spread>>;
  };
  /** The memory section (absent when `--only` left it out). */
  readonly memory?: {
    /** How many 100-byte events a memstore with a memory budget holds before refusing writes. */
    readonly capacity?: CapacityResult;
    /** Server memory per appended event over single appends. */
    readonly server: {
      readonly events: number;
      /** (heapUsed + external) growth per event; V8's `external` includes ArrayBuffers. */
      readonly heapExternalBytesPerEvent: number;
      /** Of which heapUsed. */
      readonly heapBytesPerEvent: number;
      /** RSS growth per event. */
      readonly rssBytesPerEvent: number;
    };
    /** Client heap + external held per retained subscription event. */
    readonly retained: {
      readonly events: number;
      readonly oursBytesPerEvent: number;
      readonly peerBytesPerEvent: number;
      /** ours / peer (below 1: ours holds less). */
      readonly ratio: number;
    };
  };
}

/** `12.3k`, `1.23M`: three significant digits. */
export function si(value: number): string {
  if (!Number.isFinite(value)) return "-";
  const abs = Math.abs(value);
  const [scale, suffix] = abs >= 1e9
    ? [1e9, "G"]
    : abs >= 1e6
    ? [1e6, "M"]
    : abs >= 1e3
    ? [1e3, "k"]
    : [1, ""];
  const scaled = value / scale;
  const digits = Math.abs(scaled) >= 100 ? 0 : Math.abs(scaled) >= 10 ? 1 : 2;
  return `${scaled.toFixed(digits)}${suffix}`;
}

function pad(cells: readonly string[][]): string {
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  return cells.map((row) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")
  ).join("\n");
}

function rate(figures: ClientFigures | undefined): string {
  if (figures === undefined) return "-";
  return `${si(figures.evPerSec.median)} ±${figures.evPerSec.spreadPct.toFixed(0)}%`;
}

function latency(figures: ClientFigures | undefined): string {
  const l = figures?.latencyMs;
  return l === undefined ? "-" : `${l.p50.toFixed(2)}/${l.p99.toFixed(2)}`;
}

/** The terminal table: one line per workload, then ceilings and memory. */
export function formatTable(results: BenchResults): string {
  const header = [
    "workload",
    "ours ev/s",
    "peer ev/s",
    "ratio",
    "ceiling ev/s",
    "ours/ceiling",
    "ours p50/p99 ms",
    "peer p50/p99 ms",
  ];
  const rows = results.workloads.map((w) => [
    `${w.name} ${w.title}`,
    rate(w.ours),
    rate(w.peer),
    w.ratio ? `${w.ratio.median.toFixed(2)}x` : "-",
    w.ceiling ? `${si(w.ceiling.evPerSec)} (${w.ceiling.name})` : "-",
    w.oursToCeiling !== undefined ? `${(w.oursToCeiling * 100).toFixed(0)}%` : "-",
    latency(w.ours),
    latency(w.peer),
  ]);
  const c = results.ceilings;
  const m = results.memory;
  const w7 = results.workloads.find((w) => w.name === "W7")?.extra;
  const lines = [
    `photonpump vs node-eventstore-client, ${results.passes} pass(es), ${results.date}` +
    (results.quick ? " (quick: smoke run, not a comparison)" : ""),
    pad([header, ...rows]),
    "",
    `ceilings: protobuf-es decode+JSON ${si(c.decodeJsonEvPerSec.median)} ev/s; loopback ` +
    `${si(c.loopbackBytesPerSec.median)}B/s, ${
      si(c.loopbackRoundTripsPerSec.median)
    } round trips/s; ` +
    `memstore alone ${
      Object.entries(c.memstore).map(([k, v]) => `${k} ${si(v.median)}`).join(", ")
    } ev/s`,
  ];
  if (m?.capacity !== undefined) {
    lines.push(
      `capacity: ${m.capacity.eventsHeld} events of 100 bytes in a ` +
        `${(m.capacity.maxMemoryBytes / 2 ** 20).toFixed(0)} MiB budget ` +
        `(${si(m.capacity.eventsPerGiB)} per GiB) before writes were refused; reads ` +
        `${m.capacity.readsAfterFull === "success" ? "still served" : "failed"}`,
    );
  }
  if (m !== undefined) {
    lines.push(
      `memory: server ${m.server.heapExternalBytesPerEvent.toFixed(0)} B heap+external ` +
        `(${m.server.heapBytesPerEvent.toFixed(0)} B heap), ` +
        `${m.server.rssBytesPerEvent.toFixed(0)} B RSS per appended event ` +
        `(${m.server.events} single appends); client retained subscription events: ours ` +
        `${m.retained.oursBytesPerEvent.toFixed(0)} B, peer ` +
        `${m.retained.peerBytesPerEvent.toFixed(0)} B per event (${m.retained.ratio.toFixed(2)}x)`,
    );
  }
  if (w7 !== undefined) {
    lines.push(
      `W7 RSS: ${w7.rssAfterWarmupMiB.toFixed(0)} MiB after warm-up, peak ` +
        `${w7.rssPeakMiB.toFixed(0)} MiB (+${w7.growthMiB.toFixed(1)} MiB)`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const [input] = Deno.args;
  if (input === undefined) throw new TypeError("Usage: results.ts RESULTS.json");
  console.log(formatTable(JSON.parse(await Deno.readTextFile(input))));
}

/** What `capacity.ts` prints. */
export interface CapacityResult {
  /** The memstore's memory budget, in bytes. */
  readonly maxMemoryBytes: number;
  /** Events appended before the first refusal. */
  readonly eventsHeld: number;
  /** eventsHeld scaled to a 1 GiB budget. */
  readonly eventsPerGiB: number;
  /** The refused write's outcome. */
  readonly refusal: string;
  /** The status of a read made after the refusal. */
  readonly readsAfterFull: string;
}
