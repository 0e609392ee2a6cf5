import assert from "node:assert/strict";
import { call, linkPath, postEvents, startHttpStore } from "./support/http.ts";

const ATOM = "application/vnd.eventstore.atom+json";

type Feed = {
  title: string;
  streamId: string;
  headOfStream: boolean;
  eTag?: string;
  links: { uri: string; relation: string }[];
  entries: Record<string, unknown>[];
};

Deno.test("POST events+json appends a batch: 201 with the first event's Location, empty body", async () => {
  await using store = await startHttpStore();
  const reply = await postEvents(store, "orders-1", [
    { eventType: "placed", data: { id: 1 } },
    { eventType: "paid", data: { id: 1 }, metadata: { by: "me" } },
  ]);
  assert.equal(reply.status, 201);
  assert.equal(reply.headers.get("location"), `${store.httpUrl}/streams/orders-1/0`);
  assert.equal(reply.text, "");
  const again = await postEvents(store, "orders-1", [{ eventType: "shipped", data: {} }]);
  assert.equal(again.headers.get("location"), `${store.httpUrl}/streams/orders-1/2`);
});

Deno.test("GET /streams/{s}?embed=body answers an Atom JSON head feed, newest first, with the real server's fields and links", async () => {
  await using store = await startHttpStore();
  await postEvents(store, "adventure", [
    { eventType: "player_created", data: { name: "Gil" } },
    { eventType: "player_moved", data: { to: "north" }, metadata: { who: "gil" } },
  ]);
  const reply = await call(store, "GET", "/streams/adventure?embed=body", {
    headers: { accept: ATOM },
  });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers.get("content-type"), `${ATOM}; charset=utf-8`);
  const feed = reply.json() as Feed;
  assert.equal(feed.title, "Event stream 'adventure'");
  assert.equal(feed.streamId, "adventure");
  assert.equal(feed.headOfStream, true);
  assert.match(feed.eTag!, /^1;-?\d+$/);
  assert.equal(reply.headers.get("etag"), `"${feed.eTag}"`);
  assert.deepEqual(feed.links.map((l) => l.relation), ["self", "first", "previous", "metadata"]);
  assert.equal(linkPath(feed, "previous"), "/streams/adventure/2/forward/20");
  assert.deepEqual(feed.entries.map((e) => e.eventType), ["player_moved", "player_created"]);
  const [moved, created] = feed.entries;
  assert.equal(created.title, "0@adventure");
  assert.equal(created.summary, "player_created");
  assert.equal(created.data, '{"name":"Gil"}');
  assert.equal(created.isJson, true);
  assert.equal(created.isMetaData, false);
  assert.equal(created.positionStreamId, "adventure");
  assert.equal(moved.metaData, '{"who":"gil"}');
  assert.equal(moved.eventNumber, 1);
  assert.match(String(created.eventId), /^[0-9a-f-]{36}$/);
});

Deno.test("a head read with the head's ETag in If-None-Match answers 304; a new event changes it", async () => {
  await using store = await startHttpStore();
  await postEvents(store, "s", [{ eventType: "a", data: {} }]);
  const first = await call(store, "GET", "/streams/s");
  const eTag = first.headers.get("etag")!;
  const same = await call(store, "GET", "/streams/s", { headers: { "if-none-match": eTag } });
  assert.equal(same.status, 304);
  await postEvents(store, "s", [{ eventType: "b", data: {} }]);
  const changed = await call(store, "GET", "/streams/s", { headers: { "if-none-match": eTag } });
  assert.equal(changed.status, 200);
});

Deno.test("paging: backward and forward pages carry the server's first/last/next/previous links", async () => {
  await using store = await startHttpStore();
  await postEvents(
    store,
    "p",
    Array.from({ length: 43 }, (_, i) => ({ eventType: "e", data: { i } })),
  );
  const head = (await call(store, "GET", "/streams/p")).json() as Feed;
  assert.equal(head.entries.length, 20);
  assert.equal(head.entries[0].title, "42@p");
  assert.equal(linkPath(head, "next"), "/streams/p/22/backward/20");
  assert.equal(linkPath(head, "last"), "/streams/p/0/forward/20");
  assert.equal(linkPath(head, "previous"), "/streams/p/43/forward/20");
  const older = (await call(store, "GET", "/streams/p/22/backward/20")).json() as Feed;
  assert.deepEqual([older.entries[0].title, older.entries[19].title], ["22@p", "3@p"]);
  assert.equal(linkPath(older, "next"), "/streams/p/2/backward/20");
  const oldest = (await call(store, "GET", "/streams/p/2/backward/20")).json() as Feed;
  assert.deepEqual(oldest.entries.map((e) => e.title), ["2@p", "1@p", "0@p"]);
  assert.equal(linkPath(oldest, "next"), undefined);
  const forward = (await call(store, "GET", "/streams/p/0/forward/20")).json() as Feed;
  assert.deepEqual([forward.entries[0].title, forward.entries[19].title], ["19@p", "0@p"]);
  assert.equal(linkPath(forward, "previous"), "/streams/p/20/forward/20");
  assert.equal(forward.headOfStream, false);
  const end = (await call(store, "GET", "/streams/p/40/forward/20")).json() as Feed;
  assert.equal(end.entries.length, 3);
  assert.equal(end.headOfStream, true);
  assert.equal(linkPath(end, "next"), "/streams/p/39/backward/20");
  const short = await call(store, "GET", "/streams/p/10/5");
  assert.deepEqual((short.json() as Feed).entries.map((e) => e.title), [
    "10@p",
    "9@p",
    "8@p",
    "7@p",
    "6@p",
  ]);
});

