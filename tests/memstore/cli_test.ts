import assert from "node:assert/strict";
import { CliUsageError, parseFlags, parseUser, runServer, USAGE } from "../../lib/memstore/cli.ts";
import { testTlsCerts } from "../support/tls_certs.ts";

const CLI = new URL("../../lib/memstore/cli.ts", import.meta.url).pathname;

Deno.test("parseFlags defaults to 127.0.0.1, TCP 1113, HTTP 2113, info logging, no extra users", {
  permissions: "none",
}, () => {
  assert.deepEqual(parseFlags([]), {
    host: "127.0.0.1",
    port: 1113,
    httpPort: 2113,
    users: [],
    insecure: false,
    logLevel: "info",
    help: false,
  });
});

Deno.test("parseFlags reads every flag, in --flag value and --flag=value form", {
  permissions: "none",
}, () => {
  assert.deepEqual(
    parseFlags([
      "--host",
      "0.0.0.0",
      "--port",
      "0",
      "--http-port=2114",
      "--user",
      "app:secret:writers,readers",
      "--user=ops2:pw",
      "--tls-cert",
      "c.pem",
      "--tls-key=k.pem",
      "--insecure",
      "--log-level",
      "debug",
      "--help",
    ]),
    {
      host: "0.0.0.0",
      port: 0,
      httpPort: 2114,
      users: [
        { username: "app", password: "secret", groups: ["writers", "readers"] },
        { username: "ops2", password: "pw", groups: [] },
      ],
      tlsCert: "c.pem",
      tlsKey: "k.pem",
      insecure: true,
      logLevel: "debug",
      help: true,
    },
  );
});

Deno.test(
  "parseFlags rejects unknown flags, bad ports, missing values, bad log levels and half a TLS pair with CliUsageError",
  {
    permissions: "none",
  },
  () => {
    const cases: [string[], string][] = [
      [["--nope"], 'Unknown flag "--nope"'],
      [["--port", "70000"], 'Invalid --port "70000": expected a port from 0 to 65535'],
      [["--http-port", "http"], 'Invalid --http-port "http": expected a port from 0 to 65535'],
      [["--port"], 'Flag "--port" needs a value'],
      [["--port", "--insecure"], 'Flag "--port" needs a value'],
      [["--log-level", "trace"], 'Invalid --log-level "trace": expected info or debug'],
      [["--tls-cert", "c.pem"], "TLS needs both --tls-cert and --tls-key"],
      [["--insecure=yes"], 'Flag "--insecure" takes no value'],
      [["--host", ""], 'Invalid --host "": it is empty'],
      [
        ["--max-memory", "lots"],
        'Invalid --max-memory "lots": expected a size in bytes or with K, M or G',
      ],
    ];
    for (const [args, message] of cases) {
      assert.throws(() => parseFlags(args), { name: "CliUsageError", message }, args.join(" "));
    }
  },
);

Deno.test("--max-memory takes bytes or a size with K, M or G", { permissions: "none" }, () => {
  assert.equal(parseFlags(["--max-memory", "512M"]).maxMemory, 512 * 1024 * 1024);
  assert.equal(parseFlags(["--max-memory=1073741824"]).maxMemory, 1024 ** 3);
  assert.equal(parseFlags([]).maxMemory, undefined);
});

Deno.test(
  "--user parsing: login:password[:groups]; empty parts, extra colons and repeated logins are refused",
  {
    permissions: "none",
  },
  () => {
    assert.deepEqual(parseUser("a:b"), { username: "a", password: "b", groups: [] });
    assert.deepEqual(parseUser("a:b:$admins"), {
      username: "a",
      password: "b",
      groups: ["$admins"],
    });
    const bad: [string, string][] = [
      ["nopassword", 'Invalid --user "nopassword": expected login:password[:group,group]'],
      ["a:b:c:d", 'Invalid --user "a:b:c:d": expected login:password[:group,group]'],
      [":pw", 'Invalid --user ":pw": the login is empty'],
      ["a:", 'Invalid --user "a:": the password is empty'],
      ["a:b:x,,y", 'Invalid --user "a:b:x,,y": a group name is empty'],
    ];
    for (const [text, message] of bad) {
      assert.throws(() => parseUser(text), { name: "CliUsageError", message });
    }
    assert.throws(() => parseFlags(["--user", "a:b", "--user", "a:c"]), {
      message: 'Invalid --user: login "a" is given twice',
    });
    assert.ok(new CliUsageError("x") instanceof Error);
  },
);

