import assert from "node:assert/strict";
import { connect } from "../../lib/client/client.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { generateTlsCerts } from "../support/tls_certs.ts";

Deno.test("connect() with tls talks to a TLS memstore, trusting the given CA", async () => {
  const { caCert, cert, key } = await generateTlsCerts();
  await using store = await startMemoryStore({ port: 0, tls: { cert, key } });
  await using client = await connect({
    host: "127.0.0.1",
    port: store.port,
    tls: { caCerts: [caCert] },
  });
  await client.publishEvent("secure", "t", { body: { ok: true } });
  assert.deepEqual((await client.getEvent("secure", 0)).json(), { ok: true });
});

Deno.test("connect() with tls refuses a server whose certificate it does not trust", async () => {
  const { cert, key } = await generateTlsCerts();
  await using store = await startMemoryStore({ port: 0, tls: { cert, key } });
  const error = await connect(`tcp://127.0.0.1:${store.port}?tls=true`).then(
    (client) => client.close().then(() => undefined),
    (e: Error) => e,
  );
  assert.ok(error instanceof Error);
  assert.match(error.message, /certificate/);
});
