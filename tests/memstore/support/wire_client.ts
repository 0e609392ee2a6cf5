/**
 * A raw protocol client for memstore tests: sends packages, reads decoded replies. It speaks the
 * wire directly (no photonpump client) so the tests pin what the server puts on the wire.
 *
 * @module
 */

import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import {
  type NewEventSchema,
  WriteEventsCompletedSchema,
  WriteEventsSchema,
} from "../../../gen/client_messages_pb.ts";
import type { Duplex } from "../../../lib/wire/duplex.ts";
import { FrameDecoderStream } from "../../../lib/wire/frame_decoder_stream.ts";
import { guidToBytes } from "../../../lib/wire/guid.ts";
import { type Credentials, encodePackage, type Package } from "../../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../../lib/wire/proto_codec.ts";
import { commandName, TcpCommand } from "../../../lib/wire/tcp_command.ts";

/** Admin credentials. */
export const ADMIN: Credentials = { username: "admin", password: "changeit" };

/** A test event. */
export interface TestEvent {
  eventId?: string;
  eventType?: string;
  data?: string;
  isJson?: boolean;
}

/** The NewEvent init of a test event. */
export function newEvent(e: TestEvent = {}): MessageInitShape<typeof NewEventSchema> {
  return {
    eventId: guidToBytes(e.eventId ?? crypto.randomUUID()),
    eventType: e.eventType ?? "TestEvent",
    dataContentType: (e.isJson ?? true) ? 1 : 0,
    metadataContentType: 0,
    data: new TextEncoder().encode(e.data ?? "{}"),
    metadata: new Uint8Array(0),
  };
}

/** Sends packages and reads replies over one connection. */
export class WireClient {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<Package>;
  readonly #duplex: Duplex;
  /** Packages read but not yet consumed by `reply`. */
  readonly #pending: Package[] = [];
  /** If true, server HeartbeatRequests are skipped by `next()` (answered when `answerHeartbeats`). */
  skipHeartbeats = true;

  /** Wraps a duplex (a pipe end or a socket); `maxPackageSize` bounds the frames it accepts. */
  constructor(duplex: Duplex, options: { maxPackageSize?: number } = {}) {
    this.#duplex = duplex;
    this.#writer = duplex.writable.getWriter();
    this.#reader = duplex.readable
      .pipeThrough(new FrameDecoderStream({ maxPackageSize: options.maxPackageSize }))
      .getReader();
  }

  /** The writer, for tests that pace raw bytes themselves. */
  get writer(): WritableStreamDefaultWriter<Uint8Array> {
    return this.#writer;
  }

  /** Writes raw bytes. */
  async writeRaw(bytes: Uint8Array): Promise<void> {
    await this.#writer.write(bytes);
  }

  /** Sends a package; returns its correlation id. */
  async send(
    command: number,
    payload: Uint8Array = new Uint8Array(0),
    options: { credentials?: Credentials; correlationId?: string } = {},
  ): Promise<string> {
    const correlationId = options.correlationId ?? crypto.randomUUID();
    await this.#writer.write(
      encodePackage({ command, correlationId, credentials: options.credentials, payload }),
    );
    return correlationId;
  }

  /** Reads the next package from the server, or null when the connection ended. */
  async next(): Promise<Package | null> {
    if (this.#pending.length > 0) return this.#pending.shift()!;
    while (true) {
      const { value, done } = await this.#reader.read();
      if (done) return null;
      if (this.skipHeartbeats && value.command === TcpCommand.HeartbeatRequest) continue;
      return { ...value, payload: value.payload.slice() };
    }
  }

  /** Reads the next package for `correlationId`, keeping others for later. */
  async replyTo(correlationId: string): Promise<Package> {
    const index = this.#pending.findIndex((p) => p.correlationId === correlationId);
    if (index >= 0) return this.#pending.splice(index, 1)[0];
    while (true) {
      const { value, done } = await this.#reader.read();
      if (done) throw new Error(`Connection ended before a reply to ${correlationId}`);
      if (this.skipHeartbeats && value.command === TcpCommand.HeartbeatRequest) continue;
      const pkg = { ...value, payload: value.payload.slice() };
      if (pkg.correlationId === correlationId) return pkg;
      this.#pending.push(pkg);
    }
  }

  /** Sends a request and returns the reply package. */
  async request(
    command: number,
    payload?: Uint8Array,
    options: { credentials?: Credentials } = {},
  ): Promise<Package> {
    const id = await this.send(command, payload, options);
    return await this.replyTo(id);
  }

  /** Sends a protobuf request and decodes the reply, asserting its command. */
  async call<Req extends DescMessage, Res extends DescMessage>(
    command: number,
    requestSchema: Req,
    init: MessageInitShape<Req>,
    replyCommand: number,
    replySchema: Res,
    options: { credentials?: Credentials } = {},
  ): Promise<MessageShape<Res>> {
    const reply = await this.request(command, encodeMessage(requestSchema, init), options);
    if (reply.command !== replyCommand) {
      throw new Error(
        `Expected ${commandName(replyCommand)}, got ${commandName(reply.command)}: ${
          new TextDecoder().decode(reply.payload)
        }`,
      );
    }
    return decodeMessage(replySchema, reply.payload);
  }

  /** WriteEvents shortcut. */
  write(
    stream: string,
    expectedVersion: bigint,
    events: TestEvent[] = [{}],
    options: { credentials?: Credentials } = {},
  ): Promise<MessageShape<typeof WriteEventsCompletedSchema>> {
    return this.call(
      TcpCommand.WriteEvents,
      WriteEventsSchema,
      { eventStreamId: stream, expectedVersion, events: events.map(newEvent), requireLeader: true },
      TcpCommand.WriteEventsCompleted,
      WriteEventsCompletedSchema,
      options,
    );
  }

  /** Resolves true once the server ended the connection (reads until the end). */
  async ended(): Promise<boolean> {
    while (true) {
      const { done } = await this.#reader.read().catch(() => ({ done: true }));
      if (done) return true;
    }
  }

  /** Closes the client side. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#reader.cancel().catch(() => {});
    this.#duplex.close();
  }

  /** `await using` support. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
