/**
 * Runs one bench workload with photonpump in its own Deno process:
 * `deno run -A tests/bench/ours.ts '<WorkloadSpec JSON>'`. Prints a {@linkcode WorkloadResult}
 * as its last stdout line. `nec.mjs` is its twin for node-eventstore-client: keep the two doing
 * the same work.
 *
 * @module
 */

import { type Client, connect, newEvent, type ResolvedEvent } from "../../mod.ts";
import { BENCH_EVENT_TYPE, benchBody, type WorkloadResult, type WorkloadSpec } from "./workload.ts";

const spec: WorkloadSpec = JSON.parse(Deno.args[0] ?? "{}");
const gc = (globalThis as { gc?: () => void }).gc;

function open(): Promise<Client> {
  if (spec.caFile !== undefined) {
    return connect(`tls://admin:changeit@${spec.host}:${spec.port}`, {
      tls: { caFile: spec.caFile },
    });
  }
  return connect(`tcp://admin:changeit@${spec.host}:${spec.port}`);
}

function stepOf(event: ResolvedEvent): number {
  return (event.json() as { step: number }).step;
}

type Measured = Omit<WorkloadResult, "runtime">;

async function sequentialAppends(client: Client): Promise<Measured> {
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < spec.count; i++) {
    const t0 = performance.now();
    await client.publishEvent(spec.stream, BENCH_EVENT_TYPE, { body: benchBody(i) });
    latencies.push(performance.now() - t0);
  }
  return { events: spec.count, ms: performance.now() - started, latencies };
}

async function concurrentAppends(client: Client): Promise<Measured> {
  const lanes = spec.inFlight ?? 100;
  const latencies: number[] = [];
  let next = 0;
  const lane = async (id: number) => {
    while (next < spec.count) {
      const i = next++;
      const t0 = performance.now();
      await client.publishEvent(`${spec.stream}-${id}`, BENCH_EVENT_TYPE, { body: benchBody(i) });
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: lanes }, (_, id) => lane(id)));
  return { events: spec.count, ms: performance.now() - started, latencies };
}

async function batchAppends(client: Client, inFlight = 1): Promise<Measured> {
  const batch = spec.batch ?? 100;
  const latencies: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < spec.count) {
      const first = next;
      next = Math.min(spec.count, next + batch);
      const events = [];
      for (let i = first; i < next; i++) {
        events.push(newEvent(BENCH_EVENT_TYPE, { body: benchBody(i) }));
      }
      const t0 = performance.now();
      // Seeding a large store on a loaded machine may take longer than the default 7 s timeout.
      await client.publish(spec.stream, events, inFlight > 1 ? { timeout: 120_000 } : undefined);
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  // Concurrent batches to one stream with ExpectedVersion.Any: only the seed uses more than one.
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { events: spec.count, ms: performance.now() - started, latencies };
}

async function readStream(client: Client): Promise<Measured> {
  let sum = 0;
  let events = 0;
  const started = performance.now();
  for await (const event of client.iter(spec.stream, { batchSize: spec.page ?? 500 })) {
    sum += stepOf(event);
    if (++events === spec.count) break;
  }
  return { events, ms: performance.now() - started, sum };
}

async function readAll(client: Client): Promise<Measured> {
  let sum = 0;
  let events = 0;
  const started = performance.now();
  for await (const event of client.iterAll({ batchSize: spec.page ?? 500 })) {
    if (event.isJson) sum += (event.json() as { step?: number }).step ?? 0;
    if (++events === spec.count) break;
  }
  return { events, ms: performance.now() - started, sum };
}

async function catchUp(client: Client): Promise<Measured> {
  const live = spec.live ?? 0;
  let sum = 0;
  let delivered = 0;
  let historyEvents = 0;
  let wentLive = 0;
  const liveStarted = Promise.withResolvers<void>();
  let waiting: { id: string; resolve: () => void } | undefined;
  const started = performance.now();
  const subscription = await client.subscribeTo(spec.stream, {
    startFrom: spec.from ?? 0,
    batchSize: spec.page ?? 500,
    onLive: () => {
      wentLive = performance.now();
      historyEvents = delivered;
      liveStarted.resolve();
    },
  });
  const reader = (async () => {
    for await (const event of subscription) {
      sum += stepOf(event);
      delivered++;
      if (waiting !== undefined && event.id === waiting.id) waiting.resolve();
    }
  })();
  await liveStarted.promise;
  const latencies: number[] = [];
  for (let i = 0; i < live; i++) {
    const event = newEvent(BENCH_EVENT_TYPE, { body: benchBody(i) });
    const arrived = Promise.withResolvers<void>();
    waiting = { id: event.id, resolve: arrived.resolve };
    const t0 = performance.now();
    await client.publish(spec.stream, [event]);
    await arrived.promise;
    latencies.push(performance.now() - t0);
  }
  await subscription.unsubscribe();
  await reader;
  return {
    events: historyEvents,
    ms: wentLive - started,
    historyEvents,
    historyMs: wentLive - started,
    latencies,
    sum,
  };
}

async function bigIter(client: Client): Promise<Measured> {
  const sampleEvery = spec.sampleEvery ?? 10_000;
  const warmup = Math.min(50_000, Math.floor(spec.count / 2));
  let sum = 0;
  let events = 0;
  let rssAfterWarmup = 0;
  let rssPeak = 0;
  const started = performance.now();
  for await (const event of client.iter(spec.stream, { batchSize: spec.page ?? 500 })) {
    sum += stepOf(event);
    events++;
    if (events % sampleEvery === 0 || events === warmup) {
      const rss = Deno.memoryUsage().rss;
      if (events === warmup) rssAfterWarmup = rss;
      if (events >= warmup) rssPeak = Math.max(rssPeak, rss);
    }
    if (events === spec.count) break;
  }
  return { events, ms: performance.now() - started, sum, rssAfterWarmup, rssPeak };
}

function memory(): Record<string, number> {
  gc?.();
  gc?.();
  const { heapUsed, external } = Deno.memoryUsage();
  return { heapUsed, external };
}

async function retainedEvents(client: Client): Promise<Measured> {
  if (gc === undefined) throw new Error("M2 needs --v8-flags=--expose-gc");
  const before = memory();
  const retained: ResolvedEvent[] = [];
  const subscription = await client.subscribeTo(spec.stream, {
    startFrom: 0,
    batchSize: spec.page ?? 500,
  });
  for await (const event of subscription) {
    retained.push(event);
    if (retained.length === spec.count) break;
  }
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
      // Read after measuring, so the events stay reachable until then.
      retained: retained.length,
    },
  };
}

async function run(client: Client): Promise<Measured> {
  switch (spec.workload) {
    case "seed":
      return await batchAppends(client, 4);
    case "W1":
      return await sequentialAppends(client);
    case "W2":
    case "M1":
      return await concurrentAppends(client);
    case "W3":
      return await batchAppends(client);
    case "W4":
    case "W8":
      return await readStream(client);
    case "W5":
      return await readAll(client);
    case "W6":
      return await catchUp(client);
    case "W7":
      return await bigIter(client);
    case "M2":
      return await retainedEvents(client);
  }
  throw new TypeError(`Unknown workload "${spec.workload}"`);
}

const client = await open();
try {
  const measured = await run(client);
  const result: WorkloadResult = {
    ...measured,
    ...(measured.latencies && {
      latencies: measured.latencies.map((ms) => Math.round(ms * 1000) / 1000),
    }),
    runtime: `deno ${Deno.version.deno}`,
  };
  console.log(JSON.stringify(result));
} finally {
  await client.close();
}
