import assert from "node:assert/strict";
import { ProtocolError } from "../../lib/errors.ts";
import { FrameDecoderStream } from "../../lib/wire/frame_decoder_stream.ts";
import { encodePackage } from "../../lib/wire/package_codec.ts";
import { type FaultProxy, startFaultProxy } from "./fault_proxy.ts";

const net: Omit<Deno.TestDefinition, "fn" | "name"> = { permissions: { net: ["127.0.0.1"] } };

/** A TCP echo server on 127.0.0.1 that tracks its connections so it can close them all. */
function startEchoServer(): { port: number } & AsyncDisposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tasks = new Set<Promise<void>>();
  const conns = new Set<Deno.Conn>();
  const loop = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      const task = conn.readable.pipeTo(conn.writable).catch(() => {}).finally(() => {
        conns.delete(conn);
      });
      tasks.add(task);
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await loop;
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // pipeTo already closed it.
        }
      }
      await Promise.allSettled(tasks);
    },
  };
}

async function connect(proxy: FaultProxy): Promise<Deno.Conn> {
  return await Deno.connect({ hostname: proxy.hostname, port: proxy.port });
}

async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let filled = 0;
  while (filled < n) {
    const got = await conn.read(out.subarray(filled));
    if (got === null) throw new Error(`EOF after ${filled} of ${n} bytes`);
    filled += got;
  }
  return out;
}

/** Reads until EOF or a reset; returns how it ended. */
async function readToEnd(conn: Deno.Conn): Promise<"eof" | "reset"> {
  const buffer = new Uint8Array(1024);
  try {
    while ((await conn.read(buffer)) !== null) { /* discard */ }
    return "eof";
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionReset) return "reset";
    throw error;
  }
}

const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("fault proxy forwards bytes both ways and counts connections", net, async () => {
  await using echo = startEchoServer();
  await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  using conn = await connect(proxy);
  await conn.write(bytes(1, 2, 3, 4, 5));
  assert.deepEqual(await readExactly(conn, 5), bytes(1, 2, 3, 4, 5));
  await proxy.whenAccepted(1);
  assert.equal(proxy.acceptedCount, 1);
  assert.equal(proxy.connectionCount, 1);
  assert.equal(proxy.stats().toTarget.bytesOut, 5);
  assert.equal(proxy.stats().toClient.bytesOut, 5);
});

Deno.test("fault proxy passes a half close on, so the peer sees end of stream", net, async () => {
  await using echo = startEchoServer();
  await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  using conn = await connect(proxy);
  await conn.write(bytes(9, 8, 7));
  await conn.closeWrite();
  assert.deepEqual(await readExactly(conn, 3), bytes(9, 8, 7));
  assert.equal(await conn.read(new Uint8Array(1)), null);
});

Deno.test("setChunking(1) forwards one byte per write, intact", net, async () => {
  await using echo = startEchoServer();
  await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  proxy.setChunking(1, "toTarget");
  using conn = await connect(proxy);
  const data = Uint8Array.from({ length: 40 }, (_, i) => i * 3);
  await conn.write(data);
  assert.deepEqual(await readExactly(conn, 40), data);
  assert.equal(proxy.stats().toTarget.writes, 40);
  assert.ok(proxy.stats().toClient.writes < 40);
});

Deno.test("stall() holds bytes back until it is turned off", net, async () => {
  await using echo = startEchoServer();
  await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  proxy.stall(true, "toClient");
  using conn = await connect(proxy);
  await conn.write(bytes(1, 2, 3));
  await proxy.whenHeld("toClient");
  assert.equal(proxy.stats().toClient.held, 1);
  assert.equal(proxy.stats().toClient.bytesIn, 3);
  assert.equal(proxy.stats().toClient.bytesOut, 0);
  const reply = readExactly(conn, 3);
  proxy.stall(false, "toClient");
  assert.deepEqual(await reply, bytes(1, 2, 3));
  assert.equal(proxy.stats().toClient.held, 0);
});

Deno.test("corruptNext(n) inverts the next n bytes in the chosen direction only", net, async () => {
  await using echo = startEchoServer();
  await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  proxy.corruptNext(2, "toClient");
  using conn = await connect(proxy);
  await conn.write(bytes(0x01, 0x02, 0x03, 0x04));
  assert.deepEqual(await readExactly(conn, 4), bytes(0xfe, 0xfd, 0x03, 0x04));
  await conn.write(bytes(0x05));
  assert.deepEqual(await readExactly(conn, 1), bytes(0x05));
});

Deno.test("corruptNext(fn) replaces the next chunk with fn's result", net, async () => {
  await using echo = startEchoServer();
  await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  proxy.corruptNext((chunk) => chunk.map((b) => b + 1), "toTarget");
  using conn = await connect(proxy);
  await conn.write(bytes(10, 20));
  assert.deepEqual(await readExactly(conn, 2), bytes(11, 21));
});

