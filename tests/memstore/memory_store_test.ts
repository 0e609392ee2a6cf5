import assert from "node:assert/strict";
import {
  OperationResult,
  ReadStreamEventsCompleted_ReadStreamResult,
  ReadStreamEventsCompletedSchema,
  ReadStreamEventsSchema,
} from "../../gen/client_messages_pb.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { startExtendedMemoryStore } from "../../lib/memstore/memory_store.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import type { Duplex } from "../../lib/wire/duplex.ts";
import { generateTlsCerts } from "../support/tls_certs.ts";
import { WireClient } from "./support/wire_client.ts";

async function tcpDuplex(hostname: string, port: number): Promise<Duplex> {
  const conn = await Deno.connect({ hostname, port });
  return {
    readable: conn.readable,
    writable: conn.writable,
    close: () => {
      try {
        conn.close();
      } catch { /* closed by the streams */ }
    },
  };
}

async function writeThenRead(client: WireClient): Promise<void> {
  const written = await client.write("orders-1", -1n, [{ eventType: "Placed" }, {}]);
  assert.equal(written.result, OperationResult.Success);
  assert.equal(written.firstEventNumber, 0n);
  assert.equal(written.lastEventNumber, 1n);
  const read = await client.call(
    TcpCommand.ReadStreamEventsForward,
    ReadStreamEventsSchema,
    { eventStreamId: "orders-1", fromEventNumber: 0n, maxCount: 10 },
    TcpCommand.ReadStreamEventsForwardCompleted,
    ReadStreamEventsCompletedSchema,
  );
  assert.equal(read.result, ReadStreamEventsCompleted_ReadStreamResult.Success);
  assert.deepEqual(read.events.map((e) => e.event?.eventType), ["Placed", "TestEvent"]);
}

Deno.test("a store serves writes and reads over an in-memory pipe", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = new WireClient(store.connectPipe());
  await writeThenRead(client);
  assert.equal(store.connectionCount, 1);
});

Deno.test("a store listening on port 0 serves writes and reads over a loopback socket", async () => {
  await using store = await startMemoryStore({ port: 0 });
  assert.notEqual(store.port, 0);
  assert.equal(store.url, `tcp://127.0.0.1:${store.port}`);
  await using client = new WireClient(await tcpDuplex(store.hostname, store.port));
  await writeThenRead(client);
});

Deno.test("closing a store twice is a no-op and ends its connections", async () => {
  const store = await startMemoryStore({ port: 0 });
  const client = new WireClient(store.connectPipe());
  await client.write("s", -2n);
  await store.close();
  await store.close();
  assert.equal(await client.ended(), true);
  assert.equal(store.connectionCount, 0);
  await client.close();
});

Deno.test("dropConnections() closes every client connection and the store keeps serving", async () => {
  await using store = await startMemoryStore({ listen: false });
  const first = new WireClient(store.connectPipe());
  await first.write("s", -2n);
  store.dropConnections();
  assert.equal(await first.ended(), true);
  await first.close();
  await using second = new WireClient(store.connectPipe());
  const again = await second.write("s", 0n);
  assert.equal(again.result, OperationResult.Success);
  assert.equal(again.firstEventNumber, 1n);
});

Deno.test("extensions register handlers for new commands and are disposed when the store closes", async () => {
  let disposed = 0;
  const store = await startExtendedMemoryStore({ listen: false }, [(registry) => {
    // 0xBD is unused by the protocol.
    registry.register<Uint8Array>(0xbd, {
      unwrap: (payload) => payload.slice(),
      handle: (ctx, payload) => ctx.reply(TcpCommand.Pong, payload),
    });
    return () => disposed++;
  }]);
  const client = new WireClient(store.connectPipe());
  const reply = await client.request(0xbd, new Uint8Array([8, 0]));
  assert.equal(reply.command, TcpCommand.Pong);
  assert.deepEqual(reply.payload, new Uint8Array([8, 0]));
  await client.close();
  await store.close();
  await store.close();
  assert.equal(disposed, 1);
});

Deno.test("a store given a certificate and key serves over TLS", async () => {
  const { caCert, cert, key } = await generateTlsCerts();
  await using store = await startMemoryStore({ port: 0, tls: { cert, key } });
  const conn = await Deno.connectTls({
    hostname: "localhost",
    port: store.port,
    caCerts: [caCert],
  });
  await using client = new WireClient({
    readable: conn.readable,
    writable: conn.writable,
    close: () => {
      try {
        conn.close();
      } catch { /* closed by the streams */ }
    },
  });
  await writeThenRead(client);
});

Deno.test("a malformed frame on one socket closes only that socket; the listener keeps serving", async () => {
  await using store = await startMemoryStore({ port: 0 });
  await using good = new WireClient(await tcpDuplex(store.hostname, store.port));
  const bad = new WireClient(await tcpDuplex(store.hostname, store.port));
  await bad.writeRaw(new Uint8Array([0xff, 0xff, 0xff, 0x7f, 0, 0]));
  const reply = await bad.next();
  assert.equal(reply?.command, TcpCommand.BadRequest);
  assert.equal(await bad.ended(), true);
  await bad.close();
  await writeThenRead(good);
  await using late = new WireClient(await tcpDuplex(store.hostname, store.port));
  assert.equal((await late.request(TcpCommand.Ping)).command, TcpCommand.Pong);
});
