import assert from "node:assert/strict";
import { generateTlsCerts, type TlsCerts } from "./tls_certs.ts";

let certs: TlsCerts | undefined;
async function sharedCerts(): Promise<TlsCerts> {
  certs ??= await generateTlsCerts();
  return certs;
}

/** Accepts one TLS connection, echoes what it reads, and closes. */
async function serveOnce(listener: Deno.TlsListener): Promise<void> {
  using conn = await listener.accept();
  try {
    await conn.handshake();
    const buffer = new Uint8Array(64);
    const n = await conn.read(buffer);
    if (n !== null) await conn.write(buffer.subarray(0, n));
  } catch {
    // The client refused the handshake.
  }
}

Deno.test("generateTlsCerts() returns PEM CA, certificate and key", async () => {
  const { caCert, cert, key } = await sharedCerts();
  assert.match(caCert, /^-----BEGIN CERTIFICATE-----\n/);
  assert.match(cert, /^-----BEGIN CERTIFICATE-----\n/);
  assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.notEqual(caCert, cert);
});

Deno.test("a TLS round trip on 127.0.0.1 succeeds when the client trusts the CA", async () => {
  const { caCert, cert, key } = await sharedCerts();
  using listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
  const served = serveOnce(listener);
  {
    using conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port: listener.addr.port,
      caCerts: [caCert],
    });
    await conn.write(new TextEncoder().encode("hello"));
    const buffer = new Uint8Array(5);
    let filled = 0;
    while (filled < 5) {
      const n = await conn.read(buffer.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    assert.equal(new TextDecoder().decode(buffer), "hello");
  }
  await served;
});

Deno.test("the certificate is valid for the name localhost too", async () => {
  const { caCert, cert, key } = await sharedCerts();
  using listener = Deno.listenTls({ hostname: "localhost", port: 0, cert, key });
  const served = serveOnce(listener);
  using conn = await Deno.connectTls({
    hostname: "localhost",
    port: listener.addr.port,
    caCerts: [caCert],
  });
  await conn.handshake();
  await conn.write(new Uint8Array([1]));
  assert.equal(await conn.read(new Uint8Array(1)), 1);
  await served;
});

Deno.test("a client that does not trust the CA fails with a certificate error", async () => {
  const { cert, key } = await sharedCerts();
  using listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
  const served = serveOnce(listener);
  await assert.rejects(
    async () => {
      using conn = await Deno.connectTls({ hostname: "127.0.0.1", port: listener.addr.port });
      await conn.handshake();
    },
    (e) => e instanceof Error && /certificate|UnknownIssuer/i.test(e.message),
  );
  await served;
});

Deno.test("a certificate from another throwaway CA is not trusted", async () => {
  const { cert, key } = await sharedCerts();
  const other = await generateTlsCerts();
  using listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
  const served = serveOnce(listener);
  await assert.rejects(
    async () => {
      using conn = await Deno.connectTls({
        hostname: "127.0.0.1",
        port: listener.addr.port,
        caCerts: [other.caCert],
      });
      await conn.handshake();
    },
    /certificate|UnknownIssuer|BadSignature/i,
  );
  await served;
});

Deno.test("generateTlsCerts() names openssl when the binary is missing", async () => {
  await assert.rejects(
    generateTlsCerts({ openssl: "/nonexistent/openssl" }),
    /"\/nonexistent\/openssl" was not found; install openssl/,
  );
});
