import assert from "node:assert/strict";
import { parseFlags } from "../../lib/memstore/cli.ts";

Deno.test("parseFlags defaults to 127.0.0.1:1113 and reads every flag", () => {
  assert.deepEqual(parseFlags([]), { port: 1113, host: "127.0.0.1", insecure: false });
  assert.deepEqual(
    parseFlags([
      "--port",
      "0",
      "--host",
      "0.0.0.0",
      "--tls-cert",
      "c.pem",
      "--tls-key",
      "k.pem",
      "--insecure",
    ]),
    { port: 0, host: "0.0.0.0", tlsCert: "c.pem", tlsKey: "k.pem", insecure: true },
  );
});

Deno.test("parseFlags rejects unknown flags, bad ports, missing values and half a TLS pair", () => {
  assert.throws(() => parseFlags(["--nope"]), {
    name: "TypeError",
    message: 'Unknown flag "--nope"',
  });
  assert.throws(() => parseFlags(["--port", "70000"]), /Invalid port "70000"/);
  assert.throws(() => parseFlags(["--port"]), /needs a value/);
  assert.throws(() => parseFlags(["--tls-cert", "c.pem"]), /both --tls-cert and --tls-key/);
});
