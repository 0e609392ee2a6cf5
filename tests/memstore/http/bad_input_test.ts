import assert from "node:assert/strict";
import { ADMIN, call, postEvents, startHttpStore } from "./support/http.ts";

const EVENTS = { "content-type": "application/vnd.eventstore.events+json" };

Deno.test("malformed or wrong-shaped event bodies answer 400 with a readable reason and write nothing", async () => {
  await using store = await startHttpStore();
  const cases: [string, RegExp][] = [
    ["[{", /^Request body is not valid JSON/],
    ["{}", /expected a JSON array of events/],
    ["[]", /^Write request body invalid\.$/],
    ['[{"eventType":"a","data":{}}]', /Event 0 has no valid eventId/],
    [`[{"eventId":"not-a-guid","eventType":"a"}]`, /Event 0 has no valid eventId: "not-a-guid"/],
    [`[{"eventId":"00000000-0000-0000-0000-000000000000","eventType":"a"}]`, /Empty eventId/],
    [`[{"eventId":"${crypto.randomUUID()}","data":{}}]`, /Event 0 has no eventType/],
    ["[42]", /Event 0 is not a JSON object/],
  ];
  for (const [body, message] of cases) {
    const reply = await call(store, "POST", "/streams/bad", { headers: EVENTS, body });
    assert.equal(reply.status, 400, body);
    assert.equal(reply.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.match(reply.text, message, body);
  }
  assert.equal((await call(store, "GET", "/streams/bad")).status, 404);
  const latin = await call(store, "POST", "/streams/bad", {
    headers: EVENTS,
    body: new Uint8Array([0x5b, 0xff, 0x5d]),
  });
  assert.equal(latin.status, 400);
  assert.equal(latin.text, "Request body is not valid UTF-8");
});

Deno.test("keys of posted events are case-insensitive like the server's; object data is JSON, string data is not", async () => {
  await using store = await startHttpStore();
  const reply = await call(store, "POST", "/streams/cased", {
    headers: EVENTS,
    body: [
      { EventId: crypto.randomUUID(), EventType: "Obj", Data: { a: 1 } },
      { eventId: crypto.randomUUID(), eventType: "Str", data: "plain text" },
    ],
  });
  assert.equal(reply.status, 201);
  const feed = (await call(store, "GET", "/streams/cased?embed=rich")).json() as {
    entries: { eventType: string; isJson: boolean }[];
  };
  assert.deepEqual(feed.entries.map((e) => [e.eventType, e.isJson]), [["Str", false], [
    "Obj",
    true,
  ]]);
});

Deno.test("an unsupported Content-Type answers 415; a missing one too", async () => {
  await using store = await startHttpStore();
  const xml = await call(store, "POST", "/streams/t", {
    headers: { "content-type": "text/xml" },
    body: "<x/>",
  });
  assert.equal(xml.status, 415);
  assert.match(xml.text, /Unsupported content type "text\/xml"/);
  const none = await call(store, "POST", "/streams/t", { body: "[]" });
  assert.equal(none.status, 415);
});

Deno.test("bodies over the limit answer 413, declared or streamed, and the store keeps serving", async () => {
  await using store = await startHttpStore({ httpMaxBodyBytes: 1024 });
  const big = JSON.stringify([{
    eventId: crypto.randomUUID(),
    eventType: "big",
    data: { s: "x".repeat(4096) },
  }]);
  const declared = await call(store, "POST", "/streams/big", { headers: EVENTS, body: big });
  assert.equal(declared.status, 413);
  assert.equal(declared.text, "Request body too large: the limit is 1024 bytes");
  const chunks = new TextEncoder().encode(big);
  const streamed = await fetch(`${store.httpUrl}/streams/big`, {
    method: "POST",
    headers: EVENTS,
    body: new ReadableStream({
      start(controller) {
        for (let i = 0; i < chunks.length; i += 256) {
          controller.enqueue(chunks.subarray(i, i + 256));
        }
        controller.close();
      },
    }),
  });
  assert.equal(streamed.status, 413);
  await streamed.body?.cancel();
  assert.equal((await call(store, "GET", "/streams/big")).status, 404);
  assert.equal((await postEvents(store, "small", [{ eventType: "ok", data: {} }])).status, 201);
});

Deno.test("an event over 4 MiB answers 413 like the server, under the default body limit", async () => {
  await using store = await startHttpStore();
  const data = "y".repeat(4 * 1024 * 1024 + 10);
  const reply = await call(store, "POST", "/streams/huge", {
    headers: {
      "content-type": "application/octet-stream",
      "es-eventtype": "blob",
      "es-eventid": crypto.randomUUID(),
    },
    body: data,
  });
  assert.equal(reply.status, 413);
  assert.match(reply.text, /Event 0 is too large/);
});

Deno.test("unknown paths answer 404, wrong methods 405, bad percent-encoding 400; OPTIONS answers CORS", async () => {
  await using store = await startHttpStore();
  const unknown = await call(store, "GET", "/nothing/here");
  assert.equal(unknown.status, 404);
  assert.equal(unknown.text, "Not found: /nothing/here");
  assert.equal((await call(store, "GET", "/streams")).status, 404);
  assert.equal((await call(store, "GET", "/users/a/command/x", { auth: ADMIN })).status, 404);
  assert.equal((await call(store, "PUT", "/streams/x")).status, 405);
  assert.equal((await call(store, "POST", "/ping")).status, 405);
  assert.equal((await call(store, "GET", "/streams/%E0%A4%A")).status, 400);
  const options = await call(store, "OPTIONS", "/streams/x");
  assert.equal(options.status, 200);
  assert.equal(options.headers.get("access-control-allow-origin"), "*");
  assert.match(options.headers.get("access-control-allow-headers")!, /ES-ExpectedVersion/);
  assert.equal((await call(store, "GET", "/streams/x/0/forward/0")).status, 400);
  assert.equal((await call(store, "GET", "/streams/x/0/forward/5000")).status, 400);
  assert.equal((await call(store, "GET", "/streams/x/0/sideways/5")).status, 404);
  assert.equal(
    (await call(store, "GET", "/streams/x/0/forward/5", { headers: { "es-longpoll": "soon" } }))
      .status,
    400,
  );
});

Deno.test("a burst of random bodies and headers never crashes the store or corrupts a stream", async () => {
  await using store = await startHttpStore({ httpMaxBodyBytes: 4096 });
  await postEvents(store, "kept", [{ eventType: "original", data: { n: 1 } }]);
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pieces = [
    "[",
    "]",
    "{",
    "}",
    '"eventId"',
    '"eventType"',
    ":",
    ",",
    '"x"',
    "null",
    "1e999",
    "\u0000",
    "\\u",
  ];
  const types = [
    "application/vnd.eventstore.events+json",
    "application/json",
    "application/octet-stream",
    "text/plain",
    "",
  ];
  for (let i = 0; i < 200; i++) {
    let body = "";
    const length = Math.floor(random() * 40);
    for (let j = 0; j < length; j++) body += pieces[Math.floor(random() * pieces.length)];
    const headers: Record<string, string> = {};
    const type = types[Math.floor(random() * types.length)];
    if (type) headers["content-type"] = type;
    if (random() < 0.3) headers["es-expectedversion"] = String(Math.floor(random() * 10) - 5);
    if (random() < 0.3) headers["es-eventtype"] = "fuzz";
    if (random() < 0.3) headers["es-eventid"] = random() < 0.5 ? crypto.randomUUID() : "bad";
    const reply = await call(store, "POST", "/streams/kept", { headers, body });
    assert.ok([201, 307, 400, 413, 415].includes(reply.status), `${reply.status} for ${body}`);
  }
  const feed = await call(store, "GET", "/streams/kept/0", {
    headers: { accept: "application/json" },
  });
  assert.deepEqual(feed.json(), { n: 1 });
  assert.equal((await call(store, "GET", "/ping")).status, 200);
});

Deno.test("random paths, methods and headers across every route never answer a server error and leave the store serving", async () => {
  await using store = await startHttpStore();
  await postEvents(store, "kept", [{ eventType: "original", data: { n: 1 } }]);
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const segments = [
    "streams",
    "users",
    "subscriptions",
    "web",
    "info",
    "ping",
    "gossip",
    "%24all",
    "$all",
    "kept",
    "metadata",
    "incoming",
    "head",
    "forward",
    "backward",
    "0",
    "-1",
    "20",
    "99999999999999999999",
    "command",
    "enable",
    "reset-password",
    "replayParked",
    "info",
    "%24%24kept",
    "%00",
    "..",
    "a%2Fb",
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    "00000000000000000000000000000000",
    crypto.randomUUID(),
  ];
  const methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"];
  for (let i = 0; i < 300; i++) {
    const depth = 1 + Math.floor(random() * 6);
    const path = "/" + Array.from({ length: depth }, () => pick(segments)).join("/") +
      (random() < 0.3
        ? "?embed=" + pick(["body", "rich", "x"]) + "&stopAt=" + pick(["1", "-1", "x"])
        : "");
    const method = pick(methods);
    const headers: Record<string, string> = {};
    if (random() < 0.5) {
      headers["accept"] = pick([
        "application/json",
        "text/html",
        "*/*",
        "application/xml",
        "application/vnd.eventstore.atom+json;q=0.5",
      ]);
    }
    if (random() < 0.3) headers["es-longpoll"] = pick(["1", "0", "x"]);
    if (random() < 0.3) {
      headers["authorization"] = pick([`Basic ${btoa("admin:changeit")}`, "Basic x", "Bearer y"]);
    }
    if (random() < 0.3) {
      headers["content-type"] = pick([
        "application/json",
        "application/vnd.eventstore.events+json",
      ]);
    }
    const body = method === "GET" || method === "HEAD"
      ? undefined
      : pick(["", "{}", "[]", "[{", '{"LoginName":1}']);
    // ES-LongPoll is at most "1" here: an empty forward read waits at most a second.
    const reply = await call(store, method, path, { headers, body });
    // 501 is the memstore's answer for HTTP competing consumers, not a failure.
    assert.ok(
      reply.status < 500 || reply.status === 501,
      `${method} ${path} answered ${reply.status}: ${reply.text}`,
    );
  }
  const kept = await call(store, "GET", "/streams/kept/0", {
    headers: { accept: "application/json" },
  });
  assert.deepEqual(kept.json(), { n: 1 });
});
