import assert from "node:assert/strict";
import { FrameDecoderStream } from "../../lib/wire/frame_decoder_stream.ts";
import { Heartbeat, type HeartbeatMode } from "../../lib/wire/heartbeat.ts";
import { encodePackage } from "../../lib/wire/package_codec.ts";
import { ManualClock } from "../support/manual_clock.ts";

function setup(mode?: HeartbeatMode, interval = 750, timeout = 1500) {
  const clock = new ManualClock();
  const log: string[] = [];
  const heartbeat = new Heartbeat({
    interval,
    timeout,
    clock,
    mode,
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
    assert.equal(clock.pending, 0, "nothing is scheduled after the timeout");
    clock.advance(10_000);
    assert.deepEqual(log, ["request@750", "timeout@2250"], "the timeout is reported once");
  },
});

Deno.test({
  name: "received bytes reset the heartbeat: no request while traffic flows",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setup();
    heartbeat.start();
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      heartbeat.received();
    }
    assert.deepEqual(log, []);
    // Ticks every 750 ms; the one at 5250 saw the bytes of 5000, the one at 6000 saw nothing.
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
  name: "bytes that arrive after a request but before its timeout keep the connection",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setup();
    heartbeat.start();
    clock.advance(750);
    clock.advance(1499);
    heartbeat.received();
    clock.advance(1);
    assert.deepEqual(log, ["request@750"]);
    // Back to the interval: the next silent interval sends a new request.
    clock.advance(750);
    assert.deepEqual(log, ["request@750", "request@3000"]);
    heartbeat.stop();
  },
});

Deno.test({
  name: "a package that arrives slower than the heartbeat timeout but steadily is never cut",
  permissions: "none",
  async fn() {
    const { clock, log, heartbeat } = setup();
    const decoder = new FrameDecoderStream({ onBytes: () => heartbeat.received() });
    const bytes = encodePackage({
      command: 0x82,
      correlationId: crypto.randomUUID(),
      payload: new Uint8Array(256 * 1024).fill(5),
    });
    const writer = decoder.writable.getWriter();
    const reader = decoder.readable.getReader();
    const first = reader.read(); // a pending read lets the stage consume what is written
    heartbeat.start();
    // 4 KiB every 2 s: the package takes 128 s, 57 times the 2.25 s after which silence is
    // fatal, yet bytes never stop for that long. Counting whole packages would cut it at 2.25 s.
    for (let at = 0; at < bytes.length; at += 4096) {
      await writer.write(bytes.slice(at, at + 4096));
      clock.advance(2000);
    }
    const { value } = await first;
    assert.equal(value?.payload.length, 256 * 1024);
    assert.ok(clock.now() > 120_000);
    assert.ok(!log.some((entry) => entry.startsWith("timeout")), log.join(", "));
    assert.ok(log.length > 0, "the pauses between chunks do send requests");
    // When the bytes stop, the connection is given up within interval + timeout.
    clock.advance(2250);
    assert.match(log.at(-1)!, /^timeout@/);
    await writer.close();
    await reader.read();
  },
});

Deno.test({
  name: "a server-mode heartbeat also sends a request when it sent nothing during an interval",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setup("server", 2000, 1000);
    heartbeat.start();
    // The client talks, the server stays silent: a request at each interval, no timeout.
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      heartbeat.received();
      clock.advance(1000);
    }
    assert.deepEqual(log, ["request@2000", "request@4000", "request@6000"]);
    // Now the server sends too: no request.
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      heartbeat.received();
      heartbeat.sent();
      clock.advance(1000);
    }
    assert.deepEqual(log, ["request@2000", "request@4000", "request@6000"]);
    // Silence from the client: request, then the timeout.
    clock.advance(2000);
    clock.advance(1000);
    assert.deepEqual(log.slice(3), ["request@14000", "timeout@15000"]);
  },
});

Deno.test({
  name: "bytes sent are no sign of life: only received bytes keep a connection",
  permissions: "none",
  fn() {
    for (const mode of ["client", "server"] as const) {
      const { clock, log, heartbeat } = setup(mode);
      heartbeat.start();
      for (let i = 0; i < 9; i++) {
        clock.advance(250);
        heartbeat.sent();
      }
      assert.deepEqual(log, ["request@750", "timeout@2250"], mode);
    }
  },
});

Deno.test({
  name: "stop() and dispose cancel the timer",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setup();
    heartbeat.start();
    heartbeat.stop();
    heartbeat.stop();
    clock.advance(10_000);
    assert.deepEqual(log, []);
    assert.equal(clock.pending, 0);
    {
      using disposed = heartbeat;
      disposed.start();
      assert.equal(clock.pending, 1);
    }
    assert.equal(clock.pending, 0);
  },
});

/** A clock whose timers fire late by whatever `block()` added, as after a blocked event loop. */
class BlockableClock extends ManualClock {
  #skew = 0;
  override now(): number {
    return super.now() + this.#skew;
  }
  /** Time passes without any timer firing, as while a synchronous handler runs. */
  block(ms: number): void {
    this.#skew += ms;
  }
}

function setupBlockable(interval = 750, timeout = 1500) {
  const clock = new BlockableClock();
  const log: string[] = [];
  const heartbeat = new Heartbeat({
    interval,
    timeout,
    clock,
    sendRequest: () => log.push("request"),
    onTimeout: () => log.push("timeout"),
  });
  return { clock, log, heartbeat };
}

Deno.test({
  name: "a timeout timer that fires late after a blocked event loop waits for the bytes it missed",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setupBlockable();
    heartbeat.start();
    clock.advance(750);
    assert.deepEqual(log, ["request"]);
    clock.block(3000); // the loop is blocked: the peer's answer sits unread in the socket
    clock.advance(1500); // the timeout fires 3 s late
    assert.deepEqual(log, ["request"], "a late timer is not a dead peer");
    heartbeat.received(); // the loop is back and reads the answer
    clock.advance(1500);
    assert.deepEqual(log, ["request"]);
    heartbeat.stop();
  },
});

Deno.test({
  name: "silence after a blocked event loop still ends in a heartbeat timeout, one timeout later",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setupBlockable();
    heartbeat.start();
    clock.advance(750);
    clock.block(3000);
    clock.advance(1500);
    assert.deepEqual(log, ["request"]);
    clock.advance(1500); // on time, and nothing arrived since the loop came back
    assert.deepEqual(log, ["request", "timeout"]);
    assert.equal(clock.pending, 0);
  },
});

Deno.test({
  name: "a timer late by less than a quarter of the timeout still times out",
  permissions: "none",
  fn() {
    const { clock, log, heartbeat } = setupBlockable();
    heartbeat.start();
    clock.advance(750);
    clock.block(300);
    clock.advance(1500);
    assert.deepEqual(log, ["request", "timeout"]);
  },
});
