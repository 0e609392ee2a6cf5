/**
 * Read operations (ReadEvent, stream reads, `$all` reads, filtered `$all` reads) and the mapping
 * of their results (docs/protocol.md §4.7-4.9, §6.3). Reads return arrays of
 * {@linkcode ResolvedEvent} carrying the slice's paging fields.
 *
 * @module
 */

import {
  Filter_FilterContext,
  Filter_FilterType,
  FilteredReadAllEventsCompleted_FilteredReadAllResult as FilteredReadAllResult,
  FilteredReadAllEventsCompletedSchema,
  FilteredReadAllEventsSchema,
  ReadAllEventsCompleted_ReadAllResult as ReadAllResult,
  ReadAllEventsCompletedSchema,
  ReadAllEventsSchema,
  ReadEventCompleted_ReadEventResult as ReadEventResult,
  ReadEventCompletedSchema,
  ReadEventSchema,
  ReadStreamEventsCompleted_ReadStreamResult as ReadStreamResult,
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
} from "../../gen/client_messages_pb.ts";
import {
  AccessDeniedError,
  EventNotFoundError,
  ProtocolError,
  ServerError,
  StreamDeletedError,
  StreamNotFoundError,
} from "../errors.ts";
import type { Credentials } from "../wire/package_codec.ts";
import { encodeMessage } from "../wire/proto_codec.ts";
import { bodyOf } from "../wire/message.ts";
import { commandName, TcpCommand } from "../wire/tcp_command.ts";
import type { Direction } from "./call_options.ts";
import { RequestOperation } from "./operation.ts";
import { Position } from "./position.ts";
import {
  fromResolvedEventMessage,
  fromResolvedIndexedEvent,
  type ResolvedEvent,
} from "./resolved_event.ts";

/** A page of a stream read: the events, plus where to continue. */
export interface StreamSlice extends Array<ResolvedEvent> {
  /** The stream read. */
  readonly stream: string;
  /** The direction read. */
  readonly direction: Direction;
  /** Where the next page starts (-1 when a backward read reached the start). */
  readonly nextEventNumber: bigint;
  /** The stream's last event number when it was read. */
  readonly lastEventNumber: bigint;
  /** True when there is nothing more to read in this direction. */
  readonly isEndOfStream: boolean;
}

/** A page of a `$all` read. */
export interface AllSlice extends Array<ResolvedEvent> {
  /** The direction read. */
  readonly direction: Direction;
  /** The position read from (the server's substitute for `Position.end`). */
  readonly fromPosition: Position;
  /** Where the next page starts. */
  readonly nextPosition: Position;
  /** True when the page is the last one (no events, or a filtered read reached the end). */
  readonly isEndOfStream: boolean;
}

/** A server-side filter for `$all` reads (20.6+ servers). */
export type AllFilter =
  /** Events whose stream id or type starts with one of the prefixes. */
  | { readonly on: "streamId" | "eventType"; readonly prefixes: readonly string[] }
  /** Events whose stream id or type matches the (.NET) regular expression. */
  | { readonly on: "streamId" | "eventType"; readonly regex: string };

/** What every read operation carries. */
export interface ReadContext {
  /** Resolve `$>` links to their targets. */
  readonly resolveLinks: boolean;
  /** Whether only the leader may answer. */
  readonly requireLeader: boolean;
  /** Credentials for the auth block. */
  readonly credentials: Credentials | undefined;
}

function withFields<T extends object>(events: ResolvedEvent[], fields: T): ResolvedEvent[] & T {
  return Object.assign(events, fields);
}

