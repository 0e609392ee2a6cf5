import assert from "node:assert/strict";
import { exponentialBackoff } from "../../../lib/client/backoff.ts";
import { DEFAULTS } from "../../../lib/client/defaults.ts";
import { resolveCount, resolveReconnection } from "../../../lib/client/reconnection_policy.ts";

const unit = { permissions: "none" } as const;

Deno.test(
  "resolveReconnection() defaults to the .NET client's 100 ms delay and 10 attempts",
  unit,
  () => {
    const policy = resolveReconnection(undefined);
    assert.equal(policy.delay(1), 100);
    assert.equal(policy.delay(9), 100);
    assert.equal(policy.maxAttempts, DEFAULTS.maxReconnections);
    assert.equal(DEFAULTS.maxReconnections, 10);
  },
);

Deno.test(
  "resolveReconnection() takes a constant delay, a backoff function, a count or forever",
  unit,
  () => {
    assert.equal(resolveReconnection({ delay: 250 }).delay(4), 250);
    const backoff = exponentialBackoff({ initialMs: 10, maxMs: 50 });
    assert.deepEqual([1, 2, 3, 4].map(resolveReconnection({ delay: backoff }).delay), [
      10,
      20,
      40,
      50,
    ]);
    assert.equal(resolveReconnection({ maxAttempts: 3 }).maxAttempts, 3);
    assert.equal(resolveReconnection({ maxAttempts: "forever" }).maxAttempts, Infinity);
    assert.equal(resolveReconnection(false).maxAttempts, 0);
  },
);

Deno.test("resolveReconnection() rejects unknown keys and bad values, naming them", unit, () => {
  assert.throws(
    () => resolveReconnection({ retries: 3 } as never),
    /Unknown reconnection option "retries"/,
  );
  assert.throws(
    () => resolveReconnection({ delay: "1s" } as never),
    /"delay": expected ms or a function/,
  );
  assert.throws(() => resolveReconnection({ delay: -1 }), RangeError);
  assert.throws(() => resolveReconnection({ maxAttempts: 1.5 }), /"maxAttempts" 1.5/);
  assert.throws(() => resolveReconnection(3 as never), TypeError);
});

Deno.test("resolveCount() accepts integers >= 0 and forever", unit, () => {
  assert.equal(resolveCount(undefined, 10, "maxRetries"), 10);
  assert.equal(resolveCount(0, 10, "maxRetries"), 0);
  assert.equal(resolveCount("forever", 10, "maxRetries"), Infinity);
  assert.throws(() => resolveCount(-1, 10, "maxRetries"), /Invalid option "maxRetries" -1/);
});
