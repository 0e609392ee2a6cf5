/**
 * TLS with a CA: the server's certificate is checked against the CA you give (`tls.caFile`, or
 * `tls.caCerts` with PEM text) instead of the system's trusted roots, as with a 20.x+ EventStore
 * whose node certificate was made by its own CA. Without that CA the connection is refused with
 * a `TlsCertificateError`, and it is not retried. The certificates here are test-only
 * (examples/certs/README.md).
 *
 * ```sh
 * deno run -A examples/tls_with_ca.ts
 * ```
 *
 * @module
 */

import { connect, TlsCertificateError } from "@photonpump/client";
import { startMemoryStore } from "@photonpump/client/memstore";

const certs = new URL("./certs/", import.meta.url);
const caFile = new URL("ca.crt", certs).pathname;

// An in-memory EventStore speaking TLS with a certificate for localhost and 127.0.0.1.
await using store = await startMemoryStore({
  port: 0,
  tls: {
    cert: await Deno.readTextFile(new URL("server.crt", certs)),
    key: await Deno.readTextFile(new URL("server.key", certs)),
  },
});

{
  await using conn = await connect({ host: "localhost", port: store.port, tls: { caFile } });
  const written = await conn.publishEvent("secrets", "secret_kept", { body: { who: "Gil" } });
  console.log(`Over TLS, trusting ca.crt: wrote event #${written.lastEventNumber}`);
}

// The same server without its CA: the certificate cannot be verified.
try {
  await using conn = await connect({ host: "localhost", port: store.port, tls: true });
  console.log(`Unexpectedly connected: ${conn}`);
} catch (error) {
  console.log(`Without the CA: ${error instanceof TlsCertificateError ? error.name : error}`);
}
