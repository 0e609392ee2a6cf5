import assert from "node:assert/strict";
import { generateTlsCerts, testTlsCerts, type TlsCertsName } from "./tls_certs.ts";

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

Deno.test("testTlsCerts() returns a PEM CA, certificate and key for each committed name", {
  permissions: "none",
}, () => {
  const names: TlsCertsName[] = ["localhost", "example.test", "other CA"];
  for (const name of names) {
    const { caCert, cert, key } = testTlsCerts(name);
    assert.match(caCert, /^-----BEGIN CERTIFICATE-----\n/, name);
    assert.match(cert, /^-----BEGIN CERTIFICATE-----\n/, name);
    assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/, name);
    assert.notEqual(caCert, cert, name);
  }
  assert.equal(testTlsCerts("example.test").caCert, testTlsCerts().caCert);
  assert.notEqual(testTlsCerts("other CA").caCert, testTlsCerts().caCert);
});

Deno.test("a TLS round trip on 127.0.0.1 succeeds when the client trusts the CA", async () => {
  const { caCert, cert, key } = testTlsCerts();
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
  const { caCert, cert, key } = testTlsCerts();
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
  const { cert, key } = testTlsCerts();
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

Deno.test("a certificate from the other test CA is not trusted", async () => {
  const { cert, key } = testTlsCerts();
  const other = testTlsCerts("other CA");
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

Deno.test("the example.test certificate is refused for 127.0.0.1 although its CA is trusted", async () => {
  const { caCert, cert, key } = testTlsCerts("example.test");
  using listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
  const served = serveOnce(listener);
  await assert.rejects(
    async () => {
      using conn = await Deno.connectTls({
        hostname: "127.0.0.1",
        port: listener.addr.port,
        caCerts: [caCert],
      });
      await conn.handshake();
    },
    /not valid for name|NotValidForName|certificate/i,
  );
  await served;
});

Deno.test("generateTlsCerts() maps host lists to the committed certificates and rejects others", {
  permissions: "none",
}, async () => {
  assert.equal(await generateTlsCerts(), testTlsCerts("localhost"));
  assert.equal(await generateTlsCerts({ hosts: ["::1"] }), testTlsCerts("localhost"));
  assert.equal(await generateTlsCerts({ hosts: ["example.test"] }), testTlsCerts("example.test"));
  await assert.rejects(
    generateTlsCerts({ hosts: ["db.example.com"] }),
    (e) =>
      e instanceof TypeError &&
      /No committed test certificate for \["db\.example\.com"\]/.test(e.message),
  );
  await assert.rejects(generateTlsCerts({ hosts: [] }), TypeError);
});
