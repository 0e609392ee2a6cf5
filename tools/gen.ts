/**
 * Regenerates `gen/` from `gen/proto/*.proto` with buf and protoc-gen-es, both from npm.
 * With `--check`, generates into a temporary folder and fails if `gen/` differs from it.
 *
 * The generators are not in deno.json's `imports`: they run with `--no-config` against their own
 * lock file, tools/gen.lock, so that running or importing the library downloads only its runtime
 * dependency. `--quiet` hides the "Ignored build scripts" notice for buf's npm package (its
 * postinstall is not needed: the wrapper finds the platform binary itself).
 *
 * @module
 */

const BUF = "npm:@bufbuild/buf@1.74.0/bin/buf";
const TOOL_FLAGS = ["--quiet", "--no-config", "--lock=tools/gen.lock"];

async function generate(outDir: string): Promise<void> {
  const template = await Deno.readTextFile("buf.gen.yaml");
  const tmpTemplate = await Deno.makeTempFile({ suffix: ".yaml" });
  // The plugin runs under the same deno binary as this script, so no `deno` on PATH is needed.
  await Deno.writeTextFile(
    tmpTemplate,
    template.replace(/out: gen\b/, `out: ${outDir}`).replace(
      /^(\s*)- deno$/m,
      `$1- ${JSON.stringify(Deno.execPath())}`,
    ),
  );
  try {
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...TOOL_FLAGS, BUF, "generate", "--template", tmpTemplate],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (code !== 0) throw new Error(`buf generate failed with exit code ${code}`);
  } finally {
    await Deno.remove(tmpTemplate);
  }
}

async function listGenerated(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ts")) {
      files.set(entry.name, await Deno.readTextFile(`${dir}/${entry.name}`));
    }
  }
  return files;
}

if (Deno.args.includes("--check")) {
  const tmp = await Deno.makeTempDir();
  try {
    await generate(tmp);
    const fresh = await listGenerated(tmp);
    const committed = await listGenerated("gen");
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])]
      .filter((name) => fresh.get(name) !== committed.get(name));
    if (stale.length > 0) {
      console.error(`gen/ is stale (differs from a fresh generation): ${stale.join(", ")}`);
      console.error("Run `deno task gen` and commit the result");
      Deno.exit(1);
    }
    console.log("gen/ is fresh");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
} else {
  await generate("gen");
}
