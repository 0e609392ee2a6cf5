/**
 * OpenTelemetry tracing for photonpump, over `@opentelemetry/api` (the only module that imports
 * it, so the core client depends on nothing extra). {@linkcode instrument} wraps a client:
 *
 * - appends (`publishEvent`, `publish`) get a `streams.append` client span, and the span's trace
 *   and span ids are written into each JSON event's metadata as `$traceId` and `$spanId`, the keys
 *   the official EventStore clients' instrumentation uses;
 * - reads (`getEvent`, `get`, `getAll`, and `iter`/`iterAll` until the stream ends) get a
 *   `streams.read` client span;
 * - each event a subscription (`subscribeTo`, `subscribeToAll`, `connectSubscription`) hands to
 *   the consumer gets a `streams.subscribe` consumer span, a child of the producer's span when
 *   the event's metadata carries one, lasting until the consumer asks for the next event.
 *
 * Spans carry `db.system` (`"eventstoredb"`), `db.operation` (the method), `db.user`, and the
 * custom `db.eventstoredb.stream`, `db.eventstoredb.event.id`, `db.eventstoredb.event.type` and
 * `db.eventstoredb.subscription.id` attributes, plus `server.address`/`server.port` when given.
 * Without an OpenTelemetry SDK the API's tracer does nothing, and then no metadata is changed.
 *
 * @example
 * ```ts
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { instrument } from "@photonpump/client/otel";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = instrument(await connect(store.url));
 * await conn.publishEvent("orders", "order_placed", { body: { order: 1 } });
 * ```
 *
 * @module
 */

// An inline npm: specifier, not an import-map entry: the root deno.json must not name this package,
// or every run in the repository would fetch it (see tools/otel/deno.json).
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Tracer,
  // deno-lint-ignore no-import-prefix
} from "npm:@opentelemetry/api@1.9.0";
import type {
  CallOptions,
  Client,
  EventData,
  PersistentSubscription,
  PublishEventOptions,
  ResolvedEvent,
  Subscription,
} from "../../mod.ts";

/**
 * The metadata key under which {@linkcode instrument} writes the appending span's trace id (32 hex
 * digits), as the official clients' instrumentation does. Events without JSON metadata (or written
 * with no SDK installed) do not get it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { instrument, SPAN_ID_KEY, TRACE_ID_KEY } from "@photonpump/client/otel";
 * import {
 *   BasicTracerProvider,
 *   InMemorySpanExporter,
 *   SimpleSpanProcessor,
 * } from "@opentelemetry/sdk-trace-base";
 *
 * const exporter = new InMemorySpanExporter();
 * const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = instrument(await connect(store.url), { tracer: provider.getTracer("app") });
 * await conn.publishEvent("orders", "order_placed", { body: { order: 1 } });
 *
 * const [span] = exporter.getFinishedSpans();
 * const [read] = await conn.get("orders");
 * const metadata = read.event!.metadataJson<Record<string, string>>()!;
 * assert.equal(metadata[TRACE_ID_KEY], span.spanContext().traceId);
 * assert.equal(metadata[SPAN_ID_KEY], span.spanContext().spanId);
 * ```
 */
export const TRACE_ID_KEY = "$traceId";
/**
 * The metadata key under which {@linkcode instrument} writes the appending span's span id (16 hex
 * digits); a subscriber's `streams.subscribe` span becomes its child.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { SPAN_ID_KEY, TRACE_ID_KEY } from "@photonpump/client/otel";
 *
 * // Uninstrumented readers see the keys as plain metadata fields.
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * const trace = { [TRACE_ID_KEY]: "4bf92f3577b34da6a3ce929d0e0e4736", [SPAN_ID_KEY]: "00f067aa0ba902b7" };
 * await conn.publishEvent("orders", "order_placed", { body: {}, metadata: trace });
 * const [read] = await conn.get("orders");
 * assert.deepEqual(read.event!.metadataJson(), trace);
 * ```
 */
export const SPAN_ID_KEY = "$spanId";

