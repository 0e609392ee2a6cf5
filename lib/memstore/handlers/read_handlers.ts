/**
 * ReadEvent, stream reads and `$all` reads, plain and filtered (docs/protocol.md §4.7–§4.10).
 *
 * @module
 */

import {
  type Filter,
  Filter_FilterContext,
  Filter_FilterType,
  FilteredReadAllEventsCompleted_FilteredReadAllResult,
  FilteredReadAllEventsCompletedSchema,
  FilteredReadAllEventsSchema,
  ReadAllEventsCompleted_ReadAllResult,
  ReadAllEventsCompletedSchema,
  ReadAllEventsSchema,
  ReadEventCompleted_ReadEventResult,
  ReadEventCompletedSchema,
  ReadEventSchema,
  ReadStreamEventsCompleted_ReadStreamResult,
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
} from "../../../gen/client_messages_pb.ts";
import { DEFAULT_MAX_PACKAGE_SIZE } from "../../wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../wire/proto_codec.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import { InvalidPackageError } from "../command_registry.ts";
import type { CommandContext, CommandRegistry } from "../command_registry.ts";
import {
  concatBytes,
  encodeResolvedIndexedEvent,
  lengthDelimitedField,
  spliceRecords,
} from "../event_splicing.ts";
import {
  type AllReadOutcome,
  defaultAllFilter,
  type MemoryStorage,
  type ResolvedRecord,
  type StoredEvent,
} from "../storage.ts";
import { requireStreamId } from "./validation.ts";

/**
 * Most bytes of events in one read reply. A page past the 64 MiB maximum frame is still sent, as
 * the real server sends it (and clients reject it); past this bound the page ends early, where a
 * real node would try to build a reply of any size (4,096 events of 16 MiB would be 64 GiB).
 */
export const MAX_PAGE_BYTES = 2 * DEFAULT_MAX_PACKAGE_SIZE;

/** A record as returned to the client: resolved when the request asked for it. */
export function resolveFor(
  storage: MemoryStorage,
  record: StoredEvent,
  resolveLinks: boolean,
): ResolvedRecord {
  return resolveLinks ? storage.resolve(record) : { event: record };
}

// ---- ReadEvent ----------------------------------------------------------------------------------

interface ReadEventRequest {
  readonly stream: string;
  readonly eventNumber: bigint;
  readonly resolveLinks: boolean;
}

function readEvent(ctx: CommandContext, request: ReadEventRequest): void {
  const { storage, auth } = ctx.services;
  const R = ReadEventCompleted_ReadEventResult;
  const reply = (result: ReadEventCompleted_ReadEventResult, event?: Uint8Array) =>
    ctx.reply(
      TcpCommand.ReadEventCompleted,
      concatBytes([
        // `event` is required, so encodeMessage writes an empty one (what every non-Success result
        // carries). The spliced event comes after it: decoders merge repeated occurrences of a
        // message field, and those that replace instead (protobufjs) keep the last one.
        encodeMessage(ReadEventCompletedSchema, { result }),
        ...(event ? [lengthDelimitedField(2, event)] : []),
      ]),
    );
  if (!auth.canAccess(ctx.principal, request.stream, "read")) return reply(R.AccessDenied);
  const outcome = storage.readEvent(request.stream, request.eventNumber);
  switch (outcome.status) {
    case "stream-deleted":
      return reply(R.StreamDeleted);
    case "no-stream":
      return reply(R.NoStream);
    case "not-found":
      return reply(R.NotFound);
  }
  if (outcome.event === null) return reply(R.Success);
  reply(
    R.Success,
    encodeResolvedIndexedEvent(resolveFor(storage, outcome.event, request.resolveLinks)),
  );
}

// ---- stream reads -------------------------------------------------------------------------------

interface ReadStreamRequest {
  readonly stream: string;
  readonly from: bigint;
  readonly maxCount: number;
  readonly resolveLinks: boolean;
}