Deno.test(
  "setDelay() still delivers everything, and close() cancels pending delays",
  net,
  async () => {
    await using echo = startEchoServer();
    const proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
    proxy.setDelay(1, "both");
    using conn = await connect(proxy);
    await conn.write(bytes(4, 5, 6));
    assert.deepEqual(await readExactly(conn, 3), bytes(4, 5, 6));
    proxy.setDelay(60_000, "toTarget");
    await conn.write(bytes(7));
    // The chunk now waits on a one-minute timer; closing must clear it (the sanitizer checks).
    await proxy.close();
    assert.equal(await readToEnd(conn).then((how) => how === "eof" || how === "reset"), true);
  },
);

Deno.test("dropAll() closes every open connection; new ones still work", net, async () => {
  await using echo = startEchoServer();
  await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  using a = await connect(proxy);
  using b = await connect(proxy);
  await a.write(bytes(1));
  await b.write(bytes(2));
  await readExactly(a, 1);
  await readExactly(b, 1);
  assert.equal(proxy.connectionCount, 2);
  proxy.dropAll();
  assert.equal(proxy.connectionCount, 0);
  assert.match(await readToEnd(a), /eof|reset/);
  assert.match(await readToEnd(b), /eof|reset/);
  using c = await connect(proxy);
  await c.write(bytes(3));
  assert.deepEqual(await readExactly(c, 1), bytes(3));
});

Deno.test("refuseNew() closes new connections at once", net, async () => {
  await using echo = startEchoServer();
  await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  proxy.refuseNew(true);
  using refused = await connect(proxy);
  assert.match(await readToEnd(refused), /eof|reset/);
  proxy.refuseNew(false);
  using accepted = await connect(proxy);
  await accepted.write(bytes(42));
  assert.deepEqual(await readExactly(accepted, 1), bytes(42));
  assert.equal(proxy.acceptedCount, 2);
});

Deno.test("a client of a proxy whose target is down sees its connection closed", net, async () => {
  const closedPort = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    return port;
  })();
  await using proxy = await startFaultProxy({
    target: { hostname: "127.0.0.1", port: closedPort },
  });
  using conn = await connect(proxy);
  assert.match(await readToEnd(conn), /eof|reset/);
  assert.equal(proxy.connectionCount, 0);
});

Deno.test("close() stops listening and is idempotent", net, async () => {
  await using echo = startEchoServer();
  const proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  const port = proxy.port;
  await proxy.close();
  await proxy.close();
  await proxy[Symbol.asyncDispose]();
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test("waiting for connections or held bytes fails when the proxy closes", net, async () => {
  await using echo = startEchoServer();
  const proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  const accepted = proxy.whenAccepted(1);
  const held = proxy.whenHeld("toClient");
  await proxy.close();
  await assert.rejects(accepted, /closed before this happened/);
  await assert.rejects(held, /closed before this happened/);
  await assert.rejects(proxy.whenAccepted(5), /Fault proxy is closed/);
});

Deno.test("fault proxy rejects invalid settings with RangeError", net, async () => {
  await using echo = startEchoServer();
  await using proxy = await startFaultProxy({ target: { hostname: "127.0.0.1", port: echo.port } });
  assert.throws(() => proxy.setDelay(-1), RangeError);
  assert.throws(() => proxy.setChunking(1.5), RangeError);
  assert.throws(() => proxy.corruptNext(-2), RangeError);
});

Deno.test(
  "through the proxy, FrameDecoderStream reassembles 1-byte chunks and reports a corrupted prefix",
  net,
  async () => {
    await using echo = startEchoServer();
    await using proxy = await startFaultProxy({
      target: { hostname: "127.0.0.1", port: echo.port },
    });
    const heartbeat = {
      command: 0x01,
      correlationId: "00112233-4455-6677-8899-aabbccddeeff",
      payload: new Uint8Array(0),
    };
    const frame = encodePackage(heartbeat);

    proxy.setChunking(1, "toClient");
    {
      const conn = await connect(proxy);
      await conn.write(frame);
      await conn.write(frame);
      await conn.closeWrite();
      const packages = await Array.fromAsync(conn.readable.pipeThrough(new FrameDecoderStream()));
      assert.deepEqual(packages.map((p) => p.correlationId), [
        heartbeat.correlationId,
        heartbeat.correlationId,
      ]);
      assert.ok(proxy.stats().toClient.writes >= 2 * frame.length);
    }

    // Inverting the 4-byte prefix 0x00000012 gives 0xffffffed = -19: "frame-too-small".
    proxy.corruptNext(4, "toClient");
    {
      const conn = await connect(proxy);
      await conn.write(frame);
      await conn.closeWrite();
      await assert.rejects(
        Array.fromAsync(conn.readable.pipeThrough(new FrameDecoderStream())),
        (e) => e instanceof ProtocolError && e.kind === "frame-too-small",
      );
    }
  },
);
