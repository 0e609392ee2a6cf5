import assert from "node:assert/strict";
import { connect } from "../../../lib/client/client.ts";
import { NotAuthenticatedError } from "../../../lib/errors.ts";
import { ADMIN, call, startHttpStore } from "./support/http.ts";

type UserReply = {
  data: {
    loginName: string;
    fullName: string;
    groups: string[];
    disabled: boolean;
    links: { href: string; rel: string }[];
  };
  success: boolean;
  error: string;
};

Deno.test("GET /users lists admin, ops and then created accounts in creation order with the server's shape; non-admins and anonymous get 401", async () => {
  await using store = await startHttpStore({ users: [{ username: "bob", password: "pw" }] });
  const reply = await call(store, "GET", "/users", { auth: ADMIN });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers.get("content-type"), "application/json; charset=utf-8");
  const body = reply.json() as { data: UserReply["data"][]; success: boolean; error: string };
  assert.equal(body.success, true);
  assert.equal(body.error, "Success");
  assert.deepEqual(body.data.map((u) => u.loginName), ["admin", "ops", "bob"]);
  const admin = body.data[0];
  assert.equal(admin.fullName, "Event Store Administrator");
  assert.deepEqual(admin.groups, ["$admins"]);
  assert.deepEqual(admin.links.map((l) => l.rel), [
    "reset-password",
    "change-password",
    "edit",
    "delete",
    "disable",
  ]);
  assert.equal(
    (await call(store, "GET", "/users", { auth: { username: "bob", password: "pw" } })).status,
    401,
  );
  const anonymous = await call(store, "GET", "/users");
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), 'Basic realm="ES"');
});

Deno.test("POST /users creates an account (201, Location); a second POST of the login is 409; the account logs in over TCP at once", async () => {
  await using store = await startHttpStore();
  const created = await call(store, "POST", "/users", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: { LoginName: "carol", FullName: "Carol C", Groups: ["devs"], Password: "s3cret" },
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("location"), `${store.httpUrl}/users/carol`);
  assert.deepEqual(created.json(), { loginName: "carol", success: true, error: "Success" });
  const again = await call(store, "POST", "/users", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: { LoginName: "carol", Password: "x" },
  });
  assert.equal(again.status, 409);
  assert.equal((again.json() as UserReply).error, "Conflict");
  await using client = await connect(store.url, {
    credentials: { username: "carol", password: "s3cret" },
    reconnection: false,
  });
  const written = await client.publishEvent("carols", "hello", { body: { hi: true } });
  assert.equal(written.lastEventNumber, 0n);
  const me = await call(store, "GET", "/users/carol", {
    auth: { username: "carol", password: "s3cret" },
  });
  assert.equal(me.status, 200);
  assert.deepEqual((me.json() as UserReply).data.groups, ["devs"]);
  const current = await call(store, "GET", "/users/$current", {
    auth: { username: "carol", password: "s3cret" },
  });
  assert.equal((current.json() as UserReply).data.loginName, "carol");
  const other = await call(store, "GET", "/users/admin", {
    auth: { username: "carol", password: "s3cret" },
  });
  assert.equal(other.status, 401);
});

Deno.test("POST /users with a missing field, a non-JSON body or the wrong content type is refused with 400 or 415", async () => {
  await using store = await startHttpStore();
  const missing = await call(store, "POST", "/users", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: { LoginName: "dan" },
  });
  assert.equal(missing.status, 400);
  assert.equal(missing.text, "Field Password is required");
  const broken = await call(store, "POST", "/users", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: "{not json",
  });
  assert.equal(broken.status, 400);
  assert.match(broken.text, /^Request body is not valid JSON/);
  const wrongType = await call(store, "POST", "/users", {
    auth: ADMIN,
    headers: { "content-type": "text/plain" },
    body: "LoginName=dan",
  });
  assert.equal(wrongType.status, 415);
});

