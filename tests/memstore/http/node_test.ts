import assert from "node:assert/strict";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import { call, startHttpStore } from "./support/http.ts";

Deno.test("GET /ping, /info and /gossip answer anyone: a single store gossips itself as the leader", async () => {
  await using store = await startHttpStore();
  const ping = await call(store, "GET", "/ping");
  assert.deepEqual(ping.json(), { text: "Ping request successfully handled" });
  const info = (await call(store, "GET", "/info")).json() as Record<string, unknown>;
  assert.equal(info.state, "leader");
  assert.match(String(info.esVersion), /^23\.10/);
  assert.equal(info.projectionsMode, "None");
  assert.deepEqual(info.features, { projections: false, userManagement: true, atomPub: true });
  const gossip = (await call(store, "GET", "/gossip?format=json")).json() as {
    members: Record<string, unknown>[];
    serverPort: number;
  };
  assert.equal(gossip.members.length, 1);
  assert.equal(gossip.members[0].state, "Leader");
  assert.equal(gossip.members[0].isAlive, true);
  assert.equal(gossip.members[0].externalTcpPort, store.port);
  assert.equal(gossip.members[0].httpEndPointPort, store.httpPort);
  assert.equal(gossip.serverPort, store.httpPort);
});

Deno.test("startMemoryStore serves HTTP only with httpPort: httpUrl is null without it, https with TLS", async () => {
  await using plain = await startMemoryStore({ port: 0 });
  assert.equal(plain.httpUrl, null);
  assert.equal(plain.httpPort, 0);
  await using http = await startMemoryStore({ port: 0, httpPort: 0 });
  assert.match(http.httpUrl!, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(http.httpPort, 0);
});

Deno.test("startMemoryStore rejects a taken HTTP port and leaves no TCP listener behind", async () => {
  await using first = await startMemoryStore({ port: 0, httpPort: 0 });
  await assert.rejects(
    startMemoryStore({ port: 0, httpPort: first.httpPort }),
    Deno.errors.AddrInUse,
  );
});
