// Runs one bench workload with node-eventstore-client 23.10.1 (NEC) in its own Node process:
//   node tests/bench/nec.mjs '<WorkloadSpec JSON>'
// The twin of ours.ts (same workloads, same work per event: every read parses the JSON body and
// sums `step`); see workload.ts for the spec and the result it prints as its last stdout line.
// NEC and protobufjs come from tests/interop/node_modules (tools/setup_tests.ts installs them).
// W8 trusts the memstore's test CA through NODE_EXTRA_CA_CERTS (NEC passes no `ca` to tls).

import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const require = createRequire(new URL("../interop/package.json", import.meta.url));
const es = require("node-eventstore-client");

const spec = JSON.parse(process.argv[2] ?? "{}");
const EVENT_TYPE = "player_moved";
const credentials = new es.UserCredentials("admin", "changeit");
const silent = { debug() {}, info() {}, error() {} };

/** Promise.withResolvers, which Node 20 lacks. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function benchBody(step) {
  return { name: "Gil", class: "fighter", level: 3, inventory: ["sword", "shield", "potion"], step };
}

function eventData(step, id = randomUUID()) {
  return es.createJsonEventData(id, benchBody(step), null, EVENT_TYPE);
}

async function open() {
  const tls = spec.caFile !== undefined;
  const conn = es.createConnection(
    {
      log: silent,
      defaultUserCredentials: credentials,
      ...(tls && { useSslConnection: true, validateServer: true, targetHost: "localhost" }),
    },
    { host: spec.host, port: spec.port },
  );
  conn.on("error", (e) => {
    console.error(`node-eventstore-client error: ${e?.message ?? e}`);
    process.exit(1);
  });
  const connected = new Promise((resolve) => conn.once("connected", resolve));
  await conn.connect();
  await connected;
  return conn;
}

function stepOf(resolved) {
  return JSON.parse(resolved.event.data.toString()).step;
}

async function sequentialAppends(conn) {
  const latencies = [];
  const started = performance.now();
  for (let i = 0; i < spec.count; i++) {
    const t0 = performance.now();
    await conn.appendToStream(spec.stream, es.expectedVersion.any, [eventData(i)]);
    latencies.push(performance.now() - t0);
  }
  return { events: spec.count, ms: performance.now() - started, latencies };
}

async function concurrentAppends(conn) {
  const lanes = spec.inFlight ?? 100;
  const latencies = [];
  let next = 0;
  const lane = async (id) => {
    while (next < spec.count) {
      const i = next++;
      const t0 = performance.now();
      await conn.appendToStream(`${spec.stream}-${id}`, es.expectedVersion.any, [eventData(i)]);
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: lanes }, (_, id) => lane(id)));
  return { events: spec.count, ms: performance.now() - started, latencies };
}

async function batchAppends(conn) {
  const batch = spec.batch ?? 100;
  const latencies = [];
  const started = performance.now();
  for (let first = 0; first < spec.count; first += batch) {
    const events = [];
    for (let i = first; i < Math.min(spec.count, first + batch); i++) events.push(eventData(i));
    const t0 = performance.now();
    await conn.appendToStream(spec.stream, es.expectedVersion.any, events);
    latencies.push(performance.now() - t0);
  }
  return { events: spec.count, ms: performance.now() - started, latencies };
}

async function readStream(conn) {
  const page = spec.page ?? 500;
  let sum = 0;
  let events = 0;
  let from = 0;
  const started = performance.now();
  for (;;) {
    const slice = await conn.readStreamEventsForward(spec.stream, from, page, true);
    for (const resolved of slice.events) {
      sum += stepOf(resolved);
      if (++events === spec.count) break;
    }
    if (events === spec.count || slice.isEndOfStream) break;
    from = slice.nextEventNumber.toNumber();
  }
  return { events, ms: performance.now() - started, sum };
}

async function readAll(conn) {
  const page = spec.page ?? 500;
  let sum = 0;
  let events = 0;
  let position = es.positions.start;
  const started = performance.now();
  for (;;) {
    const slice = await conn.readAllEventsForward(position, page, true);
    for (const resolved of slice.events) {
      const event = resolved.event;
      if (event?.isJson) sum += JSON.parse(event.data.toString()).step ?? 0;
      if (++events === spec.count) break;
    }
    if (events === spec.count || slice.isEndOfStream) break;
    position = slice.nextPosition;
  }
  return { events, ms: performance.now() - started, sum };
}

async function catchUp(conn) {
  const live = spec.live ?? 0;
  let sum = 0;
  let delivered = 0;
  let historyEvents = 0;
  let wentLive = 0;
  let waiting;
  let failure;
  const liveStarted = deferred();
  const started = performance.now();
  // NEC's checkpoint is exclusive: null reads from the first event.
  const from = spec.from ?? 0;
  const subscription = conn.subscribeToStreamFrom(
    spec.stream,
    from === 0 ? null : from - 1,
    true,
    (_sub, resolved) => {
      sum += stepOf(resolved);
      delivered++;
      if (waiting !== undefined && resolved.event.eventId === waiting.id) waiting.resolve();
    },
    () => {
      wentLive = performance.now();
      historyEvents = delivered;
      liveStarted.resolve();
    },
    (_sub, reason, error) => {
      if (reason !== "userInitiated") {
        failure = new Error(`Catch-up subscription dropped: ${reason} ${error ?? ""}`);
        liveStarted.reject(failure);
        waiting?.reject(failure);
      }
    },
    credentials,
    spec.page ?? 500,
  );
  await liveStarted.promise;
  const latencies = [];
  for (let i = 0; i < live; i++) {
    const id = randomUUID();
    const arrived = deferred();
    waiting = { id, resolve: arrived.resolve, reject: arrived.reject };
    const t0 = performance.now();
    await conn.appendToStream(spec.stream, es.expectedVersion.any, [eventData(i, id)]);
    await arrived.promise;
    latencies.push(performance.now() - t0);
  }
  subscription.stop();
  if (failure) throw failure;
  return {
    events: historyEvents,
    ms: wentLive - started,
    historyEvents,
    historyMs: wentLive - started,
    latencies,
    sum,
  };
}

function memory() {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, external } = process.memoryUsage();
  return { heapUsed, external };
}

async function retainedEvents(conn) {
  if (typeof globalThis.gc !== "function") throw new Error("M2 needs node --expose-gc");
  const before = memory();
  const retained = [];
  const done = deferred();
  const subscription = conn.subscribeToStreamFrom(
    spec.stream,
    null,
    true,
    (sub, resolved) => {
      if (retained.length < spec.count) retained.push(resolved);
      if (retained.length === spec.count) done.resolve();
    },
    undefined,
    (_sub, reason, error) => {
      if (reason !== "userInitiated") done.reject(new Error(`Dropped: ${reason} ${error ?? ""}`));
    },
    credentials,
    spec.page ?? 500,
  );
  await done.promise;
  subscription.stop();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const after = memory();
  const held = after.heapUsed + after.external - before.heapUsed - before.external;
  return {
    events: retained.length,
    ms: 0,
    bytesPerEvent: held / retained.length,
    memory: {
      heapUsedBefore: before.heapUsed,
      externalBefore: before.external,
      heapUsedAfter: after.heapUsed,
      externalAfter: after.external,
      retained: retained.length,
    },
  };
}

function run(conn) {
  switch (spec.workload) {
    case "W1":
      return sequentialAppends(conn);
    case "W2":
      return concurrentAppends(conn);
    case "W3":
      return batchAppends(conn);
    case "W4":
    case "W8":
      return readStream(conn);
    case "W5":
      return readAll(conn);
    case "W6":
      return catchUp(conn);
    case "M2":
      return retainedEvents(conn);
    default:
      throw new TypeError(`Unknown workload "${spec.workload}" for node-eventstore-client`);
  }
}

const conn = await open();
let result;
try {
  result = await run(conn);
} finally {
  conn.close();
}
const latencies = result.latencies?.map((ms) => Math.round(ms * 1000) / 1000);
const line = JSON.stringify({ ...result, latencies, runtime: `node ${process.versions.node}` });
// Writes to a pipe are asynchronous in Node: exit once the line is out.
process.stdout.write(`${line}\n`, () => process.exit(0));
