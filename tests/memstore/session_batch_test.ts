/**
 * Packages that arrive together (one socket chunk) are served together: in order, each reply
 * under its own correlation id, the replies in one write per slice of packages; a bad frame among them is reported
 * after the good ones before it.
 */
import assert from "node:assert/strict";
import {
  OperationResult,
  WriteEventsCompletedSchema,
  WriteEventsSchema,
} from "../../gen/client_messages_pb.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { REPLY_SLICE_PACKAGES } from "../../lib/memstore/session.ts";
import type { Duplex } from "../../lib/wire/duplex.ts";
import { Framer } from "../../lib/wire/framer.ts";
import { ZERO_GUID } from "../../lib/wire/guid.ts";
import { encodePackage, type Package } from "../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { ADMIN, newEvent } from "./support/wire_client.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function writeEvents(stream: string, expectedVersion: bigint, correlationId: string): Uint8Array {
  return encodePackage({
    command: TcpCommand.WriteEvents,
    correlationId,
    credentials: ADMIN,
    payload: encodeMessage(WriteEventsSchema, {
      eventStreamId: stream,
      expectedVersion,
      events: [newEvent()],
      requireLeader: true,
    }),
  });
}

function ping(correlationId: string): Uint8Array {
  return encodePackage({ command: TcpCommand.Ping, correlationId, payload: new Uint8Array(0) });
}

