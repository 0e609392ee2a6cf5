import assert from "node:assert/strict";
import { resolveSettings } from "../../lib/client/settings.ts";

Deno.test({
  name: "resolveSettings() defaults to localhost:1113, no credentials, 7000 ms, requireLeader",
  permissions: "none",
  fn() {
    const settings = resolveSettings();
    assert.deepEqual(settings.endpoint, { hostname: "localhost", port: 1113 });
    assert.equal(settings.calls.credentials, undefined);
    assert.equal(settings.executor.operationTimeout, 7000);
    assert.equal(settings.calls.requireLeader, true);
    assert.equal(settings.executor.connection.heartbeatInterval, 750);
    assert.equal(settings.executor.connection.heartbeatTimeout, 1500);
    assert.equal(settings.executor.tls, undefined);
  },
});

Deno.test({
  name: "resolveSettings() accepts host, host:port and [ipv6]:port",
  permissions: "none",
  fn() {
    assert.deepEqual(resolveSettings("example.org").endpoint, {
      hostname: "example.org",
      port: 1113,
    });
    assert.deepEqual(resolveSettings("example.org:2000").endpoint, {
      hostname: "example.org",
      port: 2000,
    });
    assert.deepEqual(resolveSettings("[::1]:1114").endpoint, { hostname: "::1", port: 1114 });
  },
});

Deno.test({
  name: "resolveSettings() reads credentials, tls and timeouts from a tcp:// URL",
  permissions: "none",
  fn() {
    const settings = resolveSettings(
      "tcp://admin:chan%40geit@db.local:1115?tls=true&timeout=2500&name=app&requireLeader=false&heartbeatInterval=100",
    );
    assert.deepEqual(settings.endpoint, { hostname: "db.local", port: 1115 });
    assert.deepEqual(settings.calls.credentials, { username: "admin", password: "chan@geit" });
    assert.deepEqual(settings.executor.tls, {});
    assert.equal(settings.executor.operationTimeout, 2500);
    assert.equal(settings.executor.connection.name, "app");
    assert.equal(settings.calls.requireLeader, false);
    assert.equal(settings.executor.connection.heartbeatInterval, 100);
    assert.equal(resolveSettings("tcp://h").endpoint.port, 1113);
  },
});

Deno.test({
  name: "resolveSettings() reads discovery from discover:// URLs and gossipSeeds",
  permissions: "none",
  fn() {
    assert.deepEqual(resolveSettings("discover://cluster.local:2113").discovery, {
      dns: "cluster.local",
      gossipPort: 2113,
    });
    assert.deepEqual(resolveSettings("tcp://h?gossipSeeds=a:2113,b:2113").discovery, {
      seeds: ["a:2113", "b:2113"],
    });
  },
});

Deno.test({
  name: "resolveSettings() reads the node preference, by its names and its legacy ones",
  permissions: "none",
  fn() {
    const preferenceOf = (url: string) => resolveSettings(url).discovery?.preference;
    assert.equal(preferenceOf("discover://c.local?nodePreference=follower"), "follower");
    assert.equal(preferenceOf("tcp://h?gossipSeeds=a:2113&nodePreference=master"), "leader");
    assert.equal(preferenceOf("discover://c.local?NodePreference=Slave"), "follower");
    assert.equal(
      preferenceOf("discover://c.local?nodePreference=readonlyreplica"),
      "readOnlyReplica",
    );
    assert.equal(preferenceOf("discover://c.local?nodePreference=random"), "random");
    assert.deepEqual(
      resolveSettings("tcp://h?nodePreference=random&gossipSeeds=a:2113").discovery,
      { preference: "random", seeds: ["a:2113"] },
    );
    assert.throws(
      () => resolveSettings("discover://c.local?nodePreference=closest"),
      /Invalid connection URL parameter "nodePreference": expected leader, follower/,
    );
    assert.throws(
      () => resolveSettings({ discovery: { seeds: ["a:2113"], preference: "nearest" as never } }),
      /Invalid discovery option "preference"/,
    );
    assert.throws(
      () => resolveSettings({ discovery: { seeds: ["a:2113"], prefer: "leader" } as never }),
      /Unknown discovery option "prefer"/,
    );
  },
});

Deno.test({
  name: "resolveSettings() lets the options object override the target",
  permissions: "none",
  fn() {
    const settings = resolveSettings("tcp://a:b@h:1000", {
      port: 2000,
      credentials: { username: "c", password: "d" },
      operationTimeout: 10,
    });
    assert.equal(settings.endpoint.port, 2000);
    assert.equal(settings.calls.credentials?.username, "c");
    assert.equal(settings.executor.operationTimeout, 10);
  },
});

Deno.test({
  name: "resolveSettings() rejects unknown options, bad ports and bad values with a typed error",
  permissions: "none",
  fn() {
    assert.throws(() => resolveSettings({ hots: "x" } as never), /Unknown connect option "hots"/);
    assert.throws(() => resolveSettings("h:99999"), RangeError);
    assert.throws(
      () => resolveSettings("tcp://h?colour=red"),
      /Unknown connection URL parameter "colour"/,
    );
    assert.throws(() => resolveSettings("http://h"), /Unsupported connection URL scheme/);
    assert.throws(() => resolveSettings({ operationTimeout: -1 }), RangeError);
    assert.throws(() => resolveSettings("tcp://h?tls=maybe"), TypeError);
    assert.throws(() => resolveSettings({ credentials: { username: "a" } as never }), TypeError);
    assert.throws(() => resolveSettings({ discovery: {} }), TypeError);
  },
});

Deno.test({
  name: "errors about connection URLs never repeat the password",
  permissions: "none",
  fn() {
    for (const bad of ["tcp://u:hunter2@h:0", "tcp://u:hunter2@h?x=1", "tcp://u:hunter2@[bad"]) {
      assert.throws(() => resolveSettings(bad), (error: Error) => {
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      });
    }
  },
});
