import assert from "node:assert/strict";
import { STATE_STREAM_BUFFER, StateBroadcaster } from "../../../lib/client/connection_state.ts";
import type { ConnectionState } from "../../../lib/client/connection_state.ts";

const unit = { permissions: "none" } as const;
const connected: ConnectionState = { status: "connected", name: "c" };
const reconnecting = (attempt: number): ConnectionState => ({
  status: "reconnecting",
  name: "c",
  attempt,
  error: undefined,
});
const closed: ConnectionState = { status: "closed", name: "c", error: undefined };

Deno.test(
  "watch() listeners see every change until stopped, and a throwing one does not stop others",
  unit,
  () => {
    const states = new StateBroadcaster({ status: "connecting", name: "c" });
    const seen: string[] = [];
    states.watch(() => {
      throw new Error("bad listener");
    });
    const stop = states.watch((s) => seen.push(s.status));
    states.set(connected);
    stop();
    states.set(closed);
    assert.deepEqual(seen, ["connected"]);
    assert.equal(states.current, closed);
  },
);

Deno.test(
  "stream() yields the current state, then the changes, and ends after closed",
  unit,
  async () => {
    const states = new StateBroadcaster({ status: "connecting", name: "c" });
    const stream = states.stream();
    states.set(connected);
    states.set(reconnecting(1));
    states.set(connected);
    states.set(closed);
    const seen: string[] = [];
    for await (const s of stream) seen.push(s.status);
    assert.deepEqual(seen, ["connecting", "connected", "reconnecting", "connected", "closed"]);
  },
);

Deno.test(
  "stream() keeps only the latest states for a reader that falls behind",
  unit,
  async () => {
    const states = new StateBroadcaster(connected);
    const stream = states.stream();
    for (let attempt = 1; attempt <= 40; attempt++) states.set(reconnecting(attempt));
    states.set(closed);
    const seen: ConnectionState[] = [];
    for await (const s of stream) seen.push(s);
    assert.equal(seen.length, STATE_STREAM_BUFFER);
    assert.equal(seen.at(-1), closed);
    assert.deepEqual(
      seen.slice(0, -1).map((s) => s.status === "reconnecting" && s.attempt),
      Array.from({ length: STATE_STREAM_BUFFER - 1 }, (_, i) => 40 - STATE_STREAM_BUFFER + 2 + i),
    );
  },
);

Deno.test(
  "stream() ends when its signal aborts or its reader cancels, and stops listening",
  unit,
  async () => {
    const states = new StateBroadcaster(connected);
    const controller = new AbortController();
    const reader = states.stream(controller.signal).getReader();
    assert.equal((await reader.read()).value, connected);
    const pending = reader.read();
    controller.abort();
    assert.equal((await pending).done, true);
    const second = states.stream().getReader();
    await second.read();
    await second.cancel();
    let calls = 0;
    states.watch(() => calls++);
    states.set(closed);
    assert.equal(calls, 1);
  },
);

Deno.test("stream() of a closed broadcaster yields closed and ends", unit, async () => {
  const states = new StateBroadcaster(closed);
  const seen: ConnectionState[] = [];
  for await (const s of states.stream()) seen.push(s);
  assert.deepEqual(seen, [closed]);
});