Deno.test("GET /streams/{s}/{n}: JSON data with Accept application/json, an entry with content as Atom; 404 past the end", async () => {
  await using store = await startHttpStore();
  await postEvents(store, "one", [{ eventType: "player_created", data: { name: "Gil" } }]);
  const data = await call(store, "GET", "/streams/one/0", {
    headers: { accept: "application/json" },
  });
  assert.equal(data.status, 200);
  assert.deepEqual(data.json(), { name: "Gil" });
  const entry = await call(store, "GET", "/streams/one/0", { headers: { accept: ATOM } });
  const body = entry.json() as Record<string, Record<string, unknown>>;
  assert.equal(body.title as unknown, "0@one");
  assert.deepEqual(body.content.data, { name: "Gil" });
  assert.equal(body.content.eventType, "player_created");
  const head = await call(store, "GET", "/streams/one/head", {
    headers: { accept: "application/json" },
  });
  assert.deepEqual(head.json(), { name: "Gil" });
  assert.equal((await call(store, "GET", "/streams/one/1")).status, 404);
  assert.equal((await call(store, "GET", "/streams/none")).status, 404);
  assert.equal((await call(store, "GET", "/streams/one/x")).status, 400);
});

Deno.test("ES-ExpectedVersion: a wrong version answers 400 with ES-CurrentVersion; a malformed one 400; a repeated eventId is idempotent", async () => {
  await using store = await startHttpStore();
  const eventId = crypto.randomUUID();
  await postEvents(store, "v", [{ eventType: "a", data: {}, eventId }], {
    headers: { "es-expectedversion": "-1" },
  });
  const wrong = await postEvents(store, "v", [{ eventType: "b", data: {} }], {
    headers: { "es-expectedversion": "5" },
  });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.text, "Wrong expected EventNumber");
  assert.equal(wrong.headers.get("es-currentversion"), "0");
  const malformed = await postEvents(store, "v", [{ eventType: "b", data: {} }], {
    headers: { "es-expectedversion": "soon" },
  });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.text, "ES-ExpectedVersion header in wrong format.");
  const repeat = await postEvents(store, "v", [{ eventType: "a", data: {}, eventId }], {
    headers: { "es-expectedversion": "-1" },
  });
  assert.equal(repeat.status, 201);
  assert.equal(repeat.headers.get("location"), `${store.httpUrl}/streams/v/0`);
  const feed = (await call(store, "GET", "/streams/v")).json() as Feed;
  assert.equal(feed.entries.length, 1);
});

Deno.test("a single application/json event needs ES-EventType; without ES-EventId it is redirected (307) to an idempotent incoming URI", async () => {
  await using store = await startHttpStore();
  const noType = await call(store, "POST", "/streams/raw", {
    headers: { "content-type": "application/json" },
    body: { a: 1 },
  });
  assert.equal(noType.status, 400);
  assert.match(noType.text, /Must include an event type/);
  const redirected = await call(store, "POST", "/streams/raw", {
    headers: { "content-type": "application/json", "es-eventtype": "thing" },
    body: { a: 1 },
  });
  assert.equal(redirected.status, 307);
  const location = redirected.headers.get("location")!;
  assert.match(location, /\/streams\/raw\/incoming\/[0-9a-f-]{36}$/);
  const path = new URL(location).pathname;
  for (let i = 0; i < 2; i++) {
    const posted = await call(store, "POST", path, {
      headers: { "content-type": "application/json", "es-eventtype": "thing" },
      body: { a: 1 },
    });
    assert.equal(posted.status, 201);
  }
  const withId = await call(store, "POST", "/streams/raw", {
    headers: {
      "content-type": "application/json",
      "es-eventtype": "other",
      "es-eventid": crypto.randomUUID(),
    },
    body: { b: 2 },
  });
  assert.equal(withId.status, 201);
  const feed = (await call(store, "GET", "/streams/raw?embed=body")).json() as Feed;
  assert.deepEqual(feed.entries.map((e) => e.eventType), ["other", "thing"]);
  const binary = await call(store, "POST", "/streams/raw", {
    headers: {
      "content-type": "application/octet-stream",
      "es-eventtype": "bytes",
      "es-eventid": crypto.randomUUID(),
    },
    body: new Uint8Array([1, 2, 3]),
  });
  assert.equal(binary.status, 201);
  const entry =
    (await call(store, "GET", "/streams/raw/2?embed=rich", { headers: { accept: ATOM } }))
      .json() as Record<string, unknown>;
  assert.equal(entry.isJson, false);
});

