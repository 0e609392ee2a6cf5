import assert from "node:assert/strict";
import {
  constantBackoff,
  DEFAULT_RECONNECTION_DELAY_MS,
  exponentialBackoff,
} from "../../lib/client/backoff.ts";

const unit = { permissions: "none" } as const;

Deno.test("constantBackoff() defaults to the .NET client's 100 ms reconnection delay", unit, () => {
  const delay = constantBackoff();
  assert.equal(DEFAULT_RECONNECTION_DELAY_MS, 100);
  assert.deepEqual([1, 2, 3, 50].map(delay), [100, 100, 100, 100]);
});

Deno.test("constantBackoff(ms) returns ms for every attempt", unit, () => {
  assert.deepEqual([1, 9].map(constantBackoff(0)), [0, 0]);
  assert.deepEqual([1, 9].map(constantBackoff(250)), [250, 250]);
});

Deno.test("constantBackoff() rejects a negative or non-finite delay with RangeError", unit, () => {
  assert.throws(() => constantBackoff(-1), RangeError);
  assert.throws(() => constantBackoff(Number.NaN), RangeError);
  assert.throws(() => constantBackoff(Infinity), RangeError);
});

Deno.test("a backoff rejects attempt numbers that are not positive integers", unit, () => {
  for (const backoff of [constantBackoff(), exponentialBackoff()]) {
    assert.throws(() => backoff(0), /attempts are counted from 1/);
    assert.throws(() => backoff(-3), RangeError);
    assert.throws(() => backoff(1.5), RangeError);
    assert.throws(() => backoff(Number.NaN), RangeError);
  }
});

Deno.test("exponentialBackoff() doubles from 100 ms up to the 10 s cap by default", unit, () => {
  const delay = exponentialBackoff();
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8, 9].map(delay),
    [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000],
  );
});

Deno.test("exponentialBackoff() honours initialMs, factor and maxMs", unit, () => {
  const delay = exponentialBackoff({ initialMs: 10, factor: 3, maxMs: 500 });
  assert.deepEqual([1, 2, 3, 4, 5].map(delay), [10, 30, 90, 270, 500]);
});

Deno.test("exponentialBackoff() stays at the cap for huge attempt numbers", unit, () => {
  const delay = exponentialBackoff({ maxMs: 1234 });
  assert.equal(delay(10_000), 1234);
  assert.equal(delay(Number.MAX_SAFE_INTEGER), 1234);
});

Deno.test("exponentialBackoff() jitter subtracts jitter * random() of the delay", unit, () => {
  const draws = [0, 0.5, 0.999];
  let i = 0;
  const delay = exponentialBackoff({
    initialMs: 1000,
    factor: 1,
    jitter: 0.5,
    random: () => draws[i++],
  });
  assert.equal(delay(1), 1000);
  assert.equal(delay(1), 750);
  assert.equal(delay(1), 1000 - 1000 * 0.5 * 0.999);
  assert.equal(i, 3);
});

Deno.test("exponentialBackoff() full jitter stays within [0, capped delay]", unit, () => {
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const delay = exponentialBackoff({ initialMs: 50, maxMs: 800, jitter: 1, random });
  for (let attempt = 1; attempt <= 200; attempt++) {
    const cap = Math.min(800, 50 * 2 ** (attempt - 1));
    const ms = delay(attempt);
    assert.ok(ms >= 0 && ms <= cap, `attempt ${attempt}: ${ms} not in [0, ${cap}]`);
  }
});

Deno.test("exponentialBackoff() without jitter never calls the random source", unit, () => {
  const delay = exponentialBackoff({
    random: () => {
      throw new Error("random() called");
    },
  });
  assert.equal(delay(2), 200);
});

Deno.test("exponentialBackoff() rejects out-of-range options with RangeError", unit, () => {
  assert.throws(() => exponentialBackoff({ initialMs: -1 }), /initialMs/);
  assert.throws(() => exponentialBackoff({ maxMs: Number.NaN }), /maxMs/);
  assert.throws(() => exponentialBackoff({ factor: 0.5 }), /factor/);
  assert.throws(() => exponentialBackoff({ jitter: 1.5 }), /jitter/);
  assert.throws(() => exponentialBackoff({ jitter: -0.1 }), /jitter/);
});

Deno.test(
  "exponentialBackoff() rejects a random source returning values outside [0, 1)",
  unit,
  () => {
    const delay = exponentialBackoff({ jitter: 1, random: () => 1 });
    assert.throws(() => delay(1), /random source/);
  },
);
