/**
 * The OpenTelemetry instrumentation (`lib/otel`, the `./otel` export) is type-checked and tested
 * under its own configuration, tools/otel/deno.json, whose lock file pins @opentelemetry/api and
 * the SDK used by its tests. Deno fetches every npm package of a lock file before running
 * anything, so keeping them out of the root deno.lock is what lets `deno task demo` download
 * only @bufbuild/protobuf. This test runs that suite as part of `deno task test`.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

Deno.test("the ./otel export passes its own test suite (tests/otel, under tools/otel/deno.json)", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--config", "tools/otel/deno.json", "tests/otel/"],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, `${out}\n${new TextDecoder().decode(stderr)}`);
  assert.match(out, /^ok \| [1-9]\d* passed \| 0 failed/m);
});

Deno.test("tools/otel/deno.json pins the same @bufbuild/protobuf as deno.json", async () => {
  const read = async (path: string) =>
    JSON.parse(await Deno.readTextFile(new URL(path, root))).imports["@bufbuild/protobuf"];
  assert.equal(await read("tools/otel/deno.json"), await read("deno.json"));
});

Deno.test("the root lock file holds no OpenTelemetry package (so the demo does not fetch one)", async () => {
  const lock = await Deno.readTextFile(new URL("deno.lock", root));
  assert.doesNotMatch(lock, /opentelemetry/);
});
