/**
 * The bench's ceilings, each measured in its own Deno process:
 * `deno run -A tests/bench/ceilings.ts '<CeilingSpec JSON>'`, printing one JSON line.
 *
 * - `decode`: protobuf-es decode + `JSON.parse` of the very pages W4 reads (fetched once from
 *   the server, then decoded with no network): what a client can do at best per event.
 * - `loopback`: bytes/s streamed and ping-pong round trips/s through Deno sockets on loopback.
 * - `memstore`: the memstore alone: a raw driver sends pre-encoded packages (no client, no
 *   decoding, responses only framed and counted) in the shapes of W1 (sequential appends),
 *   W2 (100 appends in flight), W3 (sequential batches of 100) and W4/W8 (stream pages, a few
 *   in flight, plain and TLS).
 *
 * @module
 */

import { fromBinary } from "@bufbuild/protobuf";
import {
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
  WriteEventsSchema,
} from "../../gen/client_messages_pb.ts";
import { encodePackage } from "../../lib/wire/package_codec.ts";
import { encodeMessage } from "../../lib/wire/proto_codec.ts";
import { guidToBytes, newGuid } from "../../lib/wire/guid.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { BENCH_EVENT_TYPE, benchBody } from "./workload.ts";

/** What to measure. */
export interface CeilingSpec {
  /** Which ceiling. */
  readonly kind: "decode" | "loopback" | "memstore";
  /** Server address. */
  readonly host: string;
  /** Plain server port. */
  readonly port: number;
  /** TLS server port (memstore). */
  readonly tlsPort?: number;
  /** CA file of the TLS store (memstore). */
  readonly caFile?: string;
  /** The W4 stream (decode, memstore). */
  readonly stream: string;
  /** Events read (decode, memstore reads). */
  readonly count: number;
  /** Events per page. */
  readonly page: number;
  /** Appends (memstore): single appends for W1 and W2, events in batches for W3. */
  readonly appends: { w1: number; w2: number; w3: number };
  /** Loopback: bytes streamed and round trips. */
  readonly loopback: { bytes: number; roundTrips: number };
  /** A prefix for the streams the raw driver writes. */
  readonly prefix: string;
}

const credentials = { username: "admin", password: "changeit" };
const HEARTBEAT_REQUEST = 0x01;
const HEARTBEAT_RESPONSE = 0x02;

/** A raw package connection: writes bytes, counts whole response frames. */
class RawConnection {
  readonly #conn: Deno.Conn;
  #buffer = new Uint8Array(1 << 20);
  #length = 0;
  #waiters: Array<(payload: Uint8Array) => void> = [];
  readonly #reading: Promise<void>;
  #keepPayloads: boolean;

  constructor(conn: Deno.Conn, keepPayloads = false) {
    this.#conn = conn;
    this.#keepPayloads = keepPayloads;
    this.#reading = this.#readLoop();
  }

  static async open(spec: CeilingSpec, tls: boolean, keep = false): Promise<RawConnection> {
    if (tls) {
      const caCerts = [await Deno.readTextFile(spec.caFile!)];
      return new RawConnection(
        await Deno.connectTls({ hostname: spec.host, port: spec.tlsPort!, caCerts }),
        keep,
      );
    }
    const conn = await Deno.connect({ hostname: spec.host, port: spec.port });
    conn.setNoDelay(true);
    return new RawConnection(conn, keep);
  }

  async #readLoop(): Promise<void> {
    const chunk = new Uint8Array(1 << 16);
    for (;;) {
      const n = await this.#conn.read(chunk).catch(() => null);
      if (n === null) return;
      if (this.#length + n > this.#buffer.length) {
        const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + n));
        grown.set(this.#buffer.subarray(0, this.#length));
        this.#buffer = grown;
      }
      this.#buffer.set(chunk.subarray(0, n), this.#length);
      this.#length += n;
      let offset = 0;
      while (this.#length - offset >= 4) {
        const view = new DataView(this.#buffer.buffer, offset);
        const size = view.getUint32(0, true);
        if (this.#length - offset < 4 + size) break;
        const command = this.#buffer[offset + 4];
        if (command === HEARTBEAT_REQUEST) {
          const reply = this.#buffer.slice(offset, offset + 4 + size);
          reply[4] = HEARTBEAT_RESPONSE;
          await this.write(reply);
        } else {
          const payload = this.#keepPayloads
            ? this.#buffer.slice(offset + 4 + 18, offset + 4 + size)
            : this.#buffer.subarray(0, 0);
          this.#waiters.shift()?.(payload);
        }
        offset += 4 + size;
      }
      this.#buffer.copyWithin(0, offset, this.#length);
      this.#length -= offset;
    }
  }

  /** Sends one package and resolves with the next response's payload (responses come in order). */
  request(bytes: Uint8Array): Promise<Uint8Array> {
    const { promise, resolve } = Promise.withResolvers<Uint8Array>();
    this.#waiters.push(resolve);
    this.write(bytes);
    return promise;
  }

  async write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
  }

  async close(): Promise<void> {
    this.#conn.close();
    await this.#reading;
  }
}

function readPage(stream: string, from: number, page: number): Uint8Array {
  return encodePackage({
    command: TcpCommand.ReadStreamEventsForward,
    correlationId: newGuid(),
    credentials,
    payload: encodeMessage(ReadStreamEventsSchema, {
      eventStreamId: stream,
      fromEventNumber: BigInt(from),
      maxCount: page,
      resolveLinkTos: true,
      requireLeader: false,
    }),
  });
}

const encoder = new TextEncoder();

