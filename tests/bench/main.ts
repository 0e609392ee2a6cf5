/**
 * `deno task bench`: photonpump side by side with node-eventstore-client 23.10.1 against one
 * memstore process on loopback.
 *
 * One run starts the memstore in its own process (`server.ts`: a plain and a TLS store), seeds
 * it, then for each pass measures the ceilings (`ceilings.ts`) and runs W1-W6 and W8 with each
 * client in its own process (`ours.ts` under Deno, `nec.mjs` under Node), alternating which
 * client goes first. W7 and the memory section run once. It prints a table of ratios and writes
 * `tests/bench/results.json` and `docs/bench.svg`.
 *
 * Flags:
 * - `--quick`: small counts, one pass, written to a temporary directory (a smoke run for CI,
 *   not a comparison);
 * - `--passes N` (default 3);
 * - `--only W2,W4`: run only these workloads (`MEM`: the memory section; results go to a
 *   temporary directory);
 * - `--out DIR`: write `results.json` and `bench.svg` there instead;
 * - `--cpu-prof`: write a V8 CPU profile of every photonpump process and of the server
 *   (summarise one with `deno run -A tests/bench/profile.ts FILE`).
 *
 * @module
 */

import { testTlsCerts } from "../support/tls_certs.ts";
import type { CeilingSpec } from "./ceilings.ts";
import { renderChart } from "./chart.ts";
import { findNode, lines, runJson } from "./process.ts";
import {
  type BenchResults,
  type CapacityResult,
  type ClientFigures,
  formatTable,
  si,
  type WorkloadReport,
} from "./results.ts";
import { medianPercentiles, type Percentiles, percentiles, spread } from "./stats.ts";
import type { WorkloadName, WorkloadResult, WorkloadSpec } from "./workload.ts";

const root = new URL("../../", import.meta.url);
const here = new URL("./", import.meta.url);

interface Options {
  quick: boolean;
  passes: number;
  only?: Set<string>;
  out?: string;
  cpuProf: boolean;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = { quick: false, passes: 3, cpuProf: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new TypeError(`Flag "${arg}" needs a value`);
      return v;
    };
    switch (arg) {
      case "--quick":
        options.quick = true;
        break;
      case "--passes": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) {
          throw new TypeError(`Invalid --passes "${args[i]}": expected a positive integer`);
        }
        options.passes = n;
        break;
      }
      case "--only":
        options.only = new Set(value().split(",").map((w) => w.trim().toUpperCase()));
        break;
      case "--out":
        options.out = value();
        break;
      case "--cpu-prof":
        options.cpuProf = true;
        break;
      default:
        throw new TypeError(`Unknown flag "${arg}"`);
    }
  }
  if (options.quick) options.passes = 1;
  return options;
}

const options = parseArgs(Deno.args);
/** Longest one bench process may run. */
const PROCESS_LIMIT_MS = options.quick ? 60_000 : 10 * 60_000;
const counts = options.quick
  ? {
    w1: 100,
    w2: 1_000,
    w3: 2_000,
    read: 5_000,
    history: 5_000,
    live: 50,
    w7: 20_000,
    sampleEvery: 2_000,
    m1: 2_000,
    m2: 1_000,
    capacityMiB: 16,
    loopbackBytes: 8 << 20,
    roundTrips: 1_000,
  }
  : {
    w1: 2_000,
    w2: 20_000,
    w3: 100_000,
    read: 100_000,
    history: 100_000,
    live: 1_000,
    w7: 1_000_000,
    sampleEvery: 10_000,
    m1: 100_000,
    m2: 10_000,
    capacityMiB: 512,
    loopbackBytes: 256 << 20,
    roundTrips: 20_000,
  };
const PAGE = 500;

const TITLES: Record<string, string> = {
  W1: "sequential single appends",
  W2: "single appends, 100 in flight",
  W3: "appends in batches of 100",
  W4: "read a stream",
  W5: "read $all",
  W6: "catch-up history, then live",
  W7: `iter() over ${counts.w7.toLocaleString("en")} events`,
  W8: "W4 over TLS",
};
const COMPARED = ["W1", "W2", "W3", "W4", "W5", "W6", "W8"] as const;
const wanted = (w: string) => options.only === undefined || options.only.has(w);

function log(line: string): void {
  console.error(line);
}

