/**
 * Runs the node-eventstore-client scenario scripts (`tests/interop/scenarios/*.mjs`) under Node.js
 * against a server and registers Deno tests for them: one against an in-process memstore on a free
 * loopback port, and one against the real server named by `EVENTSTORE_URL` (ignored when it is not
 * set, never counted as passing).
 *
 * @module
 */

import { type MemoryStore, startMemoryStore } from "../../lib/memstore/mod.ts";

const interopDir = new URL("./", import.meta.url);

/** What a scenario prints: parsed JSON from another process, shaped per scenario. */
// deno-lint-ignore no-explicit-any
export type ScenarioResult = any;

/** Which server a test variant runs against. */
export type TargetKind = "memstore" | "eventstore";

/** A server to run a scenario against. */
export interface ScenarioTarget {
  /** Host name or address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Extra environment for the scenario (credentials of a real server). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Longest a scenario process may run before it is killed (its own watchdog fires first). */
const PROCESS_LIMIT_MS = 60_000;

let nodePath: Promise<string> | undefined;

/**
 * The absolute path of Node.js from PATH. Resolved by hand, skipping Deno itself: Deno runs itself
 * when asked for a missing `node` and puts a `node` link to itself on its children's PATH, and
 * these tests are about Node.js running NEC.
 */
function findNode(): Promise<string> {
  nodePath ??= (async () => {
    const deno = await Deno.realPath(Deno.execPath());
    const names = Deno.build.os === "windows" ? ["node.exe", "node.cmd"] : ["node"];
    const separator = Deno.build.os === "windows" ? ";" : ":";
    for (const dir of (Deno.env.get("PATH") ?? "").split(separator)) {
      if (dir === "") continue;
      for (const name of names) {
        const candidate = `${dir.replace(/[\\/]+$/, "")}/${name}`;
        try {
          const info = await Deno.stat(candidate);
          const real = await Deno.realPath(candidate);
          const isDeno = real === deno || /^deno(\.exe)?$/.test(real.split(/[\\/]/).at(-1) ?? "");
          if (info.isFile && !isDeno) return candidate;
        } catch {
          // not here
        }
      }
    }
    throw new Error(
      "Node.js was not found on PATH: the interop tests run node-eventstore-client under " +
        "Node.js. Install Node.js 18 or later (with npm) and run `deno task test`.",
    );
  })();
  return nodePath;
}

async function checkModulesInstalled(): Promise<void> {
  for (const name of ["node-eventstore-client", "protobufjs"]) {
    try {
      await Deno.stat(new URL(`node_modules/${name}/package.json`, interopDir));
    } catch {
      throw new Error(
        `tests/interop/node_modules/${name} is missing: run \`deno run -A tools/setup_tests.ts\` ` +
          "(\`deno task test\` does it first) to install the interop suite's node modules.",
      );
    }
  }
}

/** Server-side actions a scenario may ask for by name (`signal(name)` in `scenarios/lib.mjs`). */
export type SignalHandlers = Readonly<Record<string, () => void | Promise<void>>>;

const SIGNAL_PREFIX = "@@signal ";

/** Splits a byte stream into text lines. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
  if (buffered !== "") yield buffered;
}

/**
 * Runs `node scenarios/<file> <scenario> --host … --port …` and returns the scenario's result.
 * Lines `@@signal <name>` from the scenario run `signals[name]` and are answered `ok` on its
 * stdin. Throws with the scenario's stderr (its failing step and the client's log) when it fails.
 */
export async function runScenario(
  file: string,
  scenario: string,
  target: ScenarioTarget,
  signals: SignalHandlers = {},
): Promise<ScenarioResult> {
  const node = await findNode();
  await checkModulesInstalled();
  const child = new Deno.Command(node, {
    args: [`scenarios/${file}`, scenario, "--host", target.host, "--port", String(target.port)],
    cwd: interopDir,
    env: { ...target.env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(PROCESS_LIMIT_MS),
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  const stdin = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const out: string[] = [];
  let signalError: Error | undefined;
  try {
    for await (const line of lines(child.stdout)) {
      if (!line.startsWith(SIGNAL_PREFIX)) {
        out.push(line);
        continue;
      }
      const name = line.slice(SIGNAL_PREFIX.length).trim();
      const handler = signals[name];
      if (handler === undefined) {
        signalError ??= new Error(`Scenario ${file} ${scenario} sent unknown signal "${name}"`);
        await stdin.write(encoder.encode("unknown signal\n"));
        continue;
      }
      await handler();
      await stdin.write(encoder.encode("ok\n"));
    }
  } finally {
    await stdin.close().catch(() => {});
  }
  const status = await child.status;
  const stderr = await stderrText;
  const stdout = out.join("\n");
  if (signalError !== undefined) throw signalError;
  if (!status.success) {
    throw new Error(
      `node scenarios/${file} ${scenario} failed (exit code ${status.code}` +
        `${status.signal ? `, signal ${status.signal}` : ""}):\n${stderr}${stdout}`,
    );
  }
  const last = stdout.trim().split("\n").at(-1) ?? "";
  let parsed: { ok?: boolean; result?: ScenarioResult };
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(
      `node scenarios/${file} ${scenario} printed no JSON result:\n${stdout}${stderr}`,
    );
  }
  if (parsed.ok !== true) {
    throw new Error(`node scenarios/${file} ${scenario} did not report ok:\n${last}`);
  }
  return parsed.result;
}

/** The real server from `EVENTSTORE_URL` (`tcp://[user:password@]host[:port]`), if set. */
function realServer(): ScenarioTarget | undefined {
  const raw = Deno.env.get("EVENTSTORE_URL");
  if (!raw) return undefined;
  const url = new URL(raw);
  const env: Record<string, string> = {};
  if (url.username) env.ES_ADMIN_USER = decodeURIComponent(url.username);
  if (url.password) env.ES_ADMIN_PASSWORD = decodeURIComponent(url.password);
  return { host: url.hostname, port: Number(url.port || 1113), env };
}

/** Options of {@linkcode interopTest}. */
export interface InteropTestOptions {
  /**
   * Server-side actions the scenario may ask for, given the memstore. Such a test is about
   * faults only the memstore can inject, so it has no EVENTSTORE_URL variant.
   */
  readonly signals?: (store: MemoryStore) => SignalHandlers;
  /**
   * Ignore the memstore variant, with the reason (a feature the memstore does not serve yet).
   * Never set to hide a memstore bug.
   */
  readonly ignoreMemstore?: string;
}

/**
 * Registers `node-eventstore-client: <name>` (against a fresh memstore) and, unless the test
 * injects faults, `node-eventstore-client against EVENTSTORE_URL: <name>` (ignored unless
 * EVENTSTORE_URL is set), each running `scenario` from `scenarios/<file>` and handing its result to `check`.
 */
export function interopTest(
  name: string,
  file: string,
  scenario: string,
  check: (result: ScenarioResult, kind: TargetKind) => void,
  options: InteropTestOptions = {},
): void {
  Deno.test({
    name: `node-eventstore-client: ${name}`,
    ignore: options.ignoreMemstore !== undefined,
    async fn() {
      await using store = await startMemoryStore({ port: 0 });
      const result = await runScenario(
        file,
        scenario,
        { host: store.hostname, port: store.port },
        options.signals?.(store),
      );
      check(result, "memstore");
    },
  });
  if (options.signals !== undefined) return;
  const real = realServer();
  Deno.test({
    name: `node-eventstore-client against EVENTSTORE_URL: ${name}`,
    ignore: real === undefined,
    async fn() {
      const result = await runScenario(file, scenario, real!);
      check(result, "eventstore");
    },
  });
}
