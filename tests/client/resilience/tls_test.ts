import assert from "node:assert/strict";
import { caCertificates } from "../../../lib/client/tls.ts";
import { TlsCertificateError } from "../../../lib/errors.ts";
import type { Endpoint } from "../../../lib/client/transport.ts";
import { tcpDialer } from "../../../lib/client/transport.ts";
import { ConnectionClosedError } from "../../../lib/errors.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import { generateTlsCerts } from "../../support/tls_certs.ts";
import { clientOver, openExecutor, StateRecorder } from "./support.ts";

Deno.test("over TLS with a trusted CA the client writes, survives a dropped connection and reconnects over TLS", async () => {
  const { caCert, cert, key } = await generateTlsCerts();
  await using store = await startMemoryStore({ port: 0, tls: { cert, key } });
  const executor = await openExecutor({
    endpoint: { hostname: "localhost", port: store.port },
    tls: { caCerts: [caCert] },
    reconnection: { delay: 0 },
  });
  await using client = clientOver(executor);
  await client.publishEvent("tls-1", "before");
  const recorder = new StateRecorder(executor);
  const connected = recorder.next("connected");
  store.dropConnections();
  const write = client.publishEvent("tls-1", "after");
  await connected;
  assert.equal((await write).lastEventNumber, 1n);
  recorder.stop();
});

Deno.test("the CA can come from a PEM file", async () => {
  const { caCert, cert, key } = await generateTlsCerts();
  await using store = await startMemoryStore({ port: 0, tls: { cert, key } });
  const file = await Deno.makeTempFile({ suffix: ".pem" });
  try {
    await Deno.writeTextFile(file, caCert);
    await using executor = await openExecutor({
      endpoint: { hostname: "localhost", port: store.port },
      tls: { caFile: file },
    });
    assert.equal(executor.state.status, "connected");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("an unreadable CA file fails at once with an error naming the file", async () => {
  let dials = 0;
  const error = await openExecutor({
    endpoint: { hostname: "localhost", port: 1 },
    dialer: (endpoint, options) => (dials++, tcpDialer(endpoint, options)),
    tls: { caFile: "/nonexistent/ca.pem" },
  }).then(() => assert.fail("connected"), (e) => e);
  assert.ok(error instanceof ConnectionClosedError);
  assert.ok(error.cause instanceof TypeError);
  assert.match(error.message, /Cannot read the TLS CA file "\/nonexistent\/ca\.pem"/);
  assert.equal(dials, 1);
});

Deno.test("caCertificates() rejects a file without a PEM certificate", async () => {
  const file = await Deno.makeTempFile({ suffix: ".pem" });
  try {
    await Deno.writeTextFile(file, "not a certificate");
    await assert.rejects(caCertificates({ caFile: [file] }), /no PEM certificate/);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("an untrusted server certificate fails with TlsCertificateError and is not retried", async () => {
  const { cert, key } = await generateTlsCerts();
  await using store = await startMemoryStore({ port: 0, tls: { cert, key } });
  let dials = 0;
  const error = await openExecutor({
    endpoint: { hostname: "localhost", port: store.port },
    dialer: (endpoint, options) => (dials++, tcpDialer(endpoint, options)),
    tls: {},
  }).then(() => assert.fail("connected"), (e) => e);
  assert.ok(error instanceof TlsCertificateError, "TlsCertificateError at the top");
  assert.match(error.message, /Cannot verify the TLS certificate of localhost:\d+: UnknownIssuer/);
  assert.match(error.message, /--unsafely-ignore-certificate-errors=localhost/);
  assert.equal(dials, 1);
});

Deno.test("dangerouslyDisableHostnameVerification accepts a trusted certificate issued for another name", async () => {
  const { caCert, cert, key } = await generateTlsCerts({ hosts: ["example.test"] });
  await using store = await startMemoryStore({ port: 0, tls: { cert, key } });
  const endpoint: Endpoint = { hostname: "127.0.0.1", port: store.port };
  const error = await openExecutor({ endpoint, tls: { caCerts: [caCert] } }).then(
    () => assert.fail("connected despite the name mismatch"),
    (e) => e,
  );
  assert.ok(error instanceof TlsCertificateError);
  assert.match(error.message, /not valid for name "127\.0\.0\.1"/);
  await using executor = await openExecutor({
    endpoint,
    tls: { caCerts: [caCert], dangerouslyDisableHostnameVerification: true },
  });
  assert.equal(executor.state.status, "connected");
});

Deno.test("skipping certificate verification works only process-wide, with --unsafely-ignore-certificate-errors", async () => {
  const { cert, key } = await generateTlsCerts();
  await using store = await startMemoryStore({ port: 0, tls: { cert, key } });
  const probe = new URL("./tls_probe.ts", import.meta.url).pathname;
  const run = async (flags: string[]): Promise<string> => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "--allow-net", "--allow-read", ...flags, probe, `${store.port}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    return new TextDecoder().decode(output.stdout).trim();
  };
  assert.match(await run([]), /^TlsCertificateError /);
  assert.equal(await run(["--unsafely-ignore-certificate-errors=localhost"]), "connected");
});
