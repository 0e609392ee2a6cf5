// Shared helpers for the node-eventstore-client (NEC) interop scenarios.
//
// Every scenario script is run as
//   node tests/interop/scenarios/<file>.mjs <scenario> --host <host> --port <port>
// (or with ES_HOST / ES_PORT in the environment). ES_ADMIN_USER / ES_ADMIN_PASSWORD override the
// admin credentials (default admin/changeit), ES_OPS_USER / ES_OPS_PASSWORD the non-admin user
// (default ops/changeit), ES_SCENARIO_TIMEOUT_MS the watchdog (default 20000).
//
// On success the script prints ONE line of JSON `{"ok":true,"scenario":…,"result":…}` on stdout
// and exits 0. On failure it prints the failure, the step it was in and the client's recent log on
// stderr and exits 1; a watchdog turns a hang (e.g. a reply that never comes) into such a failure.

import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import es from "node-eventstore-client";

export { es, randomUUID };

/** Whether `value` is a Long (NEC's 64-bit integer type; not imported: it is NEC's own dependency). */
export function isLong(value) {
  return typeof value === "object" && value !== null &&
    typeof value.toNumber === "function" &&
    typeof value.high === "number" && typeof value.low === "number";
}

const { values: args, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { host: { type: "string" }, port: { type: "string" } },
  allowPositionals: true,
});

/** Where the server under test listens and which credentials it has. */
export const target = {
  host: args.host ?? process.env.ES_HOST ?? "127.0.0.1",
  port: Number(args.port ?? process.env.ES_PORT ?? 1113),
  admin: new es.UserCredentials(
    process.env.ES_ADMIN_USER ?? "admin",
    process.env.ES_ADMIN_PASSWORD ?? "changeit",
  ),
  ops: new es.UserCredentials(
    process.env.ES_OPS_USER ?? "ops",
    process.env.ES_OPS_PASSWORD ?? "changeit",
  ),
};

const timeoutMs = Number(process.env.ES_SCENARIO_TIMEOUT_MS ?? 20000);

// ---------------------------------------------------------------------------------------------
// Step tracing and the client's own log (ring buffer), printed when a scenario fails.

const trace = [];
let currentStep = "start";
const logLines = [];

/** Names what the scenario does next, so a failure or a hang says where it happened. */
export function step(name) {
  currentStep = name;
  trace.push(name);
}

function remember(level, fmt, rest) {
  let line;
  try {
    line = `${level} ${formatLog(fmt, rest)}`;
  } catch {
    line = `${level} ${String(fmt)}`;
  }
  logLines.push(line);
  if (logLines.length > 400) logLines.shift();
}

function formatLog(fmt, rest) {
  let i = 0;
  const text = String(fmt).replace(/%[sdj]/g, (m) => {
    if (i >= rest.length) return m;
    const v = rest[i++];
    if (m === "%j") {
      try {
        return JSON.stringify(v);
      } catch {
        return String(v);
      }
    }
    return String(v);
  });
  return rest.length > i ? `${text} ${rest.slice(i).map(String).join(" ")}` : text;
}

/** A NEC logger that keeps the last lines in memory. */
export const logger = {
  debug: (fmt, ...rest) => remember("debug", fmt, rest),
  info: (fmt, ...rest) => remember("info", fmt, rest),
  error: (fmt, ...rest) => remember("error", fmt, rest),
};

/** The client's log lines so far (verbose logging is on for every connection). */
export function clientLog() {
  return [...logLines];
}

// ---------------------------------------------------------------------------------------------
// Connections

/**
 * Opens a NEC connection to the target. `settings` are merged over the defaults used by every
 * scenario (admin default credentials, verbose logging into the in-memory log). Connection events
 * are counted in `conn.stats`.
 */
