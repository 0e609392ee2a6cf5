import assert from "node:assert/strict";
import { connect } from "../../lib/client/client.ts";
import type { ResolvedEvent } from "../../lib/client/resolved_event.ts";
import {
  createManagementClient,
  ManagementBadRequestError,
  ManagementConflictError,
  ManagementError,
  ManagementNotFoundError,
  ManagementUnauthorizedError,
  ManagementUnavailableError,
} from "../../lib/management/mod.ts";
import { startMemoryStore } from "../../lib/memstore/mod.ts";
import { testTlsCerts } from "../support/tls_certs.ts";

const ADMIN = { username: "admin", password: "changeit" };

Deno.test("users: create, list, get, update, disable and enable, reset and change password, delete — and TCP logins follow", async () => {
  await using store = await startMemoryStore({ port: 0, httpPort: 0 });
  await using manager = await createManagementClient({ url: store.httpUrl!, credentials: ADMIN });
  await manager.users.create({
    loginName: "app",
    password: "one",
    fullName: "The app",
    groups: ["writers"],
  });
  assert.deepEqual((await manager.users.list()).map((u) => u.loginName), ["admin", "ops", "app"]);
  const app = await manager.users.get("app");
  assert.equal(app.fullName, "The app");
  assert.deepEqual(app.groups, ["writers"]);
  assert.equal(app.disabled, false);
  assert.ok(app.dateLastUpdated instanceof Date);
  await manager.users.update("app", { fullName: "App", groups: ["writers", "readers"] });
  assert.deepEqual((await manager.users.get("app")).groups, ["writers", "readers"]);

  await manager.users.disable("app");
  assert.equal((await manager.users.get("app")).disabled, true);
  await manager.users.enable("app");
  await manager.users.resetPassword("app", "two");
  await manager.users.changePassword("app", "two", "three", {
    credentials: { username: "app", password: "two" },
  });
  await using tcp = await connect(store.url, {
    credentials: { username: "app", password: "three" },
    reconnection: false,
  });
  await tcp.publishEvent("app-stream", "e", { body: {} });

  await manager.users.delete("app");
  await assert.rejects(manager.users.get("app"), ManagementNotFoundError);
});

Deno.test("errors are typed by status and carry method, URL, status and the server's reason", async () => {
  await using store = await startMemoryStore({ port: 0, httpPort: 0 });
  await using manager = await createManagementClient({ url: store.httpUrl!, credentials: ADMIN });
  await manager.users.create({ loginName: "dup", password: "x" });
  const conflict = await manager.users.create({ loginName: "dup", password: "y" }).catch((e) => e);
  assert.ok(conflict instanceof ManagementConflictError);
  assert.ok(conflict instanceof ManagementError);
  assert.equal(conflict.status, 409);
  assert.equal(conflict.method, "POST");
  assert.equal(conflict.url, `${store.httpUrl}/users/`);
  assert.equal(conflict.message, 'Cannot create user "dup": the server answered 409 Conflict');

  const missing = await manager.users.get("nobody").catch((e) => e);
  assert.ok(missing instanceof ManagementNotFoundError);
  assert.equal(missing.message, 'Cannot read user "nobody": the server answered 404 Not Found');

  const bad = await manager.users.create({ loginName: "", password: "x" }).catch((e) => e);
  assert.ok(bad instanceof ManagementBadRequestError);
  assert.equal(bad.reason, "Field LoginName must not be empty");
  assert.match(bad.message, /400 Bad Request: Field LoginName must not be empty$/);

  await using anonymous = await createManagementClient({ url: store.httpUrl! });
  const denied = await anonymous.users.list().catch((e) => e);
  assert.ok(denied instanceof ManagementUnauthorizedError);
  const wrongCurrent = await manager.users.changePassword("admin", "nope", "x").catch((e) => e);
  assert.ok(wrongCurrent instanceof ManagementUnauthorizedError);
});

Deno.test("credentials in the URL become the defaults and never appear in error URLs", async () => {
  await using store = await startMemoryStore({ port: 0, httpPort: 0 });
  const url = new URL(store.httpUrl!);
  url.username = "admin";
  url.password = "changeit";
  await using manager = await createManagementClient({ url });
  assert.equal(manager.baseUrl, store.httpUrl);
  assert.equal((await manager.users.list()).length, 2);
  const missing = await manager.users.get("x").catch((e) => e);
  assert.ok(!missing.url.includes("changeit"));
});

