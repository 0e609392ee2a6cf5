/**
 * Prepares what the test suite needs besides Deno: the Node.js packages of the interop suite
 * (`tests/interop`, node-eventstore-client and protobufjs). Runs `npm ci` there when
 * `node_modules` is missing or was installed from another `package-lock.json` (a hash of the lock
 * file is stored in `node_modules` after each install). Quiet when there is nothing to do; fails
 * loudly, naming what is missing, when Node.js or npm is not installed.
 *
 * `deno task test` runs it before `deno test`.
 *
 * @example
 * ```sh
 * deno run -A tools/setup_tests.ts
 * ```
 *
 * @module
 */

const interopDir = new URL("../tests/interop/", import.meta.url);
const lockFile = new URL("package-lock.json", interopDir);
const modulesDir = new URL("node_modules/", interopDir);
const stampFile = new URL(".package-lock.sha256", modulesDir);
const requiredPackages = ["node-eventstore-client", "protobufjs"];

/** Hex SHA-256 of a file's bytes. */
async function sha256(file: URL): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    await Deno.readFile(file),
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** Reads a text file, or undefined when it does not exist. */
async function readTextOrUndefined(file: URL): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Whether every required package has its package.json in node_modules. */
async function packagesPresent(): Promise<boolean> {
  for (const name of requiredPackages) {
    const manifest = await readTextOrUndefined(
      new URL(`${name}/package.json`, modulesDir),
    );
    if (manifest === undefined) return false;
  }
  return true;
}

/** Runs a command, returning its exit status and combined output; undefined when not installed. */
async function run(
  command: string,
  args: string[],
): Promise<{ success: boolean; output: string } | undefined> {
  try {
    const result = await new Deno.Command(command, {
      args,
      cwd: interopDir,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NPM_CONFIG_UPDATE_NOTIFIER: "false", NPM_CONFIG_FUND: "false" },
    }).output();
    const text = new TextDecoder();
    return {
      success: result.success,
      output: text.decode(result.stdout) + text.decode(result.stderr),
    };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

function fail(message: string): never {
  console.error(`setup_tests: ${message}`);
  Deno.exit(1);
}

async function main(): Promise<void> {
  const wanted = await sha256(lockFile);
  const installed = (await readTextOrUndefined(stampFile))?.trim();
  if (installed === wanted && await packagesPresent()) return;

  for (const tool of ["node", "npm"]) {
    const probe = await run(tool, ["--version"]);
    // Deno answers for a missing `node` itself (it runs `deno` instead), so check the version text.
    if (
      probe === undefined || !probe.success ||
      !/^v?\d+\.\d+/.test(probe.output.trim())
    ) {
      fail(
        `"${tool}" was not found on PATH (or does not run). The interop tests run ` +
          `node-eventstore-client under Node.js: install Node.js 18 or later with npm, then ` +
          `run "deno task test" again.` +
          (probe && !probe.output.trimStart().startsWith("deno") ? `\n${probe.output}` : ""),
      );
    }
  }

  console.error("setup_tests: installing tests/interop node modules (npm ci)…");
  const install = await run("npm", [
    "ci",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
  ]);
  if (install === undefined || !install.success) {
    fail(
      `"npm ci" failed in tests/interop:\n${install?.output ?? "npm not found"}`,
    );
  }
  if (!await packagesPresent()) {
    fail(
      `"npm ci" succeeded but ${
        requiredPackages.join(" and ")
      } are not in tests/interop/node_modules`,
    );
  }
  await Deno.writeTextFile(stampFile, `${wanted}\n`);
}

if (import.meta.main) await main();