export async function connect(settings = {}, name) {
  const conn = es.createConnection(
    {
      log: logger,
      verboseLogging: true,
      defaultUserCredentials: target.admin,
      ...settings,
    },
    { host: target.host, port: target.port },
    name,
  );
  const stats = {
    connected: 0,
    disconnected: 0,
    reconnecting: 0,
    closed: [],
    errors: [],
    heartbeatInfo: 0,
    authenticationFailed: 0,
  };
  conn.stats = stats;
  conn.on("connected", () => stats.connected++);
  conn.on("disconnected", () => stats.disconnected++);
  conn.on("reconnecting", () => stats.reconnecting++);
  conn.on("closed", (reason) => stats.closed.push(String(reason)));
  conn.on("error", (e) => stats.errors.push(String(e?.message ?? e)));
  conn.on("heartbeatInfo", () => stats.heartbeatInfo++);
  conn._handler.on("authenticationFailed", () => stats.authenticationFailed++);
  openConnections.add(conn);
  await conn.connect();
  return conn;
}

const openConnections = new Set();

/** Closes a connection opened with `connect` and waits for its `closed` event. */
export async function close(conn) {
  openConnections.delete(conn);
  if (conn.stats.closed.length > 0) return;
  const closed = new Promise((resolve) => conn.once("closed", resolve));
  conn.close();
  await closed;
}

// ---------------------------------------------------------------------------------------------
// Data helpers

/** A unique stream name for this run (so scenarios can also run against a shared real server). */
export function streamName(label) {
  return `interop_${label}-${randomUUID().replaceAll("-", "")}`;
}

/** JSON event data with a fresh id: data `{index, tag}`, metadata `{origin: "interop"}`. */
export function jsonEvent(index, tag = "e", id = randomUUID()) {
  return es.createJsonEventData(id, { index, tag }, {
    origin: "interop",
    index,
  }, `Interop${tag}`);
}

/** `count` JSON events with indices `from…from+count-1`. */
export function jsonEvents(count, tag = "e", from = 0) {
  return Array.from({ length: count }, (_, i) => jsonEvent(from + i, tag));
}

/** A Long (or number) as a JSON-safe value: a number when exact, else its decimal string. */
export function num(value) {
  if (value === null || value === undefined) return value ?? null;
  if (isLong(value)) {
    const asNumber = value.toNumber();
    return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
  }
  return value;
}

/** A NEC Position as `{commit, prepare}` (decimal strings, so 64-bit values stay exact). */
export function pos(position) {
  if (!position) return null;
  return {
    commit: position.commitPosition.toString(),
    prepare: position.preparePosition.toString(),
  };
}

/** A NEC RecordedEvent as plain JSON. Data and metadata as UTF-8 text and as hex. */
export function recorded(event) {
  if (!event) return null;
  return {
    stream: event.eventStreamId,
    id: event.eventId,
    number: num(event.eventNumber),
    type: event.eventType,
    isJson: event.isJson,
    data: event.data.toString("utf8"),
    dataHex: event.data.toString("hex"),
    metadata: event.metadata.toString("utf8"),
    metadataHex: event.metadata.toString("hex"),
    createdEpoch: event.createdEpoch,
  };
}

/** A NEC ResolvedEvent as plain JSON. */
export function resolved(ev) {
  return {
    event: recorded(ev.event),
    link: recorded(ev.link),
    isResolved: ev.isResolved,
    originalStreamId: ev.originalStreamId,
    originalEventNumber: num(ev.originalEventNumber),
    position: pos(ev.originalPosition),
  };
}

/** A StreamEventsSlice as plain JSON (events reduced to their numbers plus full records). */
export function slice(s) {
  return {
    status: s.status,
    stream: s.stream,
    fromEventNumber: num(s.fromEventNumber),
    readDirection: s.readDirection,
    numbers: s.events.map((e) => num(e.originalEventNumber)),
    events: s.events.map(resolved),
    nextEventNumber: num(s.nextEventNumber),
    lastEventNumber: num(s.lastEventNumber),
    isEndOfStream: s.isEndOfStream,
  };
}

/** An AllEventsSlice as plain JSON. */
export function allSlice(s) {
  return {
    readDirection: s.readDirection,
    fromPosition: pos(s.fromPosition),
    nextPosition: pos(s.nextPosition),
    events: s.events.map(resolved),
    isEndOfStream: s.isEndOfStream,
  };
}

/** A WriteResult as plain JSON. */
export function write(result) {
  return {
    nextExpectedVersion: num(result.nextExpectedVersion),
    logPosition: pos(result.logPosition),
  };
}