/** Builds a ReadEvent operation; `eventNumber` −1 means the last event. */
export function readEventOperation(
  context: ReadContext,
  stream: string,
  eventNumber: bigint,
): RequestOperation<ResolvedEvent> {
  return new RequestOperation<ResolvedEvent>("ReadEvent", {
    command: TcpCommand.ReadEvent,
    payload: encodeMessage(ReadEventSchema, {
      eventStreamId: stream,
      eventNumber,
      resolveLinkTos: context.resolveLinks,
      requireLeader: context.requireLeader,
    }),
    responseCommand: TcpCommand.ReadEventCompleted,
    credentials: context.credentials,
    decode(message) {
      const reply = bodyOf(message, ReadEventCompletedSchema);
      switch (reply.result) {
        case ReadEventResult.Success:
          // A metastream without metadata answers Success with an empty event (§4.7 quirk).
          if (!reply.event?.event && !reply.event?.link) {
            throw new EventNotFoundError(stream, eventNumber);
          }
          return fromResolvedIndexedEvent(reply.event, "ReadEventCompleted");
        case ReadEventResult.NotFound:
          throw new EventNotFoundError(stream, eventNumber);
        case ReadEventResult.NoStream:
          throw new StreamNotFoundError(stream);
        case ReadEventResult.StreamDeleted:
          throw new StreamDeletedError(stream);
        case ReadEventResult.AccessDenied:
          throw new AccessDeniedError(stream, "read");
        default:
          throw new ServerError(
            `Cannot read event ${eventNumber} of stream "${stream}": ${
              reply.error || "server error"
            }`,
          );
      }
    },
  });
}

/** Builds a stream read in either direction. */
export function readStreamOperation(
  context: ReadContext,
  stream: string,
  direction: Direction,
  fromEventNumber: bigint,
  maxCount: number,
): RequestOperation<StreamSlice> {
  const forward = direction === "forward";
  return new RequestOperation<StreamSlice>(
    forward ? "ReadStreamEventsForward" : "ReadStreamEventsBackward",
    {
      command: forward ? TcpCommand.ReadStreamEventsForward : TcpCommand.ReadStreamEventsBackward,
      payload: encodeMessage(ReadStreamEventsSchema, {
        eventStreamId: stream,
        fromEventNumber,
        maxCount,
        resolveLinkTos: context.resolveLinks,
        requireLeader: context.requireLeader,
      }),
      responseCommand: forward
        ? TcpCommand.ReadStreamEventsForwardCompleted
        : TcpCommand.ReadStreamEventsBackwardCompleted,
      credentials: context.credentials,
      decode(message) {
        const reply = bodyOf(message, ReadStreamEventsCompletedSchema);
        switch (reply.result) {
          case ReadStreamResult.Success: {
            checkCount(message.command, reply.events.length, maxCount);
            const events = new Array<ResolvedEvent>(reply.events.length);
            for (let i = 0; i < events.length; i++) {
              events[i] = fromResolvedIndexedEvent(reply.events[i], "ReadStreamEventsCompleted");
            }
            return withFields(events, {
              stream,
              direction,
              nextEventNumber: reply.nextEventNumber,
              lastEventNumber: reply.lastEventNumber,
              isEndOfStream: reply.isEndOfStream,
            });
          }
          case ReadStreamResult.NoStream:
            throw new StreamNotFoundError(stream);
          case ReadStreamResult.StreamDeleted:
            throw new StreamDeletedError(stream);
          case ReadStreamResult.AccessDenied:
            throw new AccessDeniedError(stream, "read");
          default:
            throw new ServerError(
              `Cannot read stream "${stream}": ${reply.error || ReadStreamResult[reply.result]}`,
            );
        }
      },
    },
  );
}

