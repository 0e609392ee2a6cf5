import assert from "node:assert/strict";
import { median, medianPercentiles, percentile, percentiles, spread } from "./stats.ts";

Deno.test("percentile() takes the nearest rank of sorted values", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
  assert.equal(percentile(values, 0), 1);
  assert.equal(percentile([7], 99), 7);
});

Deno.test("percentile() rejects an empty list and a rank outside 0-100", () => {
  assert.throws(() => percentile([], 50), RangeError);
  assert.throws(() => percentile([1], 101), /Invalid percentile 101: expected 0 to 100/);
  assert.throws(() => percentile([1], Number.NaN), RangeError);
});

Deno.test("percentiles() sorts unordered latencies without changing them", () => {
  const latencies = [5, 1, 4, 2, 3];
  assert.deepEqual(percentiles(latencies), { p50: 3, p90: 5, p99: 5, max: 5 });
  assert.deepEqual(latencies, [5, 1, 4, 2, 3]);
});

Deno.test("median() of an even count is the mean of the middle two", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), RangeError);
});

Deno.test("spread() gives the range relative to the median, in percent", () => {
  assert.deepEqual(spread([110, 90, 100]), {
    median: 100,
    min: 90,
    max: 110,
    spreadPct: 20,
    passes: [110, 90, 100],
  });
  assert.equal(spread([42]).spreadPct, 0);
});

Deno.test("medianPercentiles() takes the median of each percentile across passes", () => {
  const runs = [
    { p50: 1, p90: 10, p99: 100, max: 1000 },
    { p50: 3, p90: 30, p99: 300, max: 3000 },
    { p50: 2, p90: 20, p99: 200, max: 2000 },
  ];
  assert.deepEqual(medianPercentiles(runs), { p50: 2, p90: 20, p99: 200, max: 2000 });
});
