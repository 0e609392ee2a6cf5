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

Deno.test("deno task server listens, logs connections and stops cleanly on SIGTERM", async () => {
  const cli = new URL("../../lib/memstore/cli.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, "--port", "0"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  let match: RegExpMatchArray | null = null;
  while (!match) {
    const { value, done } = await lines.read();
    if (done) break;
    output += value;
    match = output.match(/listening on tcp:\/\/127\.0\.0\.1:(\d+)/);
  }
  assert.ok(match, `no listening line in: ${output}`);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(match[1]) });
  while (!/Connection #\d+ accepted/.test(output)) {
    const { value, done } = await lines.read();
    if (done) break;
    output += value;
  }
  conn.close();
  child.kill("SIGTERM");
  while (true) {
    const { value, done } = await lines.read();
    if (done) break;
    output += value;
  }
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.code, 0);
  assert.match(output, /SIGTERM received, stopping/);
  assert.match(output, /stopped/);
  assert.match(output, /Connection #\d+ accepted/);
});
