import assert from "node:assert/strict";
import { connect } from "../../../mod.ts";

/** Starts `deno task server` in its own process (so it keeps running while this loop is blocked). */
async function startServerProcess() {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "lib/memstore/cli.ts", "--port", "0", "--http-port", "0"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`The memstore process ended before listening: ${seen}`);
    seen += value;
    url = /listening on (tcp:\/\/[^\s,]+)/.exec(seen)?.[1];
  }
  // Keep draining its output so that it never blocks on a full pipe.
  const drained = (async () => {
    while (!(await lines.read()).done) { /* discard */ }
  })();
  return {
    url,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await drained;
    },
  };
}

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) { /* a synchronous handler that takes `ms` */ }
}

Deno.test({
  name: "a client whose event loop is blocked for 3 s reports no heartbeat timeout of its own",
  async fn() {
    await using server = await startServerProcess();
    const lines: string[] = [];
    const record = (...args: unknown[]) => lines.push(args.map(String).join(" "));
    await using conn = await connect(server.url, {
      logger: { debug: () => {}, info: record, warn: record, error: record },
    });
    await conn.publishEvent("blocked-loop", "before", { body: { n: 1 } });
    // Block after the client's heartbeat request (sent at the first tick that heard nothing,
    // 1500 ms after the publish) went out, so that its
    // timeout timer is running and fires late.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    blockEventLoop(3000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // The server may have dropped us for not answering its own heartbeats in time (the real
    // server does the same); then the client reconnects. What it must not do is give up on a
    // healthy server because of its own late timer.
    await conn.publishEvent("blocked-loop", "after", { body: { n: 2 } });
    const events = await conn.get("blocked-loop");
    assert.deepEqual(events.map((e) => e.event?.type), ["before", "after"]);
    assert.deepEqual(
      lines.filter((line) => /stopped answering heartbeats/.test(line)),
      [],
      `client log:\n${lines.join("\n")}`,
    );
  },
});