/** Builds a `$all` read in either direction, filtered when `filter` is given. */
export function readAllOperation(
  context: ReadContext,
  direction: Direction,
  from: Position,
  maxCount: number,
  filter?: AllFilter,
  maxSearchWindow?: number,
): RequestOperation<AllSlice> {
  const forward = direction === "forward";
  const decodeFailure = (result: number, name: string, error: string): never => {
    if (name === "AccessDenied") throw new AccessDeniedError("$all", "read");
    throw new ServerError(`Cannot read "$all": ${error || name || `result ${result}`}`);
  };
  if (filter) {
    return new RequestOperation<AllSlice>(
      forward ? "FilteredReadAllEventsForward" : "FilteredReadAllEventsBackward",
      {
        command: forward
          ? TcpCommand.FilteredReadAllEventsForward
          : TcpCommand.FilteredReadAllEventsBackward,
        payload: encodeMessage(FilteredReadAllEventsSchema, {
          commitPosition: from.commit,
          preparePosition: from.prepare,
          maxCount,
          maxSearchWindow: maxSearchWindow ?? maxCount,
          resolveLinkTos: context.resolveLinks,
          requireLeader: context.requireLeader,
          filter: {
            context: filter.on === "eventType"
              ? Filter_FilterContext.EventType
              : Filter_FilterContext.StreamId,
            type: "regex" in filter ? Filter_FilterType.Regex : Filter_FilterType.Prefix,
            data: "regex" in filter ? [filter.regex] : [...filter.prefixes],
          },
        }),
        responseCommand: forward
          ? TcpCommand.FilteredReadAllEventsForwardCompleted
          : TcpCommand.FilteredReadAllEventsBackwardCompleted,
        credentials: context.credentials,
        decode(message) {
          const reply = bodyOf(message, FilteredReadAllEventsCompletedSchema);
          checkCount(message.command, reply.events.length, maxCount);
          if (reply.result !== FilteredReadAllResult.Success) {
            return decodeFailure(reply.result, FilteredReadAllResult[reply.result], reply.error);
          }
          return withFields(mapAllEvents(reply.events), {
            direction,
            fromPosition: new Position(reply.commitPosition, reply.preparePosition),
            nextPosition: new Position(reply.nextCommitPosition, reply.nextPreparePosition),
            isEndOfStream: reply.isEndOfStream,
          });
        },
      },
    );
  }
  return new RequestOperation<AllSlice>(
    forward ? "ReadAllEventsForward" : "ReadAllEventsBackward",
    {
      command: forward ? TcpCommand.ReadAllEventsForward : TcpCommand.ReadAllEventsBackward,
      payload: encodeMessage(ReadAllEventsSchema, {
        commitPosition: from.commit,
        preparePosition: from.prepare,
        maxCount,
        resolveLinkTos: context.resolveLinks,
        requireLeader: context.requireLeader,
      }),
      responseCommand: forward
        ? TcpCommand.ReadAllEventsForwardCompleted
        : TcpCommand.ReadAllEventsBackwardCompleted,
      credentials: context.credentials,
      decode(message) {
        const reply = bodyOf(message, ReadAllEventsCompletedSchema);
        checkCount(message.command, reply.events.length, maxCount);
        if (reply.result !== ReadAllResult.Success) {
          return decodeFailure(reply.result, ReadAllResult[reply.result], reply.error);
        }
        const events = mapAllEvents(reply.events);
        // No end-of-stream flag on the wire: the .NET client treats an empty page as the end.
        return withFields(events, {
          direction,
          fromPosition: new Position(reply.commitPosition, reply.preparePosition),
          nextPosition: new Position(reply.nextCommitPosition, reply.nextPreparePosition),
          isEndOfStream: events.length === 0,
        });
      },
    },
  );
}

function mapAllEvents(
  messages: Parameters<typeof fromResolvedEventMessage>[0][],
): ResolvedEvent[] {
  const events = new Array<ResolvedEvent>(messages.length);
  for (let i = 0; i < events.length; i++) {
    events[i] = fromResolvedEventMessage(messages[i], "ReadAllEventsCompleted");
  }
  return events;
}

/**
 * Moves a page's events out of the slice its read resolved with, leaving the slice empty. The
 * finished read operation (which holds the slice through its result) can stay reachable for V8's
 * young-generation collections until the next full one, from objects V8 allocates in the old
 * generation (the abort listener's record on the page's signal is one): a page left in the
 * slice survived every scavenge with it, so a long `iter()` (or a catch-up subscription's
 * history) kept megabytes of consumed events alive and grew the young generation to its
 * maximum. An empty slice keeps nothing.
 */
export function takeEvents(slice: ResolvedEvent[]): ResolvedEvent[] {
  return slice.splice(0);
}

/**
 * A reply with more events than the request's `maxCount` is not data: a buggy or hostile server
 * could otherwise hand a `maxCount: 100` read a million events.
 *
 * @throws {ProtocolError} `too-many-events`, naming the command
 */
function checkCount(command: number, count: number, maxCount: number): void {
  if (count > maxCount) {
    throw new ProtocolError(
      "too-many-events",
      `${commandName(command)} returned ${count} events for a read of at most ${maxCount}`,
      { command },
    );
  }
}