/** Options of {@linkcode instrument}. */
export interface InstrumentOptions {
  /** The tracer (default: `trace.getTracer("@photonpump/client")` of the global provider). */
  readonly tracer?: Tracer;
  /** `server.address` of every span, e.g. the host you connected to. */
  readonly serverAddress?: string;
  /** `server.port` of every span. */
  readonly serverPort?: number;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const APPENDS = new Set(["publishEvent", "publish"]);
const READS = new Set(["getEvent", "get", "getAll"]);
const ITERATIONS = new Set(["iter", "iterAll"]);
const SUBSCRIPTIONS = new Set(["subscribeTo", "subscribeToAll", "connectSubscription"]);

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * Returns `client` with tracing: the same methods and behaviour, plus spans and trace context in
 * appended events' metadata. Methods not listed in the module docs pass through unchanged. Without
 * `options.tracer` it uses the global provider's tracer, which does nothing until an SDK is
 * registered (and then metadata is left as given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 * import { instrument } from "@photonpump/client/otel";
 * import {
 *   BasicTracerProvider,
 *   InMemorySpanExporter,
 *   SimpleSpanProcessor,
 * } from "@opentelemetry/sdk-trace-base";
 *
 * const exporter = new InMemorySpanExporter();
 * const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = instrument(await connect(store.url), {
 *   tracer: provider.getTracer("app"),
 *   serverAddress: store.hostname,
 *   serverPort: store.port,
 * });
 * await conn.publishEvent("orders", "order_placed", { body: { order: 1 } });
 * await conn.get("orders");
 *
 * const spans = exporter.getFinishedSpans();
 * assert.deepEqual(spans.map((span) => span.name), ["streams.append", "streams.read"]);
 * assert.equal(spans[0].attributes["db.eventstoredb.stream"], "orders");
 * ```
 */
export function instrument(client: Client, options: InstrumentOptions = {}): Client {
  const tracer = options.tracer ?? trace.getTracer("@photonpump/client");
  const base: Attributes = { "db.system": "eventstoredb" };
  if (options.serverAddress !== undefined) base["server.address"] = options.serverAddress;
  if (options.serverPort !== undefined) base["server.port"] = options.serverPort;
  const cache = new Map<PropertyKey, unknown>();

  const attributesOf = (operation: string, call: CallOptions | undefined): Attributes => {
    const attributes: Attributes = { ...base, "db.operation": operation };
    if (call?.credentials) attributes["db.user"] = call.credentials.username;
    return attributes;
  };

  const wrap = (name: string, method: AnyFunction): AnyFunction => {
    if (APPENDS.has(name)) {
      return async (...args) => {
        const stream = args[0] as string;
        const call = args[2] as CallOptions | undefined; // publishEvent and publish: (stream, _, options)
        const span = tracer.startSpan("streams.append", {
          kind: SpanKind.CLIENT,
          attributes: { ...attributesOf(name, call), "db.eventstoredb.stream": stream },
        });
        const traced = name === "publishEvent"
          ? [args[0], args[1], withTraceInOptions(args[2] as PublishEventOptions, span)]
          : [args[0], withTraceInEvents(args[1] as readonly EventData[], span), args[2]];
        return await endAfter(span, () => method(...traced) as Promise<unknown>);
      };
    }
    if (READS.has(name)) {
      return async (...args) => {
        const call = (name === "getAll" ? args[0] : args[name === "getEvent" ? 2 : 1]) as
          | CallOptions
          | undefined;
        const attributes = attributesOf(name, call);
        if (name !== "getAll") attributes["db.eventstoredb.stream"] = args[0] as string;
        const span = tracer.startSpan("streams.read", { kind: SpanKind.CLIENT, attributes });
        return await endAfter(span, () => method(...args) as Promise<unknown>);
      };
    }
    if (ITERATIONS.has(name)) {
      return (...args) => {
        const call = (name === "iterAll" ? args[0] : args[1]) as CallOptions | undefined;
        const attributes = attributesOf(name, call);
        if (name === "iter") attributes["db.eventstoredb.stream"] = args[0] as string;
        const span = tracer.startSpan("streams.read", { kind: SpanKind.CLIENT, attributes });
        try {
          return tracedStream(method(...args) as ReadableStream<ResolvedEvent>, span);
        } catch (error) {
          fail(span, error);
          span.end();
          throw error;
        }
      };
    }
    if (SUBSCRIPTIONS.has(name)) {
      return async (...args) => {
        const call = (name === "subscribeToAll" ? args[0] : args[name === "subscribeTo" ? 1 : 2]) as
          | CallOptions
          | undefined;
        const subscription = await method(...args) as Subscription | PersistentSubscription;
        const subscriptionId = name === "connectSubscription"
          ? `${args[1] as string}::${args[0] as string}`
          : name === "subscribeTo"
          ? (args[0] as string)
          : "$all";
        return tracedSubscription(subscription, (event) =>
          tracer.startSpan(
            "streams.subscribe",
            {
              kind: SpanKind.CONSUMER,
              attributes: {
                ...attributesOf(name, call),
                "db.eventstoredb.stream": event.stream,
                "db.eventstoredb.event.id": event.id,
                "db.eventstoredb.event.type": event.type,
                "db.eventstoredb.subscription.id": subscriptionId,
              },
            },
            producerContext(event),
          ));
      };
    }
    return method.bind(client) as AnyFunction;
  };

  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (!cache.has(property)) {
        cache.set(property, wrap(String(property), (value as AnyFunction).bind(target)));
      }
      return cache.get(property);
    },
  });
}

/** Runs `work`, recording a failure on `span`, and ends the span either way. */
async function endAfter<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}

function fail(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}

/** The trace context fields to add to metadata, or undefined for a no-op (invalid) span. */
function traceFields(span: Span): Record<string, string> | undefined {
  const context = span.spanContext();
  if (!trace.isSpanContextValid(context)) return undefined;
  return { [TRACE_ID_KEY]: context.traceId, [SPAN_ID_KEY]: context.spanId };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Uint8Array);
}

/** publishEvent's options with the trace fields merged into JSON-object (or absent) metadata. */
function withTraceInOptions(
  options: PublishEventOptions | undefined,
  span: Span,
): PublishEventOptions | undefined {
  const fields = traceFields(span);
  if (fields === undefined) return options;
  const metadata = options?.metadata;
  if (metadata !== undefined && !isPlainObject(metadata)) return options;
  return { ...options, metadata: { ...metadata, ...fields } };
}

/** Events with the trace fields merged into metadata that is empty or a JSON object. */
function withTraceInEvents(events: readonly EventData[], span: Span): readonly EventData[] {
  const fields = traceFields(span);
  if (fields === undefined || !Array.isArray(events)) return events;
  return events.map((event) => {
    if (typeof event !== "object" || event === null || !(event.metadata instanceof Uint8Array)) {
      return event; // the client reports the bad event
    }
    let metadata: unknown = {};
    if (event.metadata.byteLength > 0) {
      try {
        metadata = JSON.parse(fromUtf8.decode(event.metadata));
      } catch {
        return event; // binary metadata stays as it is
      }
    }
    if (!isPlainObject(metadata)) return event;
    return { ...event, metadata: utf8.encode(JSON.stringify({ ...metadata, ...fields })) };
  });
}

/** The producer's span as a remote parent, when the event's metadata names a valid one. */
function producerContext(event: ResolvedEvent): Context {
  let metadata: unknown;
  try {
    metadata = event.originalEvent.metadataJson();
  } catch {
    return ROOT_CONTEXT;
  }
  if (!isPlainObject(metadata)) return ROOT_CONTEXT;
  const traceId = metadata[TRACE_ID_KEY];
  const spanId = metadata[SPAN_ID_KEY];
  if (typeof traceId !== "string" || typeof spanId !== "string") return ROOT_CONTEXT;
  const parent = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  return trace.isSpanContextValid(parent)
    ? trace.setSpanContext(ROOT_CONTEXT, parent)
    : ROOT_CONTEXT;
}

/** `stream` re-emitted, ending `span` when it finishes, fails or is cancelled. */
function tracedStream(
  stream: ReadableStream<ResolvedEvent>,
  span: Span,
): ReadableStream<ResolvedEvent> {
  const reader = stream.getReader();
  let ended = false;
  const end = (error?: unknown): void => {
    if (ended) return;
    ended = true;
    if (error !== undefined) fail(span, error);
    span.end();
  };
  return new ReadableStream<ResolvedEvent>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        end(error);
        controller.error(error);
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * The subscription with a span per delivered event: started when `for await` (or a reader)
 * receives it, ended when the next one is asked for or the consumer stops. Everything else
 * (`ack`, `nack`, `unsubscribe`, `dropped`, …) is the subscription's own.
 */
function tracedSubscription<S extends ReadableStream<ResolvedEvent>>(
  subscription: S,
  startSpan: (event: ResolvedEvent) => Span,
): S {
  const deliveries = <R extends { done?: boolean; value?: ResolvedEvent }>(
    next: () => Promise<R>,
  ) => {
    let current: Span | undefined;
    const finish = (): void => {
      current?.end();
      current = undefined;
    };
    const traced = async (): Promise<R> => {
      finish();
      const result = await next();
      if (!result.done && result.value) current = startSpan(result.value);
      return result;
    };
    return { traced, finish };
  };

  return new Proxy(subscription, {
    get(target, property) {
      if (property === Symbol.asyncIterator || property === "values") {
        return (...args: unknown[]) => {
          const iterator = (target[Symbol.asyncIterator] as (
            ...a: unknown[]
          ) => AsyncIterator<ResolvedEvent>).apply(target, args);
          const { traced, finish } = deliveries(() => iterator.next());
          return {
            next: traced,
            async return(value?: unknown) {
              finish();
              return await (iterator.return?.(value) ??
                Promise.resolve({ done: true as const, value: undefined }));
            },
            async throw(error?: unknown) {
              finish();
              if (iterator.throw) return await iterator.throw(error);
              throw error;
            },
            [Symbol.asyncIterator]() {
              return this;
            },
          };
        };
      }
      if (property === "getReader") {
        return (...args: unknown[]) => {
          const reader = (target.getReader as (...a: unknown[]) => ReadableStreamDefaultReader<
            ResolvedEvent
          >).apply(target, args);
          const { traced, finish } = deliveries(() => reader.read());
          return new Proxy(reader, {
            get(r, p) {
              if (p === "read") return traced;
              if (p === "releaseLock" || p === "cancel") {
                return (...a: unknown[]) => {
                  finish();
                  return (Reflect.get(r, p, r) as AnyFunction).apply(r, a);
                };
              }
              const v = Reflect.get(r, p, r);
              return typeof v === "function" ? v.bind(r) : v;
            },
          });
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
