import assert from "node:assert/strict";
import { escapeXml, renderChart } from "./chart.ts";
import { type BenchResults, formatTable, si } from "./results.ts";
import { spread } from "./stats.ts";

function results(): BenchResults {
  return {
    date: "2026-12-01T21:00:00.000Z",
    command: "deno task bench",
    quick: false,
    passes: 3,
    commit: "abc1234",
    machine: { cores: 2, cpu: "Test <CPU> & co", os: "linux 6", memoryGiB: 24 },
    versions: { photonpump: "0.1.0", "node-eventstore-client": "23.10.1" },
    workloads: [
      {
        name: "W1",
        title: "sequential single appends",
        ours: {
          evPerSec: spread([4800, 5000, 4900]),
          latencyMs: { p50: 0.19, p90: 0.3, p99: 0.63, max: 2 },
        },
        peer: { evPerSec: spread([4600, 4600, 4600]) },
        ratio: spread([1.04, 1.09, 1.07]),
        ceiling: { name: "memstore alone", evPerSec: 9000 },
        oursToCeiling: 0.54,
      },
      {
        name: "W7",
        title: "iter() over 1,000,000 events",
        ours: { evPerSec: spread([203_000]) },
        extra: { rssAfterWarmupMiB: 139, rssPeakMiB: 146, growthMiB: 7 },
      },
    ],
    ceilings: {
      decodeJsonEvPerSec: spread([817_000]),
      loopbackBytesPerSec: spread([1.4e9]),
      loopbackRoundTripsPerSec: spread([14_700]),
      memstore: { W1: spread([9000]) },
    },
    memory: {
      server: {
        events: 100_000,
        heapExternalBytesPerEvent: 700,
        heapBytesPerEvent: 500,
        rssBytesPerEvent: 900,
      },
      retained: { events: 10_000, oursBytesPerEvent: 600, peerBytesPerEvent: 1200, ratio: 0.5 },
    },
  };
}

Deno.test("si() keeps three significant digits with k, M and G", () => {
  assert.equal(si(693), "693");
  assert.equal(si(4_812), "4.81k");
  assert.equal(si(188_400), "188k");
  assert.equal(si(1_400_000_000), "1.40G");
  assert.equal(si(Number.NaN), "-");
});

Deno.test("escapeXml() escapes the five XML special characters", () => {
  assert.equal(
    escapeXml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;",
  );
});

Deno.test("renderChart() draws a bar per client and ceiling, with the run's date, machine and versions", () => {
  const svg = renderChart(results());
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.match(svg, /2026-12-01 21:00 UTC/);
  assert.match(svg, /Test &lt;CPU&gt; &amp; co, 2 cores/);
  assert.match(svg, /node-eventstore-client 23\.10\.1/);
  // W1: ours, peer and ceiling; W7: ours and ceiling only.
  assert.equal(svg.match(/<rect [^>]*><title>/g)?.length, 3 + 1);
  assert.match(svg, /<title>W1 ours: 4\.90k ev\/s<\/title>/);
  assert.match(svg, /<title>W1 peer: 4\.60k ev\/s<\/title>/);
  assert.match(svg, /1\.07x/);
  assert.match(svg, /ours only/);
  assert.doesNotMatch(svg, /NaN|undefined/);
});

Deno.test("formatTable() prints one line per workload with ratio and share of the ceiling", () => {
  const table = formatTable(results());
  const w1 = table.split("\n").find((line) => line.startsWith("W1 "));
  assert.ok(w1, table);
  assert.match(w1, /4\.90k ±4%/);
  assert.match(w1, /1\.07x/);
  assert.match(w1, /9\.00k \(memstore alone\)/);
  assert.match(w1, /54%/);
  assert.match(w1, /0\.19\/0\.63/);
  assert.match(table, /W7 RSS: 139 MiB after warm-up, peak 146 MiB \(\+7\.0 MiB\)/);
  assert.match(table, /ours 600 B, peer 1200 B per event \(0\.50x\)/);
});
