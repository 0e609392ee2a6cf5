/** The first bytes a peer sends tell a wrong port apart, and the error says what to use. */
import assert from "node:assert/strict";
import { connect } from "../../../lib/client/client.ts";
import { WrongPortError } from "../../../lib/errors.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import { sniffPeer } from "../../../lib/wire/peer_sniffer.ts";
import { generateTlsCerts } from "../../support/tls_certs.ts";

const unit = { permissions: "none" } as const;

Deno.test("sniffPeer() tells a TLS record and an HTTP answer from EventStore framing", unit, () => {
  assert.equal(sniffPeer(new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32])), "tls");
  assert.equal(sniffPeer(new Uint8Array([0x16, 0x03, 0x01, 0x00])), "tls");
  assert.equal(sniffPeer(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n")), "http");
  assert.equal(sniffPeer(new Uint8Array([0x12, 0x00, 0x00, 0x00, 0xf6, 0x00])), undefined);
  assert.equal(sniffPeer(new Uint8Array([0x15])), undefined, "too short to tell");
});

Deno.test("plain tcp:// to a TLS listener fails at once with WrongPortError: use tls://", async () => {
  const { cert, key } = await generateTlsCerts();
  await using store = await startMemoryStore({ port: 0, tls: { cert, key } });
  const started = performance.now();
  const error = await connect(`tcp://localhost:${store.port}`).then(
    () => assert.fail("connected"),
    (e: Error) => e,
  );
  assert.ok(error instanceof WrongPortError, String(error));
  assert.equal(error.peer, "tls");
  assert.equal(error.port, store.port);
  assert.match(
    error.message,
    new RegExp(`"localhost:${store.port}".*speaks TLS: connect with tls://`),
  );
  assert.ok(performance.now() - started < 5000, "one attempt, no retries");
});

Deno.test("the HTTP port fails at once with WrongPortError naming the TCP port", async () => {
  const http = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    () => new Response("no"),
  );
  try {
    const error = await connect(`tcp://127.0.0.1:${http.addr.port}`).then(
      () => assert.fail("connected"),
      (e: Error) => e,
    );
    assert.ok(error instanceof WrongPortError, String(error));
    assert.equal(error.peer, "http");
    assert.match(error.message, /HTTP port; the TCP client port is usually 1113/);
  } finally {
    await http.shutdown();
  }
});

Deno.test("tls:// to a plain EventStore port fails at once with WrongPortError: use tcp://", async () => {
  await using store = await startMemoryStore({ port: 0 });
  let dials = 0;
  const started = performance.now();
  const error = await connect(`tls://localhost:${store.port}`, {
    onStateChange: (state) => {
      if (state.status === "connecting" || state.status === "reconnecting") dials++;
    },
  }).then(() => assert.fail("connected"), (e: Error) => e);
  assert.ok(error instanceof WrongPortError, String(error));
  assert.equal(error.peer, "eventstore");
  assert.equal(error.port, store.port);
  assert.match(
    error.message,
    new RegExp(`"localhost:${store.port}".*plain TCP, not TLS: connect with tcp://`),
  );
  assert.ok(error.cause instanceof Error, "the handshake failure is kept as cause");
  assert.ok(dials <= 1, `one attempt, not retried (${dials} connecting states)`);
  assert.ok(performance.now() - started < 5000, "fails at once");
});
