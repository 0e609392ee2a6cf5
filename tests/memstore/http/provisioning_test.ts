import assert from "node:assert/strict";
import { connect } from "../../../lib/client/client.ts";
import { AccessDeniedError } from "../../../lib/errors.ts";
import { ADMIN, call, postEvents, startHttpStore } from "./support/http.ts";

Deno.test("the Makefile provisioning sequence works: poll GET /users, POST a default ACL to /streams/%24settings, POST a user; then TCP sees both", async () => {
  await using store = await startHttpStore();
  // 1. Poll GET /users as admin:changeit until it answers (at once here).
  let ready = false;
  for (let attempt = 0; attempt < 10 && !ready; attempt++) {
    ready = (await call(store, "GET", "/users", { auth: ADMIN })).status === 200;
  }
  assert.ok(ready);
  // 2. The default ACL: only "writers" may write user streams, everyone may read.
  const settings = await call(store, "POST", "/streams/%24settings", {
    auth: ADMIN,
    headers: { "content-type": "application/vnd.eventstore.events+json" },
    body: [{
      eventId: crypto.randomUUID(),
      eventType: "settings",
      data: {
        $userStreamAcl: { $r: "$all", $w: "writers", $d: "$admins", $mr: "$all", $mw: "$admins" },
        $systemStreamAcl: {
          $r: "$admins",
          $w: "$admins",
          $d: "$admins",
          $mr: "$admins",
          $mw: "$admins",
        },
      },
    }],
  });
  assert.equal(settings.status, 201);
  // 3. A user in "writers".
  const user = await call(store, "POST", "/users", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: { LoginName: "app", FullName: "The app", Groups: ["writers"], Password: "app-pass" },
  });
  assert.equal(user.status, 201);

  await using app = await connect(store.url, {
    credentials: { username: "app", password: "app-pass" },
    reconnection: false,
  });
  const written = await app.publishEvent("orders", "placed", { body: { id: 1 } });
  assert.equal(written.lastEventNumber, 0n);

  await using anonymous = await connect(store.url, { reconnection: false });
  await assert.rejects(
    anonymous.publishEvent("orders", "placed", { body: { id: 2 } }),
    AccessDeniedError,
  );
  assert.equal((await anonymous.get("orders")).length, 1);

  await using ops = await connect(store.url, {
    credentials: { username: "ops", password: "changeit" },
    reconnection: false,
  });
  await assert.rejects(ops.publishEvent("orders", "x", { body: {} }), AccessDeniedError);
  // The same ACL holds over HTTP.
  const anonymousPost = await postEvents(store, "orders", [{ eventType: "x", data: {} }]);
  assert.equal(anonymousPost.status, 401);
  const appPost = await postEvents(store, "orders", [{ eventType: "x", data: {} }], {
    auth: { username: "app", password: "app-pass" },
  });
  assert.equal(appPost.status, 201);
});

Deno.test("a $settings write over TCP changes what HTTP allows, exactly as an HTTP write does", async () => {
  await using store = await startHttpStore();
  await using admin = await connect(store.url, { credentials: ADMIN, reconnection: false });
  await admin.publishEvent("$settings", "settings", {
    body: { $userStreamAcl: { $r: "$admins", $w: "$admins" } },
  });
  assert.equal((await call(store, "GET", "/streams/secret")).status, 401);
  const write = await postEvents(store, "secret", [{ eventType: "x", data: {} }]);
  assert.equal(write.status, 401);
  const byAdmin = await postEvents(store, "secret", [{ eventType: "x", data: {} }], {
    auth: ADMIN,
  });
  assert.equal(byAdmin.status, 201);
});

Deno.test("a non-admin cannot read $all nor write $settings over HTTP; a stream ACL denying reads answers 401", async () => {
  await using store = await startHttpStore({ users: [{ username: "joe", password: "pw" }] });
  const joe = { username: "joe", password: "pw" };
  assert.equal((await call(store, "GET", "/streams/%24all", { auth: joe })).status, 401);
  assert.equal((await call(store, "GET", "/streams/%24all")).status, 401);
  const settings = await postEvents(store, "$settings", [{ eventType: "settings", data: {} }], {
    auth: joe,
  });
  assert.equal(settings.status, 401);
  assert.equal((await call(store, "GET", "/streams/%24settings", { auth: joe })).status, 401);
  await postEvents(store, "private", [{ eventType: "x", data: {} }]);
  const meta = await call(store, "POST", "/streams/private/metadata", {
    headers: { "content-type": "application/json" },
    body: { $acl: { $r: "$admins" } },
  });
  assert.equal(meta.status, 201);
  assert.equal((await call(store, "GET", "/streams/private", { auth: joe })).status, 401);
  assert.equal((await call(store, "GET", "/streams/private", { auth: ADMIN })).status, 200);
});

Deno.test("wrong credentials answer 401 even where anonymous access is allowed, with a Basic challenge unless X-Requested-With is sent", async () => {
  await using store = await startHttpStore();
  const wrong = await call(store, "GET", "/streams/anything", {
    auth: { username: "admin", password: "nope" },
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get("www-authenticate"), 'Basic realm="ES"');
  const fromPage = await call(store, "GET", "/streams/anything", {
    auth: { username: "admin", password: "nope" },
    headers: { "x-requested-with": "XMLHttpRequest" },
  });
  assert.equal(fromPage.status, 401);
  assert.equal(fromPage.headers.get("www-authenticate"), null);
  const garbage = await call(store, "GET", "/ping", { headers: { authorization: "Basic !!!" } });
  assert.equal(garbage.status, 401);
});

Deno.test("an insecure store runs every HTTP request as the system account", async () => {
  await using store = await startHttpStore({ insecure: true });
  assert.equal((await call(store, "GET", "/streams/%24all")).status, 200);
  assert.equal((await call(store, "GET", "/users")).status, 200);
});
