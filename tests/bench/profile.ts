/**
 * Summarises a V8 CPU profile (`deno task bench --cpu-prof` writes one per photonpump process):
 * `deno run -A tests/bench/profile.ts FILE.cpuprofile [TOP]`. Prints self time per function,
 * as a share of busy time (samples that are not `(idle)`), and the busy share of the whole.
 *
 * @module
 */

/** One node of a `.cpuprofile` call tree. */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

/** What a `.cpuprofile` file holds (the parts used here). */
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time of one function. */
export interface SelfTime {
  /** `name (file:line)`. */
  readonly frame: string;
  /** Microseconds. */
  readonly micros: number;
}

/**
 * Self time per function, heaviest first, and the total of samples other than `(idle)`.
 *
 * @example
 * ```ts ignore
 * import { selfTimes } from "./profile.ts";
 * const { busy, functions } = selfTimes(JSON.parse(await Deno.readTextFile("W4.cpuprofile")));
 * ```
 */
export function selfTimes(
  profile: CpuProfile,
): { busy: number; total: number; functions: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const micros = new Map<string, number>();
  let total = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    const file = frame.url.replace(/^.*\/(lib|tests|gen|node_modules|ext)\//, "$1/");
    const key = frame.url === ""
      ? frame.functionName || "(anonymous)"
      : `${frame.functionName || "(anonymous)"} (${file}:${frame.lineNumber + 1})`;
    micros.set(key, (micros.get(key) ?? 0) + delta);
    total += delta;
    if (frame.functionName !== "(idle)") busy += delta;
  });
  const functions = [...micros].map(([frame, us]) => ({ frame, micros: us }))
    .sort((a, b) => b.micros - a.micros);
  return { busy, total, functions };
}

if (import.meta.main) {
  const [file, topArg] = Deno.args;
  if (file === undefined) throw new TypeError("Usage: profile.ts FILE.cpuprofile [TOP]");
  const top = Number(topArg ?? 25);
  const { busy, total, functions } = selfTimes(JSON.parse(await Deno.readTextFile(file)));
  console.log(
    `${file}: ${(total / 1000).toFixed(0)} ms sampled, busy ${(busy / 1000).toFixed(0)} ms ` +
      `(${((busy / total) * 100).toFixed(0)}%)`,
  );
  for (const { frame, micros } of functions.filter((f) => f.frame !== "(idle)").slice(0, top)) {
    console.log(`${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${frame}`);
  }
}
