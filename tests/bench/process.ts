/**
 * Child processes of the bench: finding Node.js, splitting output into lines, and running one
 * workload process that prints its result as the last JSON line on stdout.
 *
 * @module
 */

/** Splits a byte stream into text lines (without the line breaks). */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
  if (buffered !== "") yield buffered;
}

let nodePath: Promise<string> | undefined;

/**
 * The absolute path of Node.js on PATH, skipping Deno itself (Deno answers for a missing `node`
 * and may put a `node` link to itself on its children's PATH).
 *
 * @throws {Error} when no Node.js is on PATH
 */
export function findNode(): Promise<string> {
  nodePath ??= (async () => {
    const deno = await Deno.realPath(Deno.execPath());
    for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
      if (dir === "") continue;
      const candidate = `${dir.replace(/\/+$/, "")}/node`;
      try {
        const real = await Deno.realPath(candidate);
        if (real !== deno && !/\/deno$/.test(real) && (await Deno.stat(real)).isFile) {
          return candidate;
        }
      } catch {
        // not in this directory
      }
    }
    throw new Error(
      "Node.js was not found on PATH: the bench runs node-eventstore-client under Node.js; " +
        "install Node.js 18 or later with npm",
    );
  })();
  return nodePath;
}

/** How to start one workload process. */
export interface ChildCommand {
  /** Executable. */
  readonly command: string;
  /** Arguments. */
  readonly args: readonly string[];
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Longest the process may run, in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * Runs a process to completion and returns the parsed last line of its stdout.
 *
 * @throws {Error} with the process's stderr when it fails, times out or prints no JSON
 */
export async function runJson(child: ChildCommand): Promise<unknown> {
  const output = await new Deno.Command(child.command, {
    args: [...child.args],
    env: { ...child.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(child.timeoutMs),
  }).output();
  const text = new TextDecoder();
  const stdout = text.decode(output.stdout).trim();
  const stderr = text.decode(output.stderr).trim();
  const name = `${child.command.split("/").at(-1)} ${child.args.join(" ")}`;
  if (!output.success) {
    throw new Error(
      `Bench process "${name}" failed (exit code ${output.code}` +
        `${output.signal ? `, signal ${output.signal}` : ""}):\n${stderr}\n${stdout}`,
    );
  }
  const last = stdout.split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`Bench process "${name}" printed no JSON result:\n${stdout}\n${stderr}`);
  }
}
