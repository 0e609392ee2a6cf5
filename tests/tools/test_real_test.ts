import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);

/** Runs tools/test_real.ts with a PATH holding only the deno binary (so no docker). */
async function runWithoutDocker(args: string[]): Promise<{ code: number; stderr: string }> {
  const bin = await Deno.makeTempDir();
  try {
    await Deno.symlink(Deno.execPath(), `${bin}/deno`);
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "tools/test_real.ts", ...args],
      cwd: root,
      // Keep the cache location (HOME, DENO_DIR); drop everything else, PATH included.
      env: {
        PATH: bin,
        NO_COLOR: "1",
        ...Object.fromEntries(
          ["HOME", "DENO_DIR"].flatMap((k) => {
            const v = Deno.env.get(k);
            return v === undefined ? [] : [[k, v]];
          }),
        ),
      },
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    return { code, stderr: new TextDecoder().decode(stderr) };
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
}

Deno.test("deno task test:real without a docker engine runs nothing and exits 2 saying why", async () => {
  const { code, stderr } = await runWithoutDocker([]);
  assert.equal(code, 2);
  assert.match(stderr, /no docker engine answers \(`docker info` failed\)/);
  assert.match(stderr, /no test was run/);
});

Deno.test("deno task test:real names the servers it knows when given another", async () => {
  const { code, stderr } = await runWithoutDocker(["9.9"]);
  assert.equal(code, 1);
  assert.match(stderr, /unknown server "9\.9": use "23\.10", "23\.10-tls", "5\.0"/);
});