Deno.test("subscriptions: list and info report a group and its consumers; replayParked sends parked messages back", async () => {
  await using store = await startMemoryStore({ port: 0, httpPort: 0 });
  await using manager = await createManagementClient({ url: store.httpUrl!, credentials: ADMIN });
  await using client = await connect(store.url, { credentials: ADMIN, reconnection: false });
  await client.createSubscription("billing", "orders", { startFrom: 0 });
  await client.publishEvent("orders", "placed", { body: { id: 1 } });
  await using subscription = await client.connectSubscription("billing", "orders", {
    autoAck: false,
  });
  const reader = subscription.getReader();
  const next = async (): Promise<ResolvedEvent> => {
    const { value, done } = await reader.read();
    assert.ok(!done && value);
    return value;
  };
  const first = await next();
  await subscription.nack(first, "park", "later");
  await client.get("orders"); // answered after the nack was processed

  const [summary] = await manager.subscriptions.list();
  assert.deepEqual([summary.stream, summary.group, summary.connectionCount], [
    "orders",
    "billing",
    1,
  ]);
  assert.equal((await manager.subscriptions.list("orders")).length, 1);
  const info = await manager.subscriptions.info("orders", "billing");
  assert.equal(info.parkedMessageCount, 1);
  assert.equal(info.connections[0].username, "admin");
  assert.equal(info.config.namedConsumerStrategy, "RoundRobin");

  await manager.subscriptions.replayParked("orders", "billing");
  const again = await next();
  assert.deepEqual(again.json(), { id: 1 });
  await subscription.ack(again);
  await client.get("orders");
  assert.equal((await manager.subscriptions.info("orders", "billing")).parkedMessageCount, 0);
  await assert.rejects(manager.subscriptions.info("orders", "nope"), ManagementNotFoundError);
  await assert.rejects(manager.subscriptions.list("no-groups"), ManagementNotFoundError);
  reader.releaseLock();
});

Deno.test("https with caCerts trusts a dev CA; without it the call fails with ManagementUnavailableError", async () => {
  const certs = testTlsCerts("localhost");
  await using store = await startMemoryStore({
    hostname: "localhost",
    port: 0,
    httpPort: 0,
    tls: { cert: certs.cert, key: certs.key },
  });
  assert.match(store.httpUrl!, /^https:\/\/127\.0\.0\.1:\d+$/);
  await using trusted = await createManagementClient({
    url: store.httpUrl!,
    credentials: ADMIN,
    caCerts: [certs.caCert],
  });
  assert.equal((await trusted.users.list()).length, 2);
  const caFile = await Deno.makeTempFile({ suffix: ".pem" });
  try {
    await Deno.writeTextFile(caFile, certs.caCert);
    await using fromFile = await createManagementClient({
      url: store.httpUrl!,
      credentials: ADMIN,
      caFile: [caFile],
    });
    assert.equal((await fromFile.users.get("ops")).loginName, "ops");
    await using fromPath = await createManagementClient({ url: store.httpUrl!, caFile });
    await assert.rejects(fromPath.users.list(), ManagementUnauthorizedError);
  } finally {
    await Deno.remove(caFile);
  }
  await using untrusted = await createManagementClient({ url: store.httpUrl!, credentials: ADMIN });
  const error = await untrusted.users.list().catch((e) => e);
  assert.ok(error instanceof ManagementUnavailableError);
  assert.equal(error.status, 0);
  assert.match(error.message, /^Cannot list users: /);
});

Deno.test("createManagementClient rejects a non-HTTP URL and a bad timeout with TypeError; a closed client refuses calls", async () => {
  await assert.rejects(createManagementClient({ url: "tcp://localhost:1113" }), {
    name: "TypeError",
    message: 'Invalid management URL "tcp://localhost:1113": expected http:// or https://',
  });
  await assert.rejects(createManagementClient({ url: "not a url" }), TypeError);
  await assert.rejects(createManagementClient({ url: "http://localhost:2113", timeoutMs: 0 }), {
    message: "Invalid timeoutMs 0: expected a positive number",
  });
  const manager = await createManagementClient({ url: "http://127.0.0.1:9" });
  await manager.close();
  await manager.close();
  await assert.rejects(manager.users.list(), {
    name: "TypeError",
    message: "The management client is closed",
  });
});

Deno.test("an unreachable server fails with ManagementUnavailableError, and the caller's signal aborts a call", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using manager = await createManagementClient({ url: `http://127.0.0.1:${port}` });
  await assert.rejects(manager.users.list(), ManagementUnavailableError);
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  await assert.rejects(manager.users.list({ signal: controller.signal }), { message: "stop" });
});