/** An error as plain JSON: class name plus the fields NEC's typed errors carry. */
export function error(e) {
  return {
    name: e?.name ?? null,
    className: e?.constructor?.name ?? null,
    message: String(e?.message ?? e),
    action: e?.action ?? null,
    stream: e?.stream ?? null,
    expectedVersion: num(e?.expectedVersion),
    transactionId: num(e?.transactionId),
  };
}

/** Awaits `promise` and returns `{value}` or `{error}` (see `error`), never throwing. */
export async function outcome(promise, mapValue = (v) => v) {
  try {
    return { value: mapValue(await promise) };
  } catch (e) {
    return { error: error(e) };
  }
}

/** Compares two positions given as `{commit, prepare}` strings: -1, 0 or 1. */
export function comparePos(a, b) {
  const ac = BigInt(a.commit), bc = BigInt(b.commit);
  if (ac !== bc) return ac < bc ? -1 : 1;
  const ap = BigInt(a.prepare), bp = BigInt(b.prepare);
  return ap === bp ? 0 : ap < bp ? -1 : 1;
}

/**
 * Waits until `predicate()` is true, checking every `intervalMs`, failing after `limitMs` with
 * `what`. Used only to wait for pushes and server-side effects that have no reply of their own.
 */
export async function until(what, predicate, limitMs = 5000, intervalMs = 10) {
  const deadline = Date.now() + limitMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${limitMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A promise with its resolve function outside. */
export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// ---------------------------------------------------------------------------------------------
// Signals to the harness (fault injection on the server side)

let stdinLines = null;
const waitingForLine = [];
const bufferedLines = [];

function nextStdinLine() {
  if (stdinLines === null) {
    stdinLines = createInterface({ input: process.stdin });
    stdinLines.on("line", (line) => {
      const waiter = waitingForLine.shift();
      if (waiter) waiter.resolve(line);
      else bufferedLines.push(line);
    });
    stdinLines.on("close", () => {
      for (const waiter of waitingForLine.splice(0)) {
        waiter.reject(new Error("the harness closed stdin before answering a signal"));
      }
    });
  }
  if (bufferedLines.length > 0) return Promise.resolve(bufferedLines.shift());
  const waiter = deferred();
  waitingForLine.push(waiter);
  return waiter.promise;
}

/**
 * Asks the harness to act on the server (e.g. "drop" its connections) and waits until it has:
 * prints `@@signal <name>` on stdout and reads `ok` from stdin.
 */
export async function signal(name) {
  step(`signal ${name}`);
  process.stdout.write(`@@signal ${name}\n`);
  const answer = (await nextStdinLine()).trim();
  if (answer !== "ok") throw new Error(`The harness answered signal "${name}" with "${answer}"`);
}

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * Runs the scenario named by the first positional argument from `scenarios` (an object of async
 * functions returning JSON-able results) and exits.
 */
export function main(scenarios) {
  const name = positionals[0];
  const scenario = scenarios[name];
  if (!scenario) {
    process.stderr.write(
      `Unknown scenario "${name}". Known: ${Object.keys(scenarios).join(", ")}\n`,
    );
    process.exit(2);
  }
  const watchdog = setTimeout(() => {
    fail(
      new Error(
        `Scenario "${name}" timed out after ${timeoutMs} ms in step "${currentStep}"`,
      ),
    );
  }, timeoutMs);
  const fail = (e) => {
    process.stderr.write(
      `Scenario "${name}" failed in step "${currentStep}": ${e?.stack ?? e}\n` +
        `Steps: ${trace.join(" -> ")}\n` +
        `Client log (last ${Math.min(logLines.length, 60)} lines):\n` +
        logLines.slice(-60).join("\n") + "\n",
    );
    process.exit(1);
  };
  Promise.resolve()
    .then(() => scenario())
    .then(async (result) => {
      step("closing connections");
      for (const conn of [...openConnections]) await close(conn);
      clearTimeout(watchdog);
      process.stdout.write(
        JSON.stringify({ ok: true, scenario: name, result }) + "\n",
        () => {
          process.exit(0);
        },
      );
    })
    .catch(fail);
}