Deno.test("DELETE: soft delete answers 204 and reads 404; ES-HardDelete answers 204 and then reads and writes 410", async () => {
  await using store = await startHttpStore();
  await postEvents(store, "soft", [{ eventType: "a", data: {} }]);
  assert.equal((await call(store, "DELETE", "/streams/soft")).status, 204);
  assert.equal((await call(store, "GET", "/streams/soft")).status, 404);
  await postEvents(store, "hard", [{ eventType: "a", data: {} }]);
  const hard = await call(store, "DELETE", "/streams/hard", {
    headers: { "es-harddelete": "true" },
  });
  assert.equal(hard.status, 204);
  assert.equal((await call(store, "GET", "/streams/hard")).status, 410);
  const write = await postEvents(store, "hard", [{ eventType: "b", data: {} }]);
  assert.equal(write.status, 410);
  assert.equal(write.text, "Stream deleted");
  const bad = await call(store, "DELETE", "/streams/x", { headers: { "es-harddelete": "maybe" } });
  assert.equal(bad.status, 400);
});

Deno.test("a forward read at the end with ES-LongPoll waits and returns the event written meanwhile", async () => {
  await using store = await startHttpStore();
  await postEvents(store, "lp", [{ eventType: "first", data: {} }]);
  const waiting = call(store, "GET", "/streams/lp/1/forward/20?embed=body", {
    headers: { "es-longpoll": "30" },
  });
  // The read is parked on the store until this write commits.
  await postEvents(store, "lp", [{ eventType: "second", data: { n: 2 } }]);
  const reply = await waiting;
  assert.equal(reply.status, 200);
  assert.deepEqual((reply.json() as Feed).entries.map((e) => e.eventType), ["second"]);
});

Deno.test("metadata: POST /streams/{s}/metadata writes $$s and GET reads it back", async () => {
  await using store = await startHttpStore();
  const posted = await call(store, "POST", "/streams/m/metadata", {
    headers: { "content-type": "application/json" },
    body: { $maxCount: 2 },
  });
  assert.equal(posted.status, 201);
  await postEvents(store, "m", [1, 2, 3].map((i) => ({ eventType: "e", data: { i } })));
  const feed = (await call(store, "GET", "/streams/m")).json() as Feed;
  assert.deepEqual(feed.entries.map((e) => e.title), ["2@m", "1@m"]);
  const meta = await call(store, "GET", "/streams/m/metadata", {
    headers: { accept: "application/json" },
  });
  assert.deepEqual(meta.json(), { $maxCount: 2 });
});

Deno.test("$all: admins read it as an Atom feed with hex positions; forward paging follows the previous link", async () => {
  await using store = await startHttpStore();
  await postEvents(store, "a", [{ eventType: "x", data: {} }]);
  await postEvents(store, "b", [{ eventType: "y", data: {} }]);
  const admin = { username: "admin", password: "changeit" };
  const head = await call(store, "GET", "/streams/%24all", { auth: admin });
  assert.equal(head.status, 200);
  const feed = head.json() as Feed;
  assert.equal(feed.title, "All events");
  assert.deepEqual(feed.entries.map((e) => e.title), ["0@b", "0@a"]);
  const previous = linkPath(feed, "previous")!;
  assert.match(previous, /^\/streams\/%24all\/[0-9A-F]{32}\/forward\/20$/);
  const nothing = (await call(store, "GET", previous, { auth: admin })).json() as Feed;
  assert.equal(nothing.entries.length, 0);
  await postEvents(store, "c", [{ eventType: "z", data: {} }]);
  const newer = (await call(store, "GET", previous, { auth: admin })).json() as Feed;
  assert.deepEqual(newer.entries.map((e) => e.title), ["0@c"]);
  const literal = await call(store, "GET", "/streams/$all/head/backward/1", { auth: admin });
  assert.deepEqual((literal.json() as Feed).entries.map((e) => e.title), ["0@c"]);
  const badPosition = await call(store, "GET", "/streams/%24all/zz/forward/2", { auth: admin });
  assert.equal(badPosition.status, 400);
});

Deno.test("Accept negotiation: application/json gets the feed as JSON, XML-only is 406, text/html is sent to the stream browser", async () => {
  await using store = await startHttpStore();
  await postEvents(store, "n", [{ eventType: "a", data: {} }]);
  const asJson = await call(store, "GET", "/streams/n", {
    headers: { accept: "application/json" },
  });
  assert.equal(asJson.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal((asJson.json() as Feed).streamId, "n");
  const xml = await call(store, "GET", "/streams/n", {
    headers: { accept: "application/atom+xml" },
  });
  assert.equal(xml.status, 406);
  const html = await call(store, "GET", "/streams/n", { headers: { accept: "text/html" } });
  assert.equal(html.status, 302);
  assert.equal(html.headers.get("location"), `${store.httpUrl}/web/index.html#/streams/n`);
});
