import assert from "node:assert/strict";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { connect, newEvent, WrongExpectedVersionError } from "../../mod.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { instrument, SPAN_ID_KEY, TRACE_ID_KEY } from "../../lib/otel/mod.ts";

/** A tracer whose finished spans land in memory. */
function memoryTracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    tracer: provider.getTracer("test"),
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
  };
}

Deno.test("an append gets a streams.append client span whose ids land in the events' metadata", async () => {
  const { tracer, spans } = memoryTracer();
  await using store = await startMemoryStore({ port: 0 });
  await using conn = instrument(await connect(store.url), {
    tracer,
    serverAddress: "127.0.0.1",
    serverPort: store.port,
  });

  await conn.publishEvent("orders", "order_placed", {
    body: { order: 1 },
    metadata: { source: "web" },
  });
  await conn.publish("orders", [
    newEvent("order_placed", { body: { order: 2 } }),
    newEvent("blob", { body: new Uint8Array([1]), metadata: new Uint8Array([0xff]) }),
  ]);

  const appends = spans().filter((s) => s.name === "streams.append");
  assert.equal(appends.length, 2);
  assert.deepEqual(appends[0].attributes, {
    "db.system": "eventstoredb",
    "db.operation": "publishEvent",
    "db.eventstoredb.stream": "orders",
    "server.address": "127.0.0.1",
    "server.port": store.port,
  });
  assert.equal(appends[0].kind, 2); // SpanKind.CLIENT
  const [first, second, blob] = await conn.get("orders");
  assert.deepEqual(first.event?.metadataJson(), {
    source: "web",
    [TRACE_ID_KEY]: appends[0].spanContext().traceId,
    [SPAN_ID_KEY]: appends[0].spanContext().spanId,
  });
  assert.deepEqual(second.event?.metadataJson(), {
    [TRACE_ID_KEY]: appends[1].spanContext().traceId,
    [SPAN_ID_KEY]: appends[1].spanContext().spanId,
  });
  assert.deepEqual([...blob.metadata], [0xff], "binary metadata is left alone");
});

Deno.test("a failed append ends its span with an error status and the exception", async () => {
  const { tracer, spans } = memoryTracer();
  await using store = await startMemoryStore({ port: 0 });
  await using conn = instrument(await connect(store.url), { tracer });
  await conn.publishEvent("orders", "order_placed");

  await assert.rejects(
    conn.publishEvent("orders", "order_placed", { expectedVersion: 5 }),
    WrongExpectedVersionError,
  );
  const failed = spans().at(-1)!;
  assert.equal(failed.name, "streams.append");
  assert.equal(failed.status.code, 2); // SpanStatusCode.ERROR
  assert.match(failed.status.message ?? "", /expected version 5/);
  assert.equal(failed.events[0].name, "exception");
});

Deno.test("reads get streams.read spans; iter()'s span ends when the stream is consumed", async () => {
  const { tracer, spans } = memoryTracer();
  await using store = await startMemoryStore({ port: 0 });
  await using conn = instrument(await connect(store.url), { tracer });
  await conn.publish("orders", [newEvent("a"), newEvent("b"), newEvent("c")]);

  await conn.get("orders");
  await conn.getEvent("orders", 0);
  const reads = () => spans().filter((s) => s.name === "streams.read");
  assert.deepEqual(reads().map((s) => s.attributes["db.operation"]), ["get", "getEvent"]);

  const types: string[] = [];
  const stream = conn.iter("orders", { batchSize: 2 });
  assert.equal(reads().length, 2, "the iter span is still open");
  for await (const event of stream) types.push(event.type);
  assert.deepEqual(types, ["a", "b", "c"]);
  assert.deepEqual(reads().map((s) => s.attributes["db.operation"]), ["get", "getEvent", "iter"]);
  assert.equal(reads()[2].attributes["db.eventstoredb.stream"], "orders");
});

Deno.test("a subscriber's span for an event is a child of the span that appended it", async () => {
  const { tracer, spans } = memoryTracer();
  await using store = await startMemoryStore({ port: 0 });
  await using conn = instrument(await connect(store.url), { tracer });

  await using subscription = await conn.subscribeTo("orders");
  await conn.publishEvent("orders", "order_placed", { body: { order: 1 } });
  for await (const event of subscription) {
    assert.equal(event.type, "order_placed");
    break;
  }

  const append = spans().find((s) => s.name === "streams.append")!;
  const delivery = spans().find((s) => s.name === "streams.subscribe")!;
  assert.equal(delivery.kind, 4); // SpanKind.CONSUMER
  assert.equal(delivery.spanContext().traceId, append.spanContext().traceId);
  assert.equal(delivery.parentSpanContext?.spanId, append.spanContext().spanId);
  assert.equal(delivery.attributes["db.eventstoredb.subscription.id"], "orders");
  assert.equal(delivery.attributes["db.eventstoredb.event.type"], "order_placed");
});

Deno.test("persistent deliveries are traced too, and ack() still works through the wrapper", async () => {
  const { tracer, spans } = memoryTracer();
  await using store = await startMemoryStore({ port: 0 });
  await using conn = instrument(
    await connect({
      host: store.hostname,
      port: store.port,
      credentials: { username: "admin", password: "changeit" },
    }),
    { tracer },
  );
  await conn.publishEvent("invoices", "invoice_issued");
  await conn.createSubscription("billing", "invoices", { startFrom: 0 });
  await using worker = await conn.connectSubscription("billing", "invoices", { autoAck: false });
  const reader = worker.getReader();
  const { value } = await reader.read();
  await worker.ack(value!);
  reader.releaseLock();

  const delivery = spans().find((s) => s.name === "streams.subscribe")!;
  assert.equal(delivery.attributes["db.eventstoredb.subscription.id"], "invoices::billing");
  assert.equal(delivery.attributes["db.user"], undefined);
  const append = spans().find((s) => s.name === "streams.append")!;
  assert.equal(delivery.parentSpanContext?.spanId, append.spanContext().spanId);
});

Deno.test("without an OpenTelemetry SDK, instrument() changes nothing: no metadata is added", async () => {
  await using store = await startMemoryStore({ port: 0 });
  await using conn = instrument(await connect(store.url));
  await conn.publishEvent("orders", "order_placed", { body: { order: 1 } });
  const [event] = await conn.get("orders");
  assert.equal(event.metadata.byteLength, 0);
  assert.match(String(conn), /^Client\(/);
});