async function commandText(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(output.stdout).trim();
}

// --- setup ------------------------------------------------------------------------------------

const setup = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL("tools/setup_tests.ts", root).pathname],
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!setup.success) Deno.exit(1);

const node = await findNode();
// Read before the run: the code measured, not what the worktree holds at the end.
const commit = await commandText("git", ["-C", root.pathname, "describe", "--always", "--dirty"]);
const work = await Deno.makeTempDir({ prefix: "photonpump-bench-" });
const profileDir = `${work}/profiles`;
const certs = testTlsCerts();
const caFile = `${work}/ca.pem`;
await Deno.writeTextFile(caFile, certs.caCert);

const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    ...(options.cpuProf
      ? [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=server.cpuprofile`]
      : []),
    new URL("server.ts", here).pathname,
  ],
  env: { BENCH_TLS_CERT: certs.cert, BENCH_TLS_KEY: certs.key },
  stdin: "piped",
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const serverLines = lines(server.stdout);
const serverInput = server.stdin.getWriter();

async function serverLine(): Promise<Record<string, number>> {
  const next = await serverLines.next();
  if (next.done) throw new Error("The bench server exited early");
  return JSON.parse(next.value);
}

async function serverMemory(): Promise<Record<string, number>> {
  await serverInput.write(new TextEncoder().encode("mem\n"));
  return await serverLine();
}

const { port, tlsPort } = await serverLine();
const host = "127.0.0.1";
log(`bench: memstore on ${host}:${port} (TLS ${tlsPort}), work dir ${work}`);

function oursCommand(spec: WorkloadSpec, label: string): Parameters<typeof runJson>[0] {
  const flags = spec.workload === "M2" ? ["--v8-flags=--expose-gc"] : [];
  if (options.cpuProf && spec.workload !== "seed") {
    flags.push("--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${label}.cpuprofile`);
  }
  return {
    command: Deno.execPath(),
    args: ["run", "-A", ...flags, new URL("ours.ts", here).pathname, JSON.stringify(spec)],
    timeoutMs: PROCESS_LIMIT_MS,
  };
}

function necCommand(spec: WorkloadSpec): Parameters<typeof runJson>[0] {
  return {
    command: node,
    args: [
      ...(spec.workload === "M2" ? ["--expose-gc"] : []),
      new URL("nec.mjs", here).pathname,
      JSON.stringify(spec),
    ],
    env: spec.caFile !== undefined ? { NODE_EXTRA_CA_CERTS: spec.caFile } : {},
    timeoutMs: PROCESS_LIMIT_MS,
  };
}

type ClientName = "ours" | "peer";

async function runWorkload(
  client: ClientName,
  spec: WorkloadSpec,
  label: string,
): Promise<WorkloadResult> {
  const command = client === "ours" ? oursCommand(spec, label) : necCommand(spec);
  return await runJson(command) as WorkloadResult;
}

// --- seeding ----------------------------------------------------------------------------------

const READ_STREAM = "bench-read";
const CATCH_UP_STREAM = "bench-catch-up";
const BIG_STREAM = "bench-big";