Deno.test("--help lists every flag with its default", { permissions: "none" }, () => {
  for (
    const line of [
      "--host HOST",
      "(default: 127.0.0.1)",
      "--port PORT",
      "(default: 1113)",
      "--http-port PORT",
      "(default: 2113)",
      "--user LOGIN:PASSWORD[:G1,G2]",
      "--tls-cert FILE",
      "--tls-key FILE",
      "--insecure",
      "(default: off)",
      "--log-level info|debug",
      "(default: info)",
      "--help",
    ]
  ) {
    assert.ok(USAGE.includes(line), line);
  }
});

Deno.test("runServer: --help prints the usage and returns 0; a bad flag prints the reason and returns 2", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (l: string) => out.push(l),
    err: (l: string) => err.push(l),
    stopped: () => new Promise<string>(() => {}),
  };
  assert.equal(await runServer(["--help"], io), 0);
  assert.deepEqual(out, [USAGE]);
  assert.equal(await runServer(["--port", "x"], io), 2);
  assert.deepEqual(err, [
    'Invalid --port "x": expected a port from 0 to 65535\nRun with --help for the flags.',
  ]);
});

Deno.test("runServer: a port already in use is named with the flags that change it, and returns 1", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const err: string[] = [];
  const io = {
    out: () => {},
    err: (l: string) => err.push(l),
    stopped: () => new Promise<string>(() => {}),
  };
  assert.equal(await runServer(["--port", String(taken.addr.port), "--http-port", "0"], io), 1);
  assert.deepEqual(err, [
    `Cannot start the memstore: TCP port ${taken.addr.port} on "127.0.0.1" is already in use ` +
    "(is another EventStore running?); choose others with --port and --http-port",
  ]);
  err.length = 0;
  assert.equal(await runServer(["--port", "0", "--http-port", String(taken.addr.port)], io), 1);
  assert.deepEqual(err, [
    `Cannot start the memstore: HTTP port ${taken.addr.port} on "127.0.0.1" is already in use ` +
    "(is another EventStore running?); choose others with --port and --http-port",
  ]);
});

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("the server process: --help exits 0 with the usage; bad flags and --user errors exit 2 with a clear message", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--http-port PORT +HTTP port, 0 for a free one \(default: 2113\)/);
  const unknown = await runCli(["--verbose"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown flag "--verbose"/);
  const user = await runCli(["--user", "nopassword"]);
  assert.equal(user.code, 2);
  assert.match(user.stderr, /Invalid --user "nopassword": expected login:password\[:group,group\]/);
});

Deno.test("deno task server listens on TCP and HTTP, its --user logs in over HTTP, debug logs requests, and it stops cleanly on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "--port",
      "0",
      "--http-port",
      "0",
      "--user",
      "app:pw:$admins",
      "--log-level",
      "debug",
    ],
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
    match = output.match(
      /listening on tcp:\/\/127\.0\.0\.1:(\d+), HTTP on (http:\/\/127\.0\.0\.1:\d+)/,
    );
  }
  assert.ok(match, `no listening line in: ${output}`);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(match[1]) });
  const users = await fetch(`${match[2]}/users/app`, {
    headers: { authorization: "Basic " + btoa("app:pw") },
  });
  assert.equal(users.status, 200);
  assert.deepEqual((await users.json()).data.groups, ["$admins"]);
  while (!/Connection #\d+ accepted/.test(output) || !/HTTP GET \/users\/app 200/.test(output)) {
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
  assert.match(output, /stream browser: http:\/\/127\.0\.0\.1:\d+\/web\/index\.html/);
  assert.match(output, /HTTP GET \/users\/app 200/);
  assert.match(output, /SIGTERM received, stopping/);
  assert.match(output, /stopped/);
});

Deno.test("deno task server --tls-cert/--tls-key speaks HTTPS on the HTTP port, and --insecure lets anonymous requests do anything", async () => {
  const certs = testTlsCerts("localhost");
  const dir = await Deno.makeTempDir();
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  await Deno.writeTextFile(certFile, certs.cert);
  await Deno.writeTextFile(keyFile, certs.key);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "--port",
      "0",
      "--http-port",
      "0",
      "--tls-cert",
      certFile,
      "--tls-key",
      keyFile,
      "--insecure",
    ],
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
    match = output.match(/\(TLS\), HTTP on (https:\/\/127\.0\.0\.1:\d+)/);
  }
  assert.ok(match, `no TLS listening line in: ${output}`);
  const client = Deno.createHttpClient({ caCerts: [certs.caCert] });
  try {
    const users = await fetch(`${match[1]}/users`, { client });
    assert.equal(users.status, 200);
    await users.body?.cancel();
  } finally {
    client.close();
    child.kill("SIGTERM");
    while (!(await lines.read()).done) { /* drain */ }
    await child.stderr.cancel();
    assert.equal((await child.status).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
