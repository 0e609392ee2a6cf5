/**
 * The read calls: `getEvent`, `get`, `getAll`, the lazily paging `iter` and `iterAll` streams, and
 * `getStreamMetadata`. Each checks its arguments, then runs a read operation
 * (`read_operations.ts`) over the {@linkcode ClientContext}.
 *
 * Each function here is the `Client` method of the same name over a `ClientContext`; their
 * runnable examples are on `Client` (lib/client/client.ts).
 *
 * @module
 */

import { EventNotFoundError, StreamDeletedError, StreamNotFoundError } from "../errors.ts";
import {
  type CallOptions,
  checkBatch,
  checkBoolean,
  checkDirection,
  checkFilter,
  checkFrom,
  checkMetadataStream,
  checkOptions,
  checkPosition,
  checkStream,
  type Direction,
} from "./call_options.ts";
import { type ClientContext, readContext, run } from "./client_context.ts";
import { toBigInt } from "./expected_version.ts";
import { Position } from "./position.ts";
import { pagedStream } from "./read_iterator.ts";
import {
  type AllFilter,
  type AllSlice,
  readAllOperation,
  readEventOperation,
  readStreamOperation,
  type StreamSlice,
  takeEvents,
} from "./read_operations.ts";
import type { ResolvedEvent } from "./resolved_event.ts";
import { parseStreamMetadata, type StreamMetadataResult } from "./stream_metadata.ts";

/** Options of `Client.getEvent`. */
export interface GetEventOptions extends CallOptions {
  /** Resolve `$>` links to their targets (default true). */
  readonly resolveLinks?: boolean;
}

/** Options of `Client.get`. */
export interface GetOptions extends CallOptions {
  /** `"forward"` (default) or `"backward"`. */
  readonly direction?: Direction;
  /** First event number to read (default 0 forward, the last event backward). */
  readonly fromEvent?: bigint | number;
  /** Most events to return, 1 to 4096 (default 100). */
  readonly maxCount?: number;
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
}

/** Options of `Client.getAll`. */
export interface GetAllOptions extends CallOptions {
  /** `"forward"` (default) or `"backward"`. */
  readonly direction?: Direction;
  /** Position to read from (default the start forward, the end backward). */
  readonly fromPosition?: Position;
  /** Most events to return, 1 to 4096 (default 100). */
  readonly maxCount?: number;
  /** Server-side filter (20.6+ servers). */
  readonly filter?: AllFilter;
  /** Events a filtered read scans at most (default `maxCount`). */
  readonly maxSearchWindow?: number;
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
}

/** Options of `Client.iter`. */
export interface IterOptions extends CallOptions {
  /** `"forward"` (default) or `"backward"`. */
  readonly direction?: Direction;
  /** First event number (default 0 forward, the last event backward). */
  readonly fromEvent?: bigint | number;
  /** Events per page, 1 to 4096 (default 100). */
  readonly batchSize?: number;
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
}

/** Options of `Client.iterAll`. */
export interface IterAllOptions extends CallOptions {
  /** `"forward"` (default) or `"backward"`. */
  readonly direction?: Direction;
  /** Position to start at (default the start forward, the end backward). */
  readonly fromPosition?: Position;
  /** Events per page, 1 to 4096 (default 100). */
  readonly batchSize?: number;
  /** Server-side filter (20.6+ servers). */
  readonly filter?: AllFilter;
  /** Resolve `$>` links (default true). */
  readonly resolveLinks?: boolean;
}

/** Default page size of reads. */
export const DEFAULT_PAGE = 100;

function streamStart(call: { fromEvent?: bigint | number }, direction: Direction): bigint {
  return call.fromEvent === undefined
    ? (direction === "forward" ? 0n : -1n)
    : toBigInt(call.fromEvent, "fromEvent");
}

function allStart(value: unknown, method: string, direction: Direction): Position {
  return checkPosition(value, "fromPosition", method) ??
    (direction === "forward" ? Position.start : Position.end);
}

/** The caller's signal joined with the page stream's own. */
function pageCall(call: CallOptions, signal: AbortSignal): CallOptions {
  return { ...call, signal: call.signal ? AbortSignal.any([call.signal, signal]) : signal };
}

/**
 * Reads one event (`-1` for the last one).
 *
 * @throws {EventNotFoundError} if there is no such event
 * @throws {StreamNotFoundError} if the stream does not exist
 * @throws {StreamDeletedError} if the stream was hard-deleted
 */
export async function getEvent(
  context: ClientContext,
  stream: string,
  eventNumber: bigint | number,
  options?: GetEventOptions,
): Promise<ResolvedEvent> {
  const call = checkOptions("getEvent", options, ["resolveLinks"]);
  checkStream(stream, "getEvent");
  const number = toBigInt(eventNumber, "eventNumber");
  if (number < -1n) {
    throw new RangeError(`Invalid eventNumber ${number}: expected -1 (last) or a number >= 0`);
  }
  const resolveLinks = checkBoolean(call.resolveLinks, "resolveLinks", "getEvent");
  const read = readContext(context, call, resolveLinks);
  return await run(context, readEventOperation(read, stream, number), call);
}