async function seed(stream: string, count: number, tls = false): Promise<void> {
  const started = performance.now();
  await runWorkload("ours", {
    workload: "seed",
    host,
    port: tls ? tlsPort : port,
    ...(tls && { caFile }),
    stream,
    count,
    batch: 1000,
  }, `seed-${stream}`);
  log(
    `bench: seeded ${stream}${tls ? " (TLS store)" : ""} with ${count} events in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
}

// The W4/W5 stream is also what the ceilings and the memory section read.
await seed(READ_STREAM, counts.read);
if (wanted("W8")) await seed(READ_STREAM, counts.read, true);
if (wanted("W6")) await seed(CATCH_UP_STREAM, counts.history);
let catchUpLength = wanted("W6") ? counts.history : 0;

// --- passes -----------------------------------------------------------------------------------

const expectedReadSum = (counts.read * (counts.read - 1)) / 2;
const samples = new Map<string, Record<ClientName, WorkloadResult[]>>();
const ceilingSamples = {
  decode: [] as number[],
  bytes: [] as number[],
  roundTrips: [] as number[],
  memstore: {} as Record<string, number[]>,
};

function specFor(workload: WorkloadName, client: ClientName, pass: number): WorkloadSpec {
  const base = { workload, host, port, page: PAGE };
  const tag = `${client}-p${pass}`;
  switch (workload) {
    case "W1":
      return { ...base, stream: `w1-${tag}`, count: counts.w1 };
    case "W2":
      return { ...base, stream: `w2-${tag}`, count: counts.w2, inFlight: 100 };
    case "W3":
      return { ...base, stream: `w3-${tag}`, count: counts.w3, batch: 100 };
    case "W4":
    case "W5":
      return { ...base, stream: READ_STREAM, count: counts.read };
    case "W6":
      return {
        ...base,
        stream: CATCH_UP_STREAM,
        count: counts.history,
        from: catchUpLength - counts.history,
        live: counts.live,
      };
    case "W8":
      return { ...base, port: tlsPort, caFile, stream: READ_STREAM, count: counts.read };
    default:
      throw new TypeError(`No per-pass spec for "${workload}"`);
  }
}

function check(workload: string, client: ClientName, result: WorkloadResult): void {
  const expected = workload === "W6" ? counts.history : undefined;
  if (expected !== undefined && result.events !== expected) {
    throw new Error(`${workload} ${client}: ${result.events} history events, expected ${expected}`);
  }
  if ((workload === "W4" || workload === "W8") && result.sum !== expectedReadSum) {
    throw new Error(`${workload} ${client}: step sum ${result.sum}, expected ${expectedReadSum}`);
  }
}

async function measureCeilings(pass: number): Promise<void> {
  const base: Omit<CeilingSpec, "kind"> = {
    host,
    port,
    tlsPort,
    caFile,
    stream: READ_STREAM,
    count: counts.read,
    page: PAGE,
    appends: { w1: counts.w1, w2: counts.w2, w3: counts.w3 },
    loopback: { bytes: counts.loopbackBytes, roundTrips: counts.roundTrips },
    prefix: `raw-p${pass}`,
  };
  const run = (kind: CeilingSpec["kind"]) =>
    runJson({
      command: Deno.execPath(),
      args: ["run", "-A", new URL("ceilings.ts", here).pathname, JSON.stringify({ ...base, kind })],
      timeoutMs: PROCESS_LIMIT_MS,
    }) as Promise<Record<string, number>>;
  const decode = await run("decode");
  if (decode.sum !== expectedReadSum) {
    throw new Error(`Decode ceiling: step sum ${decode.sum}, expected ${expectedReadSum}`);
  }
  ceilingSamples.decode.push(decode.evPerSec);
  const loopback = await run("loopback");
  ceilingSamples.bytes.push(loopback.bytesPerSec);
  ceilingSamples.roundTrips.push(loopback.roundTripsPerSec);
  const memstore = await run("memstore");
  for (const [name, value] of Object.entries(memstore)) {
    (ceilingSamples.memstore[name] ??= []).push(value);
  }
  log(
    `pass ${pass}: ceilings decode+JSON ${si(decode.evPerSec)} ev/s, loopback ${
      si(loopback.bytesPerSec)
    }B/s ${si(loopback.roundTripsPerSec)} rt/s, memstore ${
      Object.entries(memstore).map(([k, v]) => `${k} ${si(v)}`).join(" ")
    }`,
  );
}

const rateOf = (r: WorkloadResult) => r.events / (r.ms / 1000);

for (let pass = 1; pass <= options.passes; pass++) {
  await measureCeilings(pass);
  for (const workload of COMPARED) {
    if (!wanted(workload)) continue;
    const order: ClientName[] = pass % 2 === 1 ? ["ours", "peer"] : ["peer", "ours"];
    const entry = samples.get(workload) ?? { ours: [], peer: [] };
    samples.set(workload, entry);
    for (const client of order) {
      const result = await runWorkload(
        client,
        specFor(workload, client, pass),
        `${workload}-p${pass}`,
      );
      check(workload, client, result);
      if (workload === "W6") catchUpLength += counts.live;
      entry[client].push(result);
      const lat = result.latencies?.length ? percentiles(result.latencies) : undefined;
      log(
        `pass ${pass}: ${workload} ${client.padEnd(4)} ${si(rateOf(result))} ev/s` +
          (lat ? `, p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms` : ""),
      );
    }
    if (workload === "W5") {
      const [ours, peer] = [entry.ours.at(-1)!, entry.peer.at(-1)!];
      if (ours.sum !== peer.sum) {
        throw new Error(`W5: step sums differ: ours ${ours.sum}, peer ${peer.sum}`);
      }
    }
  }
}

// --- W7 and memory (once) ---------------------------------------------------------------------

let w7: WorkloadResult | undefined;
if (wanted("W7")) {
  await seed(BIG_STREAM, counts.w7);
  w7 = await runWorkload("ours", {
    workload: "W7",
    host,
    port,
    stream: BIG_STREAM,
    count: counts.w7,
    page: PAGE,
    sampleEvery: counts.sampleEvery,
  }, "W7");
  if (w7.sum !== (counts.w7 * (counts.w7 - 1)) / 2) {
    throw new Error(`W7: step sum ${w7.sum} does not match ${counts.w7} events`);
  }
  log(`W7: ${si(rateOf(w7))} ev/s, RSS ${si(w7.rssAfterWarmup!)}B -> peak ${si(w7.rssPeak!)}B`);
}

async function memorySection(): Promise<BenchResults["memory"]> {
  const before = await serverMemory();
  await runWorkload("ours", {
    workload: "M1",
    host,
    port,
    stream: "bench-memory",
    count: counts.m1,
    inFlight: 100,
  }, "M1");
  const after = await serverMemory();
  const m2: WorkloadSpec = {
    workload: "M2",
    host,
    port,
    stream: READ_STREAM,
    count: counts.m2,
    page: PAGE,
  };
  const ours = (await runWorkload("ours", m2, "M2")).bytesPerEvent!;
  const peer = (await runWorkload("peer", m2, "M2")).bytesPerEvent!;
  const capacity = await memstoreCapacity(counts.capacityMiB);
  const memory = {
    capacity,
    server: {
      events: counts.m1,
      heapExternalBytesPerEvent:
        (after.heapUsed + after.external - before.heapUsed - before.external) / counts.m1,
      heapBytesPerEvent: (after.heapUsed - before.heapUsed) / counts.m1,
      rssBytesPerEvent: (after.rss - before.rss) / counts.m1,
    },
    retained: {
      events: counts.m2,
      oursBytesPerEvent: ours,
      peerBytesPerEvent: peer,
      ratio: ours / peer,
    },
  };
  log(
    `memory: capacity ${si(capacity.eventsPerGiB)} events/GiB, ` +
      `server ${memory.server.heapExternalBytesPerEvent.toFixed(0)} B/event, retained ` +
      `ours ${ours.toFixed(0)} B/event, peer ${peer.toFixed(0)} B/event`,
  );
  return memory;
}

/** Events of 100 bytes a memstore holds before it refuses writes, in a process of its own. */
async function memstoreCapacity(budgetMiB: number): Promise<CapacityResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./capacity.ts", import.meta.url).pathname, String(budgetMiB)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`The capacity run failed (exit code ${output.code})`);
  const result = JSON.parse(new TextDecoder().decode(output.stdout)) as CapacityResult;
  if (result.readsAfterFull !== "success") {
    throw new Error(`The full memstore no longer serves reads: ${result.readsAfterFull}`);
  }
  return result;
}

// Named with --only as "MEM".
const memory = wanted("MEM") ? await memorySection() : undefined;

await serverInput.write(new TextEncoder().encode("quit\n"));
await serverInput.close();
for await (const _ of serverLines) { /* drain */ }
await server.status;

// --- report -----------------------------------------------------------------------------------

function figures(runs: readonly WorkloadResult[]): ClientFigures {
  const latencies: Percentiles[] = runs.filter((r) => r.latencies?.length)
    .map((r) => percentiles(r.latencies!));
  return {
    evPerSec: spread(runs.map(rateOf)),
    ...(latencies.length > 0 && { latencyMs: medianPercentiles(latencies) }),
    ...(runs.at(-1)?.sum !== undefined && { sum: runs.at(-1)!.sum }),
  };
}

const ceilingFor = (workload: string): { name: string; evPerSec: number } | undefined => {
  const memstore = ceilingSamples.memstore[workload];
  if (["W1", "W2", "W3"].includes(workload) && memstore) {
    return { name: "memstore alone", evPerSec: spread(memstore).median };
  }
  if (ceilingSamples.decode.length === 0) return undefined;
  return { name: "decode+JSON", evPerSec: spread(ceilingSamples.decode).median };
};

const workloads: WorkloadReport[] = [];
for (const name of ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"]) {
  if (name === "W7") {
    if (w7 === undefined) continue;
    const ceiling = ceilingFor(name);
    const rate = rateOf(w7);
    workloads.push({
      name,
      title: TITLES[name],
      ours: { evPerSec: spread([rate]), sum: w7.sum },
      ...(ceiling && { ceiling, oursToCeiling: rate / ceiling.evPerSec }),
      extra: {
        events: w7.events,
        rssAfterWarmupMiB: w7.rssAfterWarmup! / 2 ** 20,
        rssPeakMiB: w7.rssPeak! / 2 ** 20,
        growthMiB: (w7.rssPeak! - w7.rssAfterWarmup!) / 2 ** 20,
      },
    });
    continue;
  }
  const entry = samples.get(name);
  if (entry === undefined) continue;
  const ours = figures(entry.ours);
  const peer = figures(entry.peer);
  const ratio = spread(entry.ours.map((r, i) => rateOf(r) / rateOf(entry.peer[i])));
  const ceiling = ceilingFor(name);
  workloads.push({
    name,
    title: TITLES[name],
    ours,
    peer,
    ratio,
    ...(ceiling && { ceiling, oursToCeiling: ours.evPerSec.median / ceiling.evPerSec }),
    ...(ours.latencyMs && peer.latencyMs && {
      latencyRatio: {
        p50: ours.latencyMs.p50 / peer.latencyMs.p50,
        p99: ours.latencyMs.p99 / peer.latencyMs.p99,
      },
    }),
  });
}

const necManifest = JSON.parse(
  await Deno.readTextFile(
    new URL("../interop/node_modules/node-eventstore-client/package.json", here),
  ),
);
const protobufjsManifest = JSON.parse(
  await Deno.readTextFile(new URL("../interop/node_modules/protobufjs/package.json", here)),
);
const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => "")).match(
  /model name\s*:\s*(.+)/,
)?.[1]?.trim() ?? Deno.build.arch;

const results: BenchResults = {
  date: new Date().toISOString(),
  command: `deno task bench${Deno.args.length ? ` ${Deno.args.join(" ")}` : ""}`,
  quick: options.quick,
  passes: options.passes,
  commit,
  machine: {
    cores: navigator.hardwareConcurrency,
    cpu,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
  },
  versions: {
    photonpump: denoJson.version,
    deno: Deno.version.deno,
    "node-eventstore-client": necManifest.version,
    node: (await commandText(node, ["--version"])).replace(/^v/, ""),
    protobufjs: protobufjsManifest.version,
    "protobuf-es": String(denoJson.imports["@bufbuild/protobuf"]).split("@").at(-1)!,
  },
  workloads,
  ceilings: {
    decodeJsonEvPerSec: spread(ceilingSamples.decode),
    loopbackBytesPerSec: spread(ceilingSamples.bytes),
    loopbackRoundTripsPerSec: spread(ceilingSamples.roundTrips),
    memstore: Object.fromEntries(
      Object.entries(ceilingSamples.memstore).map(([k, v]) => [k, spread(v)]),
    ),
  },
  ...(memory && { memory }),
};

const outDir = options.out ??
  (options.quick || options.only ? work : undefined);
const resultsPath = outDir ? `${outDir}/results.json` : new URL("results.json", here).pathname;
const chartPath = outDir ? `${outDir}/bench.svg` : new URL("docs/bench.svg", root).pathname;
await Deno.mkdir(new URL(".", `file://${chartPath}`), { recursive: true });
await Deno.writeTextFile(resultsPath, JSON.stringify(results, null, 2) + "\n");
await Deno.writeTextFile(chartPath, renderChart(results));
if (outDir === undefined) {
  // The repository's copies stay as `deno task check` wants them.
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", resultsPath, chartPath],
    stdout: "null",
    stderr: "inherit",
  }).output();
}

console.log(formatTable(results));
console.log(`\nwrote ${resultsPath} and ${chartPath}`);
if (options.cpuProf) console.log(`CPU profiles in ${profileDir}`);
if (outDir !== work && !options.cpuProf) await Deno.remove(work, { recursive: true });
