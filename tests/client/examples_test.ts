import assert from "node:assert/strict";

Deno.test("examples/demo.ts writes Gil's player_created event, reads it back and exits 0", async () => {
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  delete env.EVENTSTORE_URL; // the demo must start its own memstore here
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../examples/demo.ts", import.meta.url).pathname],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.match(out, /Started the in-memory EventStore on 127\.0\.0\.1:\d+/);
  assert.match(out, /^player_created \{"name":"Gil"\}$/m);
  assert.match(out, /Read 1 event\(s\) from the stream "adventure"/);
  assert.match(out, /reader read it back as event number 0/);
});
