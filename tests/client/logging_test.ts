/**
 * connect()'s `logger` option and PHOTONPUMP_LOG: the lifecycle at info, one line per package at
 * debug, never credentials or event data; and EVENTSTORE_URL as the default target.
 */
import assert from "node:assert/strict";
import { connect, type Logger } from "../../mod.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { resolveSettings } from "../../lib/client/settings.ts";

/** A logger recording `level message` lines. */
function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

const SECRETS = ["s3cr3t-password", "top-secret-body", "secret-user"];

Deno.test("with a logger, connect() logs connecting and connected at info and each package at debug, without secrets", async () => {
  await using store = await startMemoryStore({
    port: 0,
    users: { "secret-user": "s3cr3t-password" },
  });
  const log = recorder();
  {
    await using conn = await connect({
      host: "127.0.0.1",
      port: store.port,
      credentials: { username: "secret-user", password: "s3cr3t-password" },
      logger: log,
    });
    await conn.publishEvent("logged", "thing_done", { body: { note: "top-secret-body" } });
  }
  const info = log.lines.filter((l) => l.startsWith("info "));
  assert.match(
    info[0],
    new RegExp(`^info photonpump: connecting to 127\\.0\\.0\\.1:${store.port}$`),
  );
  assert.match(
    info[1],
    new RegExp(`^info photonpump ES-[\\w-]+: connected to 127\\.0\\.0\\.1:${store.port}$`),
  );
  assert.match(info.at(-1)!, /^info photonpump ES-[\w-]+: closed$/);
  const debug = log.lines.filter((l) => l.startsWith("debug "));
  assert.ok(
    debug.some((l) => /^debug sent IdentifyClient \(0xf5\) [0-9a-f-]{36}, \d+ bytes$/.test(l)),
  );
  assert.ok(debug.some((l) => /^debug received ClientIdentified \(0xf6\) /.test(l)));
  assert.ok(debug.some((l) => /^debug sent WriteEvents \(0x82\) /.test(l)));
  assert.ok(debug.some((l) => /^debug received WriteEventsCompleted \(0x83\) /.test(l)));
  for (const line of log.lines) {
    for (const secret of SECRETS) assert.ok(!line.includes(secret), `"${line}" leaks ${secret}`);
  }
});

Deno.test("a lost connection is logged as reconnecting with its attempt and reason, then connected", async () => {
  await using store = await startMemoryStore({ port: 0 });
  const log = recorder();
  await using conn = await connect(store.url, { logger: log, reconnection: { delay: 0 } });
  const reconnected = new Promise<void>((resolve) => {
    const stop = conn.watch((state) => {
      if (state.status === "connected") {
        stop();
        resolve();
      }
    });
  });
  store.dropConnections();
  await reconnected;
  const info = log.lines.filter((l) => l.startsWith("info ") || l.startsWith("warn "));
  assert.ok(
    info.some((l) => /^info photonpump ES-[\w-]+: reconnecting \(attempt 1\): .+/.test(l)),
    info.join("\n"),
  );
  assert.equal(info.filter((l) => / connected to 127\.0\.0\.1:/.test(l)).length, 2);
});

Deno.test("a connect() that fails is logged at error with the target and the reason", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close(); // nothing listens there now
  const log = recorder();
  await assert.rejects(
    connect({ host: "127.0.0.1", port, logger: log, reconnection: false, connectDeadline: 2000 }),
  );
  const errors = log.lines.filter((l) => l.startsWith("error "));
  assert.equal(errors.length, 1);
  assert.match(errors[0], new RegExp(`could not connect to 127\\.0\\.0\\.1:${port}: .+`));
});

Deno.test("a logger that throws does not break the client", async () => {
  await using store = await startMemoryStore({ port: 0 });
  const boom = (): void => {
    throw new Error("logger broke");
  };
  await using conn = await connect(store.url, {
    logger: { debug: boom, info: boom, warn: boom, error: boom },
  });
  assert.equal((await conn.publishEvent("s", "t")).lastEventNumber, 0n);
});

Deno.test("connect() rejects a logger that is not an object", () => {
  assert.throws(
    () => resolveSettings("localhost", { logger: "console" as unknown as Logger }),
    (e) => e instanceof TypeError && /Invalid option "logger"/.test(e.message),
  );
});

/**
 * Runs a tiny connect-and-write script as its own process with `flags` (its permissions) and
 * `env`; returns what it printed. No prompt can appear: stdin is not a terminal.
 */
async function probe(flags: string[], env: Record<string, string>, url: string): Promise<string> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      file,
      `import { connect } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
await using conn = await connect(${JSON.stringify(url)});
await conn.publishEvent("probe", "t");
`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-check",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        "--allow-read",
        "--allow-net=127.0.0.1",
        ...flags,
        file,
      ],
      env: { ...env, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    assert.equal(code, 0, text.decode(stderr));
    return text.decode(stdout) + text.decode(stderr);
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("PHOTONPUMP_LOG=debug logs to the console when env access to it is granted", async () => {
  await using store = await startMemoryStore({ port: 0 });
  const out = await probe(["--allow-env=PHOTONPUMP_LOG"], { PHOTONPUMP_LOG: "debug" }, store.url);
  assert.match(out, /^photonpump info: photonpump: connecting to 127\.0\.0\.1:\d+$/m);
  assert.match(out, /^photonpump debug: sent WriteEvents \(0x82\) /m);
});

Deno.test("PHOTONPUMP_LOG=info logs the lifecycle but not the packages", async () => {
  await using store = await startMemoryStore({ port: 0 });
  const out = await probe(["--allow-env=PHOTONPUMP_LOG"], { PHOTONPUMP_LOG: "info" }, store.url);
  assert.match(out, /: connected to 127\.0\.0\.1:\d+$/m);
  assert.doesNotMatch(out, /debug/);
});

Deno.test("without env permission PHOTONPUMP_LOG is ignored: the client stays silent and never prompts", async () => {
  await using store = await startMemoryStore({ port: 0 });
  assert.equal(await probe([], { PHOTONPUMP_LOG: "debug" }, store.url), "");
});

Deno.test("connect() with no target reads EVENTSTORE_URL when env access to it is granted", {
  permissions: { env: ["EVENTSTORE_URL"] },
}, () => {
  const before = Deno.env.get("EVENTSTORE_URL");
  try {
    Deno.env.set("EVENTSTORE_URL", "tcp://admin:changeit@db.example:2114?tls=true");
    const settings = resolveSettings();
    assert.deepEqual(settings.endpoint, { hostname: "db.example", port: 2114 });
    assert.equal(settings.calls.credentials?.username, "admin");
    assert.notEqual(settings.executor.tls, undefined);
    // A target, even an options object, wins over the environment.
    assert.deepEqual(resolveSettings("localhost:1113").endpoint, {
      hostname: "localhost",
      port: 1113,
    });
    Deno.env.delete("EVENTSTORE_URL");
    assert.deepEqual(resolveSettings().endpoint, { hostname: "localhost", port: 1113 });
  } finally {
    if (before === undefined) Deno.env.delete("EVENTSTORE_URL");
    else Deno.env.set("EVENTSTORE_URL", before);
  }
});

Deno.test("without env permission connect() ignores EVENTSTORE_URL and uses localhost:1113", {
  permissions: { env: false },
}, () => {
  assert.deepEqual(resolveSettings().endpoint, { hostname: "localhost", port: 1113 });
});
