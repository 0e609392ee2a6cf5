/**
 * `docs/bench.svg`: events/s per workload, photonpump beside node-eventstore-client and the
 * ceiling that applies, on a log scale, with the date, machine and versions of the run. Plain
 * SVG text, no dependency. `deno run -A tests/bench/chart.ts results.json out.svg` redraws the
 * chart of a saved run.
 *
 * @module
 */

import { type BenchResults, si } from "./results.ts";

const WIDTH = 960;
const HEIGHT = 530;
const PLOT = { left: 70, right: 20, top: 84, bottom: 140 };
const COLORS = { ours: "#2563eb", peer: "#f59e0b", ceiling: "#9ca3af" };

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

function text(
  x: number,
  y: number,
  content: string,
  attrs: Record<string, string | number> = {},
): string {
  const extra = Object.entries(attrs).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join("");
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${extra}>${escapeXml(content)}</text>`;
}

/**
 * Renders the chart of one run.
 *
 * @example
 * ```ts ignore
 * import { renderChart } from "./chart.ts";
 * await Deno.writeTextFile("docs/bench.svg", renderChart(results));
 * ```
 */
export function renderChart(results: BenchResults): string {
  const bars = results.workloads.map((w) => ({
    name: w.name,
    title: w.title,
    ours: w.ours.evPerSec.median,
    peer: w.peer?.evPerSec.median,
    ceiling: w.ceiling?.evPerSec,
    ceilingName: w.ceiling?.name,
    ratio: w.ratio?.median,
  }));
  const values = bars.flatMap((b) => [b.ours, b.peer, b.ceiling])
    .filter((v): v is number => v !== undefined && v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const y = (v: number) => PLOT.top + plotH - ((Math.log10(v) - lo) / (hi - lo)) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" ` +
      `viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(
      PLOT.left,
      26,
      "photonpump vs node-eventstore-client: events/s per workload (log scale, higher is better)",
      { "font-size": 16, "font-weight": "bold", fill: "#111827" },
    ),
    text(
      PLOT.left,
      46,
      `${results.date.slice(0, 16).replace("T", " ")} UTC · ${results.machine.cpu}, ` +
        `${results.machine.cores} cores, ${results.machine.os} · ` +
        `${results.quick ? "quick smoke run" : `median of ${results.passes} interleaved passes`}`,
      { fill: "#374151" },
    ),
    text(
      PLOT.left,
      64,
      Object.entries(results.versions).map(([k, v]) => `${k} ${v}`).join(" · "),
      { fill: "#374151" },
    ),
  );
  for (let p = lo; p <= hi; p++) {
    const gy = y(10 ** p);
    out.push(
      `<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${gy.toFixed(1)}" y2="${
        gy.toFixed(1)
      }" stroke="#e5e7eb"/>`,
      text(PLOT.left - 8, gy + 4, powerOfTen(p), { "text-anchor": "end", fill: "#6b7280" }),
    );
  }
  const group = plotW / bars.length;
  const barW = Math.min(28, (group - 16) / 3);
  bars.forEach((b, i) => {
    const x0 = PLOT.left + i * group + (group - 3 * barW) / 2;
    const series = [
      ["ours", b.ours],
      ["peer", b.peer],
      ["ceiling", b.ceiling],
    ] as const;
    series.forEach(([kind, value], k) => {
      if (value === undefined || value <= 0) return;
      const x = x0 + k * barW;
      const top = y(value);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" ` +
          `height="${(PLOT.top + plotH - top).toFixed(1)}" fill="${COLORS[kind]}">` +
          `<title>${escapeXml(`${b.name} ${kind}: ${si(value)} ev/s`)}</title></rect>`,
        text(x + (barW - 2) / 2, top - 4, si(value), {
          "text-anchor": "middle",
          "font-size": 9,
          fill: "#111827",
        }),
      );
    });
    const cx = PLOT.left + i * group + group / 2;
    out.push(
      text(cx, PLOT.top + plotH + 18, b.name, {
        "text-anchor": "middle",
        "font-weight": "bold",
        fill: "#111827",
      }),
      ...wrap(b.title, 18).map((line, l) =>
        text(cx, PLOT.top + plotH + 33 + l * 13, line, {
          "text-anchor": "middle",
          "font-size": 10,
          fill: "#374151",
        })
      ),
      text(
        cx,
        PLOT.top + plotH + 76,
        b.ratio !== undefined ? `${b.ratio.toFixed(2)}x` : "ours only",
        { "text-anchor": "middle", "font-weight": "bold", fill: COLORS.ours },
      ),
    );
  });
  const legend: [keyof typeof COLORS, string][] = [
    ["ours", "photonpump"],
    ["peer", "node-eventstore-client"],
    ["ceiling", "ceiling (reads: protobuf-es decode+JSON; writes: the memstore alone)"],
  ];
  let lx = PLOT.left;
  for (const [kind, label] of legend) {
    out.push(
      `<rect x="${lx}" y="${HEIGHT - 42}" width="12" height="12" fill="${COLORS[kind]}"/>`,
      text(lx + 17, HEIGHT - 32, label, { fill: "#111827" }),
    );
    lx += 40 + label.length * 7.2;
  }
  out.push(
    text(
      PLOT.left,
      HEIGHT - 12,
      "ratio under each workload = photonpump / node-eventstore-client events/s, median of the " +
        "per-pass ratios; W6 counts the catch-up history",
      { fill: "#6b7280" },
    ),
    "</svg>",
  );
  return out.join("\n") + "\n";
}

/** `100`, `1k`, `10k`, `1M` for the axis. */
function powerOfTen(p: number): string {
  if (p >= 6) return `${10 ** (p - 6)}M`;
  if (p >= 3) return `${10 ** (p - 3)}k`;
  return String(10 ** p);
}

/** Splits a title into lines of at most `width` characters at spaces. */
function wrap(title: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of title.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines.slice(0, 3);
}

if (import.meta.main) {
  const [input, output] = Deno.args;
  if (input === undefined || output === undefined) {
    throw new TypeError("Usage: chart.ts RESULTS.json OUT.svg");
  }
  await Deno.writeTextFile(output, renderChart(JSON.parse(await Deno.readTextFile(input))));
}