function appendPackage(stream: string, first: number, count: number): Uint8Array {
  const events = [];
  for (let i = first; i < first + count; i++) {
    events.push({
      eventId: guidToBytes(newGuid()),
      eventType: BENCH_EVENT_TYPE,
      dataContentType: 1,
      metadataContentType: 0,
      data: encoder.encode(JSON.stringify(benchBody(i))),
      metadata: new Uint8Array(0),
    });
  }
  return encodePackage({
    command: TcpCommand.WriteEvents,
    correlationId: newGuid(),
    credentials,
    payload: encodeMessage(WriteEventsSchema, {
      eventStreamId: stream,
      expectedVersion: -2n,
      events,
      requireLeader: false,
    }),
  });
}

/** Sends `packages` keeping `depth` in flight; returns events per second. */
async function pipelined(
  conn: RawConnection,
  packages: readonly Uint8Array[],
  depth: number,
  eventsPerPackage: number,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < packages.length) await conn.request(packages[next++]);
  };
  await Promise.all(Array.from({ length: depth }, lane));
  return (packages.length * eventsPerPackage) / ((performance.now() - started) / 1000);
}

async function fetchPages(spec: CeilingSpec): Promise<Uint8Array[]> {
  const conn = await RawConnection.open(spec, false, true);
  const pages: Uint8Array[] = [];
  for (let from = 0; from < spec.count; from += spec.page) {
    pages.push(
      await conn.request(readPage(spec.stream, from, Math.min(spec.page, spec.count - from))),
    );
  }
  await conn.close();
  return pages;
}

async function decodeCeiling(spec: CeilingSpec): Promise<Record<string, number>> {
  const pages = await fetchPages(spec);
  const text = new TextDecoder();
  const rates: number[] = [];
  let sum = 0;
  for (let pass = 0; pass < 3; pass++) {
    let events = 0;
    sum = 0;
    const started = performance.now();
    for (const payload of pages) {
      const message = fromBinary(ReadStreamEventsCompletedSchema, payload);
      for (const resolved of message.events) {
        sum += JSON.parse(text.decode(resolved.event!.data)).step;
        events++;
      }
    }
    rates.push(events / ((performance.now() - started) / 1000));
  }
  return { evPerSec: Math.max(...rates), sum };
}

async function loopbackCeiling(spec: CeilingSpec): Promise<Record<string, number>> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await accepted;
  client.setNoDelay(true);
  server.setNoDelay(true);

  // Streaming: 64 KiB writes one way.
  const chunk = new Uint8Array(64 * 1024);
  const total = spec.loopback.bytes;
  const sink = (async () => {
    const buffer = new Uint8Array(256 * 1024);
    let received = 0;
    while (received < total) {
      const n = await server.read(buffer);
      if (n === null) break;
      received += n;
    }
  })();
  let started = performance.now();
  for (let sent = 0; sent < total;) {
    sent += await client.write(chunk.subarray(0, Math.min(chunk.length, total - sent)));
  }
  await sink;
  const bytesPerSec = total / ((performance.now() - started) / 1000);

  // Ping-pong: a 22-byte package-sized message each way, one at a time.
  const ping = new Uint8Array(22);
  const echo = (async () => {
    const buffer = new Uint8Array(64);
    for (let i = 0; i < spec.loopback.roundTrips; i++) {
      let got = 0;
      while (got < ping.length) {
        const n = await server.read(buffer);
        if (n === null) return;
        got += n;
      }
      await server.write(ping);
    }
  })();
  const buffer = new Uint8Array(64);
  started = performance.now();
  for (let i = 0; i < spec.loopback.roundTrips; i++) {
    await client.write(ping);
    let got = 0;
    while (got < ping.length) {
      const n = await client.read(buffer);
      if (n === null) throw new Error("Loopback echo closed early");
      got += n;
    }
  }
  const roundTripsPerSec = spec.loopback.roundTrips / ((performance.now() - started) / 1000);
  await echo;
  client.close();
  server.close();
  return { bytesPerSec, roundTripsPerSec };
}

async function memstoreCeiling(spec: CeilingSpec): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  const pages = (stream: string) => {
    const list = [];
    for (let from = 0; from < spec.count; from += spec.page) {
      list.push(readPage(stream, from, Math.min(spec.page, spec.count - from)));
    }
    return list;
  };
  const { w1, w2, w3 } = spec.appends;
  // A fresh connection per shape, as each client run has its own.
  const shape = async (
    tls: boolean,
    packages: readonly Uint8Array[],
    depth: number,
    eventsPerPackage: number,
  ) => {
    const conn = await RawConnection.open(spec, tls);
    try {
      return await pipelined(conn, packages, depth, eventsPerPackage);
    } finally {
      await conn.close();
    }
  };
  result.W1 = await shape(
    false,
    Array.from({ length: w1 }, (_, i) => appendPackage(`${spec.prefix}-w1`, i, 1)),
    1,
    1,
  );
  result.W2 = await shape(
    false,
    Array.from({ length: w2 }, (_, i) => appendPackage(`${spec.prefix}-w2-${i % 100}`, i, 1)),
    100,
    1,
  );
  result.W3 = await shape(
    false,
    Array.from(
      { length: Math.ceil(w3 / 100) },
      (_, i) => appendPackage(`${spec.prefix}-w3`, i * 100, 100),
    ),
    1,
    100,
  );
  result.W4 = await shape(false, pages(spec.stream), 4, spec.page);
  if (spec.tlsPort !== undefined) result.W8 = await shape(true, pages(spec.stream), 4, spec.page);
  return result;
}

if (import.meta.main) {
  const spec: CeilingSpec = JSON.parse(Deno.args[0] ?? "{}");
  const result = spec.kind === "decode"
    ? await decodeCeiling(spec)
    : spec.kind === "loopback"
    ? await loopbackCeiling(spec)
    : await memstoreCeiling(spec);
  console.log(JSON.stringify(result));
}