Deno.test("disable stops HTTP and TCP logins, enable restores them; DELETE removes the account (then 404)", async () => {
  await using store = await startHttpStore({ users: [{ username: "eve", password: "pw" }] });
  const eve = { username: "eve", password: "pw" };
  assert.equal(
    (await call(store, "POST", "/users/eve/command/disable", { auth: ADMIN })).status,
    200,
  );
  assert.equal((await call(store, "GET", "/users/eve", { auth: eve })).status, 401);
  const user = (await call(store, "GET", "/users/eve", { auth: ADMIN })).json() as UserReply;
  assert.equal(user.data.disabled, true);
  assert.ok(user.data.links.some((l) => l.rel === "enable"));
  // connect() checks default credentials: a disabled login is refused there.
  await assert.rejects(
    connect(store.url, { credentials: eve, reconnection: false }),
    NotAuthenticatedError,
  );
  assert.equal(
    (await call(store, "POST", "/users/eve/command/enable", { auth: ADMIN })).status,
    200,
  );
  assert.equal((await call(store, "GET", "/users/eve", { auth: eve })).status, 200);
  assert.equal((await call(store, "DELETE", "/users/eve", { auth: ADMIN })).status, 200);
  const gone = await call(store, "GET", "/users/eve", { auth: ADMIN });
  assert.equal(gone.status, 404);
  assert.equal((gone.json() as UserReply).error, "NotFound");
  assert.equal((await call(store, "DELETE", "/users/eve", { auth: ADMIN })).status, 404);
});

Deno.test("reset-password (admin) and change-password (the user, with the current password) set what TCP logins check", async () => {
  await using store = await startHttpStore({ users: [{ username: "fay", password: "one" }] });
  const reset = await call(store, "POST", "/users/fay/command/reset-password", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: { NewPassword: "two" },
  });
  assert.equal(reset.status, 200);
  assert.equal(
    (await call(store, "GET", "/users/fay", { auth: { username: "fay", password: "one" } })).status,
    401,
  );
  const wrongCurrent = await call(store, "POST", "/users/fay/command/change-password", {
    auth: { username: "fay", password: "two" },
    headers: { "content-type": "application/json" },
    body: { CurrentPassword: "nope", NewPassword: "three" },
  });
  assert.equal(wrongCurrent.status, 401);
  const changed = await call(store, "POST", "/users/fay/command/change-password", {
    auth: { username: "fay", password: "two" },
    headers: { "content-type": "application/json" },
    body: { CurrentPassword: "two", NewPassword: "three" },
  });
  assert.equal(changed.status, 200);
  const notSelf = await call(store, "POST", "/users/admin/command/change-password", {
    auth: { username: "fay", password: "three" },
    headers: { "content-type": "application/json" },
    body: { CurrentPassword: "changeit", NewPassword: "x" },
  });
  assert.equal(notSelf.status, 401);
  await using client = await connect(store.url, {
    credentials: { username: "fay", password: "three" },
    reconnection: false,
  });
  await client.publishEvent("fays", "ok", { body: {} });
  const byNonAdmin = await call(store, "POST", "/users/admin/command/reset-password", {
    auth: { username: "fay", password: "three" },
    headers: { "content-type": "application/json" },
    body: { NewPassword: "pwned" },
  });
  assert.equal(byNonAdmin.status, 401);
});

Deno.test("PUT /users/{login} replaces full name and groups, and the new groups grant ACL roles at once", async () => {
  await using store = await startHttpStore({ users: [{ username: "gus", password: "pw" }] });
  const updated = await call(store, "PUT", "/users/gus", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: { FullName: "Gus G", Groups: ["$admins"] },
  });
  assert.equal(updated.status, 200);
  const all = await call(store, "GET", "/streams/%24all", {
    auth: { username: "gus", password: "pw" },
  });
  assert.equal(all.status, 200);
  const missing = await call(store, "PUT", "/users/nobody", {
    auth: ADMIN,
    headers: { "content-type": "application/json" },
    body: { FullName: "N", Groups: [] },
  });
  assert.equal(missing.status, 404);
});