function readStream(
  ctx: CommandContext,
  request: ReadStreamRequest,
  forward: boolean,
): void {
  const { storage, auth } = ctx.services;
  const R = ReadStreamEventsCompleted_ReadStreamResult;
  const command = forward
    ? TcpCommand.ReadStreamEventsForwardCompleted
    : TcpCommand.ReadStreamEventsBackwardCompleted;
  const failed = (
    result: ReadStreamEventsCompleted_ReadStreamResult,
    last: bigint,
    error?: string,
  ) =>
    ctx.reply(
      command,
      encodeMessage(ReadStreamEventsCompletedSchema, {
        result,
        nextEventNumber: -1n,
        lastEventNumber: last,
        isEndOfStream: true,
        lastCommitPosition: BigInt(storage.lastCommitPosition),
        ...(error !== undefined ? { error } : {}),
      }),
    );
  if (!auth.canAccess(ctx.principal, request.stream, "read")) {
    return failed(R.AccessDenied, -1n);
  }
  const outcome = forward
    ? storage.readStreamForward(request.stream, request.from, request.maxCount, MAX_PAGE_BYTES)
    : storage.readStreamBackward(request.stream, request.from, request.maxCount, MAX_PAGE_BYTES);
  switch (outcome.status) {
    case "error":
      return failed(R.Error, -1n, outcome.message);
    case "no-stream":
      return failed(R.NoStream, outcome.lastEventNumber);
    case "stream-deleted":
      return failed(R.StreamDeleted, outcome.lastEventNumber);
  }
  const events = outcome.events.map((e) => resolveFor(storage, e, request.resolveLinks));
  ctx.reply(
    command,
    spliceRecords(
      1,
      events,
      false,
      encodeMessage(ReadStreamEventsCompletedSchema, {
        result: R.Success,
        nextEventNumber: outcome.nextEventNumber,
        lastEventNumber: outcome.lastEventNumber,
        isEndOfStream: outcome.isEndOfStream,
        lastCommitPosition: BigInt(storage.lastCommitPosition),
      }),
    ),
  );
}

// ---- $all reads ---------------------------------------------------------------------------------

/** Builds the predicate of a `Filter` (docs/protocol.md §4.9); throws for an invalid regex. */
export function compileFilter(filter: Filter | undefined): (event: StoredEvent) => boolean {
  if (!filter || filter.data.length === 0) return () => true;
  const field = filter.context === Filter_FilterContext.EventType
    ? (e: StoredEvent) => e.eventType
    : (e: StoredEvent) => e.stream;
  if (filter.type === Filter_FilterType.Prefix) {
    const prefixes = [...filter.data];
    return (e) => {
      const value = field(e);
      return prefixes.some((p) => value.startsWith(p));
    };
  }
  let regex: RegExp;
  try {
    regex = new RegExp(filter.data[0]);
  } catch (cause) {
    throw new InvalidPackageError(`Invalid filter regex "${filter.data[0]}"`, { cause });
  }
  return (e) => regex.test(field(e));
}

interface ReadAllRequest {
  readonly commit: bigint;
  readonly prepare: bigint;
  readonly maxCount: number;
  readonly resolveLinks: boolean;
  readonly filter?: (event: StoredEvent) => boolean;
  readonly maxSearchWindow?: number;
}

