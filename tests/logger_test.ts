import assert from "node:assert/strict";
import {
  describePackage,
  levelLogger,
  type Logger,
  resolveLogger,
  safeLogger,
  silentLogger,
} from "../lib/logger.ts";
import type { Package } from "../lib/wire/package_codec.ts";

/** A logger that records `level: message` lines. */
function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

function logAll(logger: Logger): void {
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
}

Deno.test("levelLogger() passes its level and the ones above, prefixed, and drops the rest", {
  permissions: "none",
}, () => {
  const sink = recorder();
  logAll(levelLogger("info", sink));
  assert.deepEqual(sink.lines, [
    "info: photonpump info: i",
    "warn: photonpump warn: w",
    "error: photonpump error: e",
  ]);
  const all = recorder();
  logAll(levelLogger("debug", all));
  assert.equal(all.lines.length, 4);
});

Deno.test("levelLogger() rejects an unknown level with a TypeError naming it", {
  permissions: "none",
}, () => {
  assert.throws(
    () => levelLogger("verbose" as "debug"),
    (e) => e instanceof TypeError && e.message.includes('"verbose"'),
  );
});

Deno.test("a logger that throws or lacks a method never breaks the caller", {
  permissions: "none",
}, () => {
  const broken = {
    debug: () => {
      throw new Error("boom");
    },
    info: () => {
      throw new Error("boom");
    },
  } as unknown as Logger;
  logAll(safeLogger(broken));
  logAll(levelLogger("debug", broken));
});

Deno.test("resolveLogger() uses the caller's logger unfiltered, at every level", {
  permissions: "none",
}, () => {
  const mine = recorder();
  logAll(resolveLogger(mine));
  assert.deepEqual(mine.lines, ["debug: d", "info: i", "warn: w", "error: e"]);
});

Deno.test("resolveLogger() is silent without env permission, and does not prompt", {
  permissions: { env: false },
}, () => {
  const sink = recorder();
  const logger = resolveLogger(undefined, sink);
  assert.equal(logger, silentLogger);
  logAll(logger);
  assert.deepEqual(sink.lines, []);
});

Deno.test("resolveLogger() follows PHOTONPUMP_LOG when env access is granted", {
  permissions: { env: ["PHOTONPUMP_LOG"] },
}, () => {
  const before = Deno.env.get("PHOTONPUMP_LOG");
  try {
    Deno.env.delete("PHOTONPUMP_LOG");
    assert.equal(resolveLogger(undefined, recorder()), silentLogger);

    Deno.env.set("PHOTONPUMP_LOG", "debug");
    const debug = recorder();
    logAll(resolveLogger(undefined, debug));
    assert.equal(debug.lines.length, 4);

    Deno.env.set("PHOTONPUMP_LOG", "INFO");
    const info = recorder();
    logAll(resolveLogger(undefined, info));
    assert.deepEqual(info.lines.map((l) => l.split(":")[0]), ["info", "warn", "error"]);

    Deno.env.set("PHOTONPUMP_LOG", "chatty");
    const unknown = recorder();
    assert.equal(resolveLogger(undefined, unknown), silentLogger);
    resolveLogger(undefined, unknown);
    assert.deepEqual(unknown.lines, [
      'warn: photonpump: ignoring PHOTONPUMP_LOG="chatty": expected debug, info, warn, error',
    ]);
  } finally {
    if (before === undefined) Deno.env.delete("PHOTONPUMP_LOG");
    else Deno.env.set("PHOTONPUMP_LOG", before);
  }
});

Deno.test("describePackage() names command, correlation id and size, never credentials or data", {
  permissions: "none",
}, () => {
  const payload = new TextEncoder().encode('{"secret":"s3cr3t-body"}');
  const pkg: Package = {
    command: 0x82,
    correlationId: "00112233-4455-6677-8899-aabbccddeeff",
    credentials: { username: "admin-user", password: "hunter2" },
    payload,
  };
  const line = describePackage("sent", pkg);
  assert.equal(
    line,
    `sent WriteEvents (0x82) 00112233-4455-6677-8899-aabbccddeeff, ${payload.byteLength} bytes`,
  );
  for (const secret of ["admin-user", "hunter2", "s3cr3t-body"]) {
    assert.ok(!line.includes(secret), `the line leaks "${secret}"`);
  }
  assert.match(
    describePackage("received", {
      command: 0x42,
      correlationId: "00000000-0000-0000-0000-000000000000",
      payload: new Uint8Array(0),
    }),
    /^received Unknown\(0x42\) \(0x42\) 0{8}-0{4}-0{4}-0{4}-0{12}, 0 bytes$/,
  );
  assert.equal(
    describePackage("received", {
      command: 0xb3,
      correlationId: "00112233-4455-6677-8899-aabbccddeeff",
      size: 70_000_000,
    }),
    "received ReadStreamEventsForwardCompleted (0xb3) 00112233-4455-6677-8899-aabbccddeeff, " +
      "70000000 bytes, over the maximum package size (skipped)",
  );
});
