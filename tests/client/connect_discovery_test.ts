import assert from "node:assert/strict";
import { connect } from "../../lib/client/client.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";

Deno.test("connect() with gossip seeds connects to the leader the gossip names", async () => {
  await using store = await startMemoryStore({ port: 0 });
  const member = (state: string, port: number) => ({
    instanceId: crypto.randomUUID(),
    state,
    isAlive: true,
    externalTcpIp: "127.0.0.1",
    externalTcpPort: port,
    externalSecureTcpPort: 0,
    httpEndPointIp: "127.0.0.1",
    httpEndPointPort: 2113,
  });
  let asked = 0;
  await using gossip = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    asked++;
    assert.equal(new URL(request.url).pathname, "/gossip");
    // The follower's port is closed: connecting there would fail.
    return Response.json({ members: [member("Follower", 1), member("Leader", store.port)] });
  });
  await using client = await connect({ discovery: { seeds: [`127.0.0.1:${gossip.addr.port}`] } });
  assert.equal(asked, 1);
  await client.publishEvent("found", "it", { body: { via: "gossip" } });
  const [event] = await client.get("found");
  assert.deepEqual(event.json(), { via: "gossip" });
});
