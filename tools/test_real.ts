/**
 * `deno task test:real [23.10|23.10-tls|5.0] [--keep]`: runs the test suite against a real
 * EventStore in docker (compose.yaml). Starts the chosen server, waits until it answers a read
 * over the TCP protocol, runs the tests with `EVENTSTORE_URL` pointing at it (so the real-server
 * twins run instead of being ignored), then stops it unless `--keep` is given.
 *
 * Without a working docker engine (`docker info` fails) it does nothing and exits with status 2
 * and a message saying so; no test is reported as passed.
 *
 * The TLS variant runs only `tests/client/` (the node-eventstore-client interop suite speaks plain
 * TCP) and trusts the CA made by compose's `certificates` service through `DENO_CERT`.
 *
 * @example
 * ```sh
 * deno task test:real          # EventStoreDB 23.10, insecure
 * deno task test:real 5.0 --keep
 * ```
 *
 * @module
 */

import { connect, StreamNotFoundError } from "../mod.ts";

interface Variant {
  /** The compose service. */
  readonly service: string;
  /** The compose profile that enables it, if any. */
  readonly profile?: string;
  /** What EVENTSTORE_URL becomes. */
  readonly url: string;
  /** The test paths to run. */
  readonly tests: readonly string[];
  /** A CA file (relative to the repository) the tests must trust. */
  readonly caFile?: string;
}

const VARIANTS: Record<string, Variant> = {
  "23.10": {
    service: "eventstore",
    url: "tcp://admin:changeit@localhost:1113",
    tests: ["tests/"],
  },
  "23.10-tls": {
    service: "eventstore-tls",
    profile: "tls",
    url: "tls://admin:changeit@localhost:1114",
    tests: ["tests/client/"],
    caFile: ".compose/certs/ca/ca.crt",
  },
  "5.0": {
    service: "eventstore-5",
    profile: "v5",
    url: "tcp://admin:changeit@localhost:1115",
    tests: ["tests/"],
  },
};

/** How long the server may take to start answering, in ms. */
const READY_TIMEOUT_MS = 120_000;
const root = new URL("../", import.meta.url).pathname;

function fail(message: string, code = 1): never {
  console.error(`test:real: ${message}`);
  Deno.exit(code);
}

/** Runs a command with inherited output; returns whether it succeeded (false when not found). */
async function run(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(command, { args, cwd: root, env }).output();
    return success;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Whether a docker engine answers (`docker info`). */
async function dockerAvailable(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("docker", {
      args: ["info"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Waits until the server answers a read of a stream that does not exist (StreamNotFoundError):
 * a real node accepts TCP connections before it is ready and answers NotReady until then.
 */
async function waitUntilReady(url: string, caFile: string | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const tls = caFile === undefined ? undefined : { caFile: `${root}${caFile}` };
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const target = new URL(url);
      await using client = await connect({
        host: target.hostname,
        port: Number(target.port),
        credentials: { username: target.username, password: target.password },
        tls,
        reconnection: false,
        operationTimeout: 2000,
        connectTimeout: 2000,
      });
      await client.get("photonpump-readiness-probe");
      return;
    } catch (e) {
      if (e instanceof StreamNotFoundError) return;
      last = e;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  fail(
    `the server at ${url.replace(/\/\/[^@]*@/, "//")} was not ready after ` +
      `${READY_TIMEOUT_MS / 1000} s: ${last instanceof Error ? last.message : String(last)}`,
  );
}

async function main(): Promise<void> {
  const keep = Deno.args.includes("--keep");
  const name = Deno.args.find((a) => !a.startsWith("--")) ?? "23.10";
  const variant = VARIANTS[name];
  if (variant === undefined) {
    fail(`unknown server "${name}": use ${Object.keys(VARIANTS).map((v) => `"${v}"`).join(", ")}`);
  }
  if (!await dockerAvailable()) {
    fail(
      "no docker engine answers (`docker info` failed), so no real EventStore can be started " +
        "and no test was run. Install and start docker, or point EVENTSTORE_URL at a running " +
        "EventStore 5.x-23.10 with external TCP enabled and run `deno task test`",
      2,
    );
  }
  const compose = ["compose", ...(variant.profile ? ["--profile", variant.profile] : [])];
  console.error(`test:real: starting ${variant.service} (docker compose)`);
  if (!await run("docker", [...compose, "up", "-d", variant.service])) {
    fail(`"docker compose up -d ${variant.service}" failed`);
  }
  let passed = false;
  try {
    await waitUntilReady(variant.url, variant.caFile);
    console.error(`test:real: ${variant.service} is ready; running ${variant.tests.join(" ")}`);
    const env: Record<string, string> = { EVENTSTORE_URL: variant.url };
    if (variant.caFile) env.DENO_CERT = `${root}${variant.caFile}`;
    await run(Deno.execPath(), ["run", "-A", "tools/setup_tests.ts"]);
    passed = await run(
      Deno.execPath(),
      ["test", "-A", "--parallel", ...variant.tests],
      env,
    );
  } finally {
    if (!keep) await run("docker", [...compose, "down"]);
  }
  Deno.exit(passed ? 0 : 1);
}

if (import.meta.main) await main();