function toNumber(position: bigint): number {
  // Positions beyond 2^53 cannot exist in memory; clamp so comparisons still hold.
  if (position > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (position < -1n) return -2;
  return Number(position);
}

function runReadAll(
  ctx: CommandContext,
  request: ReadAllRequest,
  forward: boolean,
): AllReadOutcome {
  const { storage } = ctx.services;
  const filter = request.filter;
  const position = { commit: toNumber(request.commit), prepare: toNumber(request.prepare) };
  const predicate = filter
    ? (e: StoredEvent) => defaultAllFilter(e) && filter(e)
    : defaultAllFilter;
  return forward
    ? storage.readAllForward(
      position,
      request.maxCount,
      predicate,
      request.maxSearchWindow,
      MAX_PAGE_BYTES,
    )
    : storage.readAllBackward(
      position,
      request.maxCount,
      predicate,
      request.maxSearchWindow,
      MAX_PAGE_BYTES,
    );
}

function readAll(ctx: CommandContext, request: ReadAllRequest, forward: boolean): void {
  const { storage, auth } = ctx.services;
  const R = ReadAllEventsCompleted_ReadAllResult;
  const command = forward
    ? TcpCommand.ReadAllEventsForwardCompleted
    : TcpCommand.ReadAllEventsBackwardCompleted;
  const echo = { commitPosition: request.commit, preparePosition: request.prepare };
  const failed = (result: ReadAllEventsCompleted_ReadAllResult, error?: string) =>
    ctx.reply(
      command,
      encodeMessage(ReadAllEventsCompletedSchema, {
        ...echo,
        nextCommitPosition: request.commit,
        nextPreparePosition: request.prepare,
        result,
        ...(error !== undefined ? { error } : {}),
      }),
    );
  if (!auth.canAccess(ctx.principal, "$all", "read")) return failed(R.AccessDenied);
  const outcome = runReadAll(ctx, request, forward);
  if (outcome.status === "error") return failed(R.Error, outcome.message);
  const events = outcome.events.map((e) => resolveFor(storage, e, request.resolveLinks));
  ctx.reply(
    command,
    spliceRecords(
      3,
      events,
      true,
      encodeMessage(ReadAllEventsCompletedSchema, {
        commitPosition: BigInt(outcome.from.commit),
        preparePosition: BigInt(outcome.from.prepare),
        nextCommitPosition: BigInt(outcome.next.commit),
        nextPreparePosition: BigInt(outcome.next.prepare),
        result: R.Success,
      }),
    ),
  );
}

function filteredReadAll(ctx: CommandContext, request: ReadAllRequest, forward: boolean): void {
  const { storage, auth } = ctx.services;
  const R = FilteredReadAllEventsCompleted_FilteredReadAllResult;
  const command = forward
    ? TcpCommand.FilteredReadAllEventsForwardCompleted
    : TcpCommand.FilteredReadAllEventsBackwardCompleted;
  const failed = (result: FilteredReadAllEventsCompleted_FilteredReadAllResult, error?: string) =>
    ctx.reply(
      command,
      encodeMessage(FilteredReadAllEventsCompletedSchema, {
        commitPosition: request.commit,
        preparePosition: request.prepare,
        nextCommitPosition: request.commit,
        nextPreparePosition: request.prepare,
        isEndOfStream: true,
        result,
        ...(error !== undefined ? { error } : {}),
      }),
    );
  if (!auth.canAccess(ctx.principal, "$all", "read")) return failed(R.AccessDenied);
  const outcome = runReadAll(ctx, request, forward);
  if (outcome.status === "error") return failed(R.Error, outcome.message);
  const events = outcome.events.map((e) => resolveFor(storage, e, request.resolveLinks));
  ctx.reply(
    command,
    spliceRecords(
      3,
      events,
      true,
      encodeMessage(FilteredReadAllEventsCompletedSchema, {
        commitPosition: BigInt(outcome.from.commit),
        preparePosition: BigInt(outcome.from.prepare),
        nextCommitPosition: BigInt(outcome.next.commit),
        nextPreparePosition: BigInt(outcome.next.prepare),
        isEndOfStream: outcome.isEndOfStream,
        result: R.Success,
      }),
    ),
  );
}

/** Registers every read command. */
export function registerReadHandlers(registry: CommandRegistry): void {
  registry.register<ReadEventRequest>(TcpCommand.ReadEvent, {
    unwrap(payload) {
      const m = decodeMessage(ReadEventSchema, payload, TcpCommand.ReadEvent);
      if (m.eventNumber < -1n) {
        throw new InvalidPackageError(`Invalid event number ${m.eventNumber}: must be >= -1`);
      }
      return {
        stream: requireStreamId(m.eventStreamId),
        eventNumber: m.eventNumber,
        resolveLinks: m.resolveLinkTos,
      };
    },
    handle: readEvent,
  });
  for (const forward of [true, false]) {
    const command = forward
      ? TcpCommand.ReadStreamEventsForward
      : TcpCommand.ReadStreamEventsBackward;
    registry.register<ReadStreamRequest>(command, {
      unwrap(payload) {
        const m = decodeMessage(ReadStreamEventsSchema, payload, command);
        return {
          stream: requireStreamId(m.eventStreamId),
          from: m.fromEventNumber,
          maxCount: m.maxCount,
          resolveLinks: m.resolveLinkTos,
        };
      },
      handle: (ctx, request) => readStream(ctx, request, forward),
    });
    const allCommand = forward ? TcpCommand.ReadAllEventsForward : TcpCommand.ReadAllEventsBackward;
    registry.register<ReadAllRequest>(allCommand, {
      unwrap(payload) {
        const m = decodeMessage(ReadAllEventsSchema, payload, allCommand);
        return {
          commit: m.commitPosition,
          prepare: m.preparePosition,
          maxCount: m.maxCount,
          resolveLinks: m.resolveLinkTos,
        };
      },
      handle: (ctx, request) => readAll(ctx, request, forward),
    });
    const filteredCommand = forward
      ? TcpCommand.FilteredReadAllEventsForward
      : TcpCommand.FilteredReadAllEventsBackward;
    registry.register<ReadAllRequest>(filteredCommand, {
      unwrap(payload) {
        const m = decodeMessage(FilteredReadAllEventsSchema, payload, filteredCommand);
        return {
          commit: m.commitPosition,
          prepare: m.preparePosition,
          maxCount: m.maxCount,
          resolveLinks: m.resolveLinkTos,
          filter: compileFilter(m.filter),
          maxSearchWindow: m.maxSearchWindow > 0 ? m.maxSearchWindow : m.maxCount,
        };
      },
      handle: (ctx, request) => filteredReadAll(ctx, request, forward),
    });
  }
}
