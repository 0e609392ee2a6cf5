import assert from "node:assert/strict";
import { Authorizer } from "../../lib/memstore/auth.ts";
import { MemoryStorage } from "../../lib/memstore/storage.ts";

const bob = { username: "bob", password: "pw" };

function roles(auth: Authorizer, credentials = bob): string[] | null {
  const principal = auth.authenticate(credentials);
  if (principal === null) return null;
  assert.equal(principal.kind, "user");
  return principal.kind === "user" ? [...principal.roles].sort() : [];
}

Deno.test("Authorizer: repeated logins see every later change to the account", () => {
  const auth = new Authorizer(new MemoryStorage(), {
    users: [{ username: "bob", password: "pw", groups: ["readers"] }],
  });
  assert.deepEqual(roles(auth), ["bob", "readers"]);
  assert.deepEqual(roles(auth), ["bob", "readers"]);
  assert.equal(auth.updateUser("bob", "Bob", ["$admins"]), "Success");
  assert.deepEqual(roles(auth), ["$admins", "bob"]);
  assert.equal(auth.resetPassword("bob", "new"), "Success");
  assert.equal(roles(auth), null);
  assert.deepEqual(roles(auth, { username: "bob", password: "new" }), ["$admins", "bob"]);
  assert.equal(auth.setDisabled("bob", true), "Success");
  assert.equal(roles(auth, { username: "bob", password: "new" }), null);
  assert.equal(auth.setDisabled("bob", false), "Success");
  assert.deepEqual(roles(auth, { username: "bob", password: "new" }), ["$admins", "bob"]);
  assert.equal(auth.deleteUser("bob"), "Success");
  assert.equal(roles(auth, { username: "bob", password: "new" }), null);
  assert.equal(
    auth.createUser({ username: "bob", password: "pw", groups: ["writers"] }),
    "Success",
  );
  assert.deepEqual(roles(auth), ["bob", "writers"]);
});
