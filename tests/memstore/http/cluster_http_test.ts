import assert from "node:assert/strict";
import { connect } from "../../../lib/client/client.ts";
import { startMemoryCluster } from "../../../lib/memstore/mod.ts";
import { basic } from "./support/http.ts";

const ADMIN = basic("admin", "changeit");

async function fetchText(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, { redirect: "manual", ...init });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

Deno.test("every cluster node serves the HTTP API on its gossip port: /info names its role, writes on a follower are read on the leader", async () => {
  await using cluster = await startMemoryCluster({ nodes: 3 });
  const leader = cluster.leader!;
  const follower = cluster.followers[0];
  const leaderInfo = JSON.parse((await fetchText(`${leader.gossipSeed}/info`)).text);
  assert.equal(leaderInfo.state, "leader");
  const followerInfo = JSON.parse((await fetchText(`${follower.gossipSeed}/info`)).text);
  assert.equal(followerInfo.state, "follower");
  const posted = await fetchText(`${follower.gossipSeed}/streams/shared`, {
    method: "POST",
    headers: { "content-type": "application/vnd.eventstore.events+json" },
    body: JSON.stringify([{ eventId: crypto.randomUUID(), eventType: "hello", data: { n: 1 } }]),
  });
  assert.equal(posted.status, 201);
  const read = await fetchText(`${leader.gossipSeed}/streams/shared/0`, {
    headers: { accept: "application/json" },
  });
  assert.deepEqual(JSON.parse(read.text), { n: 1 });
  const gossip = JSON.parse((await fetchText(follower.gossipUrl)).text);
  assert.equal(gossip.members.length, 3);
  const page = await fetchText(`${follower.gossipSeed}/web/index.html`);
  assert.equal(page.status, 200);
});

Deno.test("a follower redirects ES-RequireLeader: True requests to the leader's HTTP port with 307", async () => {
  await using cluster = await startMemoryCluster({ nodes: 3 });
  const follower = cluster.followers[0];
  const reply = await fetchText(`${follower.gossipSeed}/streams/x?embed=body`, {
    headers: { "es-requireleader": "True" },
  });
  assert.equal(reply.status, 307);
  assert.equal(reply.headers.get("location"), `${cluster.leader!.gossipSeed}/streams/x?embed=body`);
  const onLeader = await fetchText(`${cluster.leader!.gossipSeed}/streams/x`, {
    headers: { "es-requireleader": "True" },
  });
  assert.equal(onLeader.status, 404);
});

Deno.test("a user created over one node's HTTP API logs in over TCP on another node at once", async () => {
  await using cluster = await startMemoryCluster({ nodes: 3 });
  const created = await fetchText(`${cluster.followers[1].gossipSeed}/users`, {
    method: "POST",
    headers: { authorization: ADMIN, "content-type": "application/json" },
    body: JSON.stringify({ LoginName: "node-user", FullName: "N", Groups: [], Password: "pw" }),
  });
  assert.equal(created.status, 201);
  await using client = await connect(cluster.leader!.url, {
    credentials: { username: "node-user", password: "pw" },
    reconnection: false,
  });
  const written = await client.publishEvent("from-tcp", "e", { body: {} });
  assert.equal(written.lastEventNumber, 0n);
});
