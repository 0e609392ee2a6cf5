import assert from "node:assert/strict";
import { ServerHeartbeat } from "../../lib/memstore/server_heartbeat.ts";
import { ManualClock } from "../support/manual_clock.ts";

function watch(clock: ManualClock, received: () => number) {
  const events: string[] = [];
  const heartbeat = new ServerHeartbeat({
    clock,
    intervalMs: 2000,
    timeoutMs: 1000,
    received,
    sendRequest: () => events.push("request"),
    timedOut: () => events.push("timeout"),
  });
  heartbeat.start();
  return { events, heartbeat };
}

Deno.test({
  name: "ServerHeartbeat: a peer whose bytes keep arriving slowly is never timed out",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    let bytes = 0;
    const { events, heartbeat } = watch(clock, () => bytes);
    // 8 MiB at 2 MiB/s in 100 ms steps: no package completes for 4 s, bytes arrive all along.
    for (let t = 0; t < 4000; t += 100) {
      bytes += 200 * 1024;
      clock.advance(100);
    }
    assert.ok(!events.includes("timeout"), events.join(","));
    heartbeat.stop();
    assert.equal(clock.pending, 0);
  },
});

Deno.test({
  name: "ServerHeartbeat: a silent peer gets a request after the interval and a timeout after it",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    const { events } = watch(clock, () => 0);
    clock.advance(1999);
    assert.deepEqual(events, []);
    clock.advance(1);
    assert.deepEqual(events, ["request"]);
    clock.advance(999);
    assert.deepEqual(events, ["request"]);
    clock.advance(1);
    assert.deepEqual(events, ["request", "timeout"]);
    assert.equal(clock.pending, 0);
  },
});

Deno.test({
  name: "ServerHeartbeat: a byte arriving during the timeout keeps the connection",
  permissions: "none",
  fn() {
    const clock = new ManualClock();
    let bytes = 0;
    const { events, heartbeat } = watch(clock, () => bytes);
    clock.advance(2000);
    bytes = 1;
    clock.advance(1000);
    assert.deepEqual(events, ["request"]);
    heartbeat.stop();
    heartbeat.stop();
    assert.equal(clock.pending, 0);
  },
});