/** Reads raw chunks until `count` packages arrived (or the stream ended); returns both. */
async function readPackages(
  duplex: Duplex,
  count: number,
): Promise<{ chunks: number; packages: Package[]; ended: boolean }> {
  const packages: Package[] = [];
  const framer = new Framer({
    maxPackageSize: 1 << 20,
    onPackage: (pkg) => void packages.push({ ...pkg, payload: pkg.payload.slice() }),
  });
  const reader = duplex.readable.getReader();
  let chunks = 0;
  let ended = false;
  try {
    while (packages.length < count) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      chunks++;
      framer.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return { chunks, packages, ended };
}

Deno.test("replies to requests pipelined in one chunk keep their order and correlation ids and leave in one write per slice of packages", async () => {
  // A long turn: served for longer than the default 5 ms (as compiling the handlers may take),
  // a session lets the others run and the replies so far leave then.
  await using store = await startMemoryStore({ listen: false, turnMs: 60_000 });
  const duplex = store.connectPipe();
  const writer = duplex.writable.getWriter();
  const ids = Array.from({ length: 60 }, () => crypto.randomUUID());
  // Two streams written in turn, with a Ping after every two writes.
  const parts = ids.map((id, i) =>
    i % 3 === 2 ? ping(id) : writeEvents(`batch-${i % 3}`, BigInt(Math.floor(i / 3)) - 1n, id)
  );
  await writer.write(concat(parts));
  const { chunks, packages } = await readPackages(duplex, ids.length);
  assert.equal(chunks, Math.ceil(ids.length / REPLY_SLICE_PACKAGES));
  assert.deepEqual(packages.map((p) => p.correlationId), ids);
  for (const [i, reply] of packages.entries()) {
    if (i % 3 === 2) {
      assert.equal(reply.command, TcpCommand.Pong);
      continue;
    }
    assert.equal(reply.command, TcpCommand.WriteEventsCompleted);
    const completed = decodeMessage(WriteEventsCompletedSchema, reply.payload);
    assert.equal(completed.result, OperationResult.Success);
    // Stream batch-k gets its n-th event (from 0) at its n-th write.
    assert.equal(completed.lastEventNumber, BigInt(Math.floor(i / 3)));
  }
  await writer.close();
  duplex.close();
});

Deno.test("a bad frame after good ones in the same chunk: the good ones are answered, then BadRequest, then the close", async () => {
  const lines: string[] = [];
  await using store = await startMemoryStore({ listen: false, log: (l) => lines.push(l) });
  const duplex = store.connectPipe();
  const writer = duplex.writable.getWriter();
  const first = crypto.randomUUID();
  const second = crypto.randomUUID();
  const after = crypto.randomUUID();
  await writer.write(concat([
    writeEvents("before-bad", -1n, first),
    ping(second),
    new Uint8Array([0x05, 0, 0, 0, 1, 2, 3, 4, 5]), // a length prefix below the header size
    ping(after),
  ]));
  const { packages, ended } = await readPackages(duplex, 4);
  assert.equal(ended, true);
  assert.deepEqual(packages.map((p) => [p.command, p.correlationId]), [
    [TcpCommand.WriteEventsCompleted, first],
    [TcpCommand.Pong, second],
    [TcpCommand.BadRequest, ZERO_GUID],
  ]);
  assert.match(new TextDecoder().decode(packages[2].payload), /^Invalid TCP frame received\./);
  assert.ok(lines.some((l) => l.includes("invalid TCP frame")));
  await writer.close().catch(() => {});
  duplex.close();
  // The write before the bad frame took effect.
  const check = store.connectPipe();
  const checkWriter = check.writable.getWriter();
  const id = crypto.randomUUID();
  await checkWriter.write(writeEvents("before-bad", 0n, id));
  const [reply] = (await readPackages(check, 1)).packages;
  assert.equal(decodeMessage(WriteEventsCompletedSchema, reply.payload).result, 0);
  await checkWriter.close();
  check.close();
});

Deno.test("packages split across chunks at every offset are all answered in order", async () => {
  await using store = await startMemoryStore({ listen: false });
  const duplex = store.connectPipe();
  const writer = duplex.writable.getWriter();
  const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
  const bytes = concat(ids.map((id, i) => writeEvents("split", BigInt(i) - 1n, id)));
  const reading = readPackages(duplex, ids.length);
  // Chunks of 1..7 bytes in turn, so frame boundaries fall at every position of a chunk.
  for (let at = 0, size = 1; at < bytes.length; at += size, size = size % 7 + 1) {
    await writer.write(bytes.slice(at, at + size));
  }
  const { packages } = await reading;
  assert.deepEqual(packages.map((p) => p.correlationId), ids);
  assert.ok(packages.every((p) => p.command === TcpCommand.WriteEventsCompleted));
  await writer.close();
  duplex.close();
});

Deno.test("pipelined requests over a TCP socket are answered in order with their correlation ids", async () => {
  await using store = await startMemoryStore({ port: 0 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: store.port! });
  const ids = Array.from({ length: 200 }, () => crypto.randomUUID());
  await conn.write(concat(ids.map((id, i) => writeEvents(`tcp-${i % 10}`, -2n, id))));
  const { packages } = await readPackages(conn, ids.length);
  assert.deepEqual(packages.map((p) => p.correlationId), ids);
  assert.ok(packages.every((p) => p.command === TcpCommand.WriteEventsCompleted));
  conn.close();
});

Deno.test("a session whose turn is used up yields: the replies so far leave before the rest of its chunk is served", async () => {
  await using store = await startMemoryStore({ listen: false, turnMs: 0 });
  const busy = store.connectPipe();
  const other = store.connectPipe();
  const busyWriter = busy.writable.getWriter();
  const otherWriter = other.writable.getWriter();
  const ids = Array.from({ length: 3 }, () => crypto.randomUUID());
  const otherId = crypto.randomUUID();
  await busyWriter.write(concat(ids.map(ping)));
  await otherWriter.write(ping(otherId));
  const [first, second] = await Promise.all([readPackages(busy, 3), readPackages(other, 1)]);
  // With no budget the busy session yields after each package, so its replies leave one by one.
  assert.equal(first.chunks, 3);
  assert.deepEqual(first.packages.map((p) => p.correlationId), ids);
  assert.deepEqual(second.packages.map((p) => p.correlationId), [otherId]);
  await busyWriter.close();
  await otherWriter.close();
  busy.close();
  other.close();
});
