import assert from "node:assert/strict";
import { connect } from "../../../lib/client/client.ts";
import type { ResolvedEvent } from "../../../lib/client/resolved_event.ts";
import { ADMIN, call, postEvents, startHttpStore } from "./support/http.ts";

type Info = {
  eventStreamId: string;
  groupName: string;
  status: string;
  parkedMessageCount: number;
  config: Record<string, unknown>;
  connections: { username: string; inFlightMessages: number }[];
  links: { rel: string }[];
};

async function next(reader: ReadableStreamDefaultReader<ResolvedEvent>): Promise<ResolvedEvent> {
  const { value, done } = await reader.read();
  assert.ok(!done && value);
  return value;
}

Deno.test("PUT creates a group (201, Location), GET /subscriptions lists it, info shows config and connections; 409 on a second PUT", async () => {
  await using store = await startHttpStore();
  const created = await call(store, "PUT", "/subscriptions/jobs/workers", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: { startFrom: 0, maxRetryCount: 2, namedConsumerStrategy: "RoundRobin" },
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("location"), `${store.httpUrl}/subscriptions/jobs/workers`);
  const conflict = await call(store, "PUT", "/subscriptions/jobs/workers", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: {},
  });
  assert.equal(conflict.status, 409);
  await using client = await connect(store.url, { credentials: ADMIN, reconnection: false });
  await using subscription = await client.connectSubscription("workers", "jobs", {
    autoAck: false,
  });
  const list = await call(store, "GET", "/subscriptions", { auth: ADMIN });
  assert.equal(list.status, 200);
  const summaries = list.json() as {
    eventStreamId: string;
    groupName: string;
    connectionCount: number;
  }[];
  assert.deepEqual(summaries.map((s) => [s.eventStreamId, s.groupName, s.connectionCount]), [[
    "jobs",
    "workers",
    1,
  ]]);
  const info = (await call(store, "GET", "/subscriptions/jobs/workers/info", { auth: ADMIN }))
    .json() as Info;
  assert.equal(info.status, "Live");
  assert.equal(info.config.maxRetryCount, 2);
  assert.equal(info.config.namedConsumerStrategy, "RoundRobin");
  assert.deepEqual(info.connections.map((c) => c.username), ["admin"]);
  assert.deepEqual(info.links.map((l) => l.rel), ["detail", "replayParked"]);
  assert.equal((await call(store, "GET", "/subscriptions/jobs", { auth: ADMIN })).status, 200);
  assert.equal(
    (await call(store, "GET", "/subscriptions/nope/none/info", { auth: ADMIN })).status,
    404,
  );
  assert.equal((await call(store, "GET", "/subscriptions")).status, 401);
  subscription.getReader().releaseLock();
});

Deno.test("POST replayParked sends parked messages back to the group's consumers and empties the parked count", async () => {
  await using store = await startHttpStore();
  await using client = await connect(store.url, { credentials: ADMIN, reconnection: false });
  await client.createSubscription("g", "work", { startFrom: 0 });
  await postEvents(store, "work", [{ eventType: "job", data: { id: 1 } }, {
    eventType: "job",
    data: { id: 2 },
  }]);
  await using subscription = await client.connectSubscription("g", "work", { autoAck: false });
  const reader = subscription.getReader();
  const first = await next(reader);
  await subscription.nack(first, "park", "cannot do it now");
  const second = await next(reader);
  await subscription.ack(second);
  // A read on the same connection is answered after the nack and ack were processed.
  await client.get("work");
  const before = (await call(store, "GET", "/subscriptions/work/g/info", { auth: ADMIN }))
    .json() as Info;
  assert.equal(before.parkedMessageCount, 1);

  const replay = await call(store, "POST", "/subscriptions/work/g/replayParked", { auth: ADMIN });
  assert.equal(replay.status, 200);
  assert.equal((replay.json() as { result: string }).result, "Success");
  const again = await next(reader);
  assert.equal(Number(again.eventNumber), 0);
  assert.equal(again.stream, "work");
  assert.deepEqual(again.json(), { id: 1 });
  await subscription.ack(again);
  await client.get("work");
  const after = (await call(store, "GET", "/subscriptions/work/g/info", { auth: ADMIN }))
    .json() as Info;
  assert.equal(after.parkedMessageCount, 0);
  // A second replay finds nothing left: the next delivery is a fresh event.
  await call(store, "POST", "/subscriptions/work/g/replayParked", { auth: ADMIN });
  await postEvents(store, "work", [{ eventType: "job", data: { id: 3 } }]);
  assert.equal(Number((await next(reader)).eventNumber), 2);
  reader.releaseLock();
});

Deno.test("replayParked needs $ops or $admins, a known group and a well-formed stopAt", async () => {
  await using store = await startHttpStore({ users: [{ username: "u", password: "p" }] });
  await using client = await connect(store.url, { credentials: ADMIN, reconnection: false });
  await client.createSubscription("g", "s", { startFrom: 0 });
  const user = await call(store, "POST", "/subscriptions/s/g/replayParked", {
    auth: { username: "u", password: "p" },
  });
  assert.equal(user.status, 401);
  const ops = await call(store, "POST", "/subscriptions/s/g/replayParked", {
    auth: { username: "ops", password: "changeit" },
  });
  assert.equal(ops.status, 200);
  const missing = await call(store, "POST", "/subscriptions/s/none/replayParked", { auth: ADMIN });
  assert.equal(missing.status, 404);
  const bad = await call(store, "POST", "/subscriptions/s/g/replayParked?stopAt=-1", {
    auth: ADMIN,
  });
  assert.equal(bad.status, 400);
  const deleted = await call(store, "DELETE", "/subscriptions/s/g", { auth: ADMIN });
  assert.equal(deleted.status, 200);
  assert.equal((await call(store, "GET", "/subscriptions/s/g/info", { auth: ADMIN })).status, 404);
});

Deno.test("PUT with settings the server refuses answers 400 with its reason", async () => {
  await using store = await startHttpStore();
  const reply = await call(store, "PUT", "/subscriptions/s/g", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: { bufferSize: 10, readBatchSize: 20 },
  });
  assert.equal(reply.status, 400);
  assert.equal(reply.text, "BufferSize (10) must be larger than ReadBatchSize (20)");
});
