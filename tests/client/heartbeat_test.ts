import assert from "node:assert/strict";
import { Heartbeat } from "../../lib/client/heartbeat.ts";
import { ManualClock } from "../support/manual_clock.ts";

function setup() {
  const clock = new ManualClock();
  const log: string[] = [];
  const heartbeat = new Heartbeat({
    interval: 750,
    timeout: 1500,
    clock,
    sendRequest: () => log.push(`request@${clock.now()}`),
    onTimeout: () => log.push(`timeout@${clock.now()}`),
  });
  return { clock, log, heartbeat };
}

Deno.test({
  name: "a heartbeat request goes out after an idle interval and a timeout follows silence",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setup();
    heartbeat.start();
    clock.advance(749);
    assert.deepEqual(log, []);
    clock.advance(1);
    assert.deepEqual(log, ["request@750"]);
    clock.advance(1500);
    assert.deepEqual(log, ["request@750", "timeout@2250"]);
    heartbeat.stop();
  },
});

Deno.test({
  name: "a received package resets the heartbeat: no request while traffic flows",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setup();
    heartbeat.start();
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      heartbeat.received();
    }
    assert.deepEqual(log, []);
    // Ticks every 750 ms; the one at 5250 saw the package of 5000, the one at 6000 saw nothing.
    clock.advance(1500);
    assert.deepEqual(log, ["request@6000"]);
    heartbeat.received(); // the answer
    clock.advance(1500);
    assert.deepEqual(log, ["request@6000"]);
    heartbeat.stop();
    assert.equal(clock.pending, 0);
  },
});

Deno.test({
  name: "stop() cancels the timer",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setup();
    heartbeat.start();
    heartbeat.stop();
    heartbeat.stop();
    clock.advance(10_000);
    assert.deepEqual(log, []);
    assert.equal(clock.pending, 0);
  },
});