/**
 * Reads a page of a stream.
 *
 * @throws {StreamNotFoundError} if the stream does not exist
 * @throws {StreamDeletedError} if the stream was hard-deleted
 */
export async function get(
  context: ClientContext,
  stream: string,
  options?: GetOptions,
): Promise<StreamSlice> {
  const call = checkOptions("get", options, ["direction", "fromEvent", "maxCount", "resolveLinks"]);
  checkStream(stream, "get");
  const direction = checkDirection(call.direction, "get");
  const from = checkFrom(streamStart(call, direction), direction, "get");
  const maxCount = checkBatch(call.maxCount ?? DEFAULT_PAGE, "maxCount");
  const read = readContext(context, call, checkBoolean(call.resolveLinks, "resolveLinks", "get"));
  return await run(context, readStreamOperation(read, stream, direction, from, maxCount), call);
}

/**
 * Reads a page of `$all` (admins only by default).
 */
export async function getAll(context: ClientContext, options?: GetAllOptions): Promise<AllSlice> {
  const method = "getAll";
  const call = checkOptions(method, options, [
    "direction",
    "fromPosition",
    "maxCount",
    "filter",
    "maxSearchWindow",
    "resolveLinks",
  ]);
  const direction = checkDirection(call.direction, method);
  const from = allStart(call.fromPosition, method, direction);
  const maxCount = checkBatch(call.maxCount ?? DEFAULT_PAGE, "maxCount");
  const filter = checkFilter(call.filter, method);
  const window = call.maxSearchWindow === undefined
    ? undefined
    : checkBatch(call.maxSearchWindow, "maxSearchWindow");
  const read = readContext(context, call, checkBoolean(call.resolveLinks, "resolveLinks", method));
  return await run(
    context,
    readAllOperation(read, direction, from, maxCount, filter, window),
    call,
  );
}

/**
 * Streams every event of a stream, reading pages lazily: memory stays bounded by `batchSize`,
 * and cancelling (or leaving a `for await` loop) stops the reads.
 */
export function iter(
  context: ClientContext,
  stream: string,
  options?: IterOptions,
): ReadableStream<ResolvedEvent> {
  const call = checkOptions("iter", options, [
    "direction",
    "fromEvent",
    "batchSize",
    "resolveLinks",
  ]);
  checkStream(stream, "iter");
  const direction = checkDirection(call.direction, "iter");
  const start = checkFrom(streamStart(call, direction), direction, "iter");
  const batchSize = checkBatch(call.batchSize ?? DEFAULT_PAGE, "batchSize");
  const read = readContext(context, call, checkBoolean(call.resolveLinks, "resolveLinks", "iter"));
  return pagedStream(start, batchSize, async (from, count, signal) => {
    const slice = await run(
      context,
      readStreamOperation(read, stream, direction, from, count),
      pageCall(call, signal),
    );
    return { events: takeEvents(slice), next: slice.nextEventNumber, done: slice.isEndOfStream };
  });
}

/**
 * Streams `$all`, paging lazily like {@linkcode iter}.
 */
export function iterAll(
  context: ClientContext,
  options?: IterAllOptions,
): ReadableStream<ResolvedEvent> {
  const method = "iterAll";
  const call = checkOptions(method, options, [
    "direction",
    "fromPosition",
    "batchSize",
    "filter",
    "resolveLinks",
  ]);
  const direction = checkDirection(call.direction, method);
  const start = allStart(call.fromPosition, method, direction);
  const batchSize = checkBatch(call.batchSize ?? DEFAULT_PAGE, "batchSize");
  const filter = checkFilter(call.filter, method);
  const read = readContext(context, call, checkBoolean(call.resolveLinks, "resolveLinks", method));
  return pagedStream(start, batchSize, async (from, count, signal) => {
    const slice = await run(
      context,
      readAllOperation(read, direction, from, count, filter),
      pageCall(call, signal),
    );
    return { events: takeEvents(slice), next: slice.nextPosition, done: slice.isEndOfStream };
  });
}

/**
 * Reads a stream's metadata (empty metadata with version -1 when none was written).
 */
export async function getStreamMetadata(
  context: ClientContext,
  stream: string,
  options?: CallOptions,
): Promise<StreamMetadataResult> {
  const call = checkOptions("getStreamMetadata", options, []);
  checkMetadataStream(stream, "getStreamMetadata");
  try {
    const event = await run(
      context,
      readEventOperation(readContext(context, call, false), `$$${stream}`, -1n),
      call,
    );
    return {
      stream,
      isDeleted: false,
      metastreamVersion: event.eventNumber,
      metadata: parseStreamMetadata(event.data),
    };
  } catch (error) {
    // As the .NET client: no metadata event, or no metastream, means empty metadata.
    if (error instanceof EventNotFoundError || error instanceof StreamNotFoundError) {
      return { stream, isDeleted: false, metastreamVersion: -1n, metadata: {} };
    }
    if (error instanceof StreamDeletedError) {
      return { stream, isDeleted: true, metastreamVersion: -1n, metadata: {} };
    }
    throw error;
  }
}
