import assert from "node:assert/strict";
import { call, startHttpStore } from "./support/http.ts";

Deno.test("GET /web/index.html serves the stream browser shell; its one script and one stylesheet are served too", async () => {
  await using store = await startHttpStore();
  const page = await call(store, "GET", "/web/index.html");
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(page.text, /<script src="\/web\/app\.js"><\/script>/);
  assert.match(page.text, /<link rel="stylesheet" href="\/web\/app\.css">/);
  const script = await call(store, "GET", "/web/app.js");
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  // The script parses as JavaScript and draws only with text nodes.
  new Function(script.text);
  assert.ok(!script.text.includes("innerHTML"));
  const css = await call(store, "GET", "/web/app.css");
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal((await call(store, "GET", "/web/other.js")).status, 404);
  assert.equal((await call(store, "POST", "/web/index.html")).status, 405);
});

Deno.test("/ and /web redirect to /web/index.html, as the real server sends / to its UI", async () => {
  await using store = await startHttpStore();
  for (const path of ["/", "/web", "/web/"]) {
    const reply = await call(store, "GET", path);
    assert.equal(reply.status, 302, path);
    assert.equal(reply.headers.get("location"), "/web/index.html");
  }
});
