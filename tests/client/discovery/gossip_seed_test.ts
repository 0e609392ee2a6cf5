import assert from "node:assert/strict";
import { gossipUrl, parseGossipSeed } from "../../../lib/client/discovery/gossip_seed.ts";

const unit = { permissions: "none" } as const;

Deno.test("parseGossipSeed() reads host:port with the default scheme", unit, () => {
  assert.deepEqual(parseGossipSeed("node1:2113"), { host: "node1", port: 2113, secure: false });
  assert.deepEqual(parseGossipSeed("10.0.0.1:2113", true), {
    host: "10.0.0.1",
    port: 2113,
    secure: true,
  });
});

Deno.test("parseGossipSeed() lets an http:// or https:// prefix choose the scheme", unit, () => {
  assert.deepEqual(parseGossipSeed("https://node1:2113"), {
    host: "node1",
    port: 2113,
    secure: true,
  });
  assert.deepEqual(parseGossipSeed("HTTP://node1:2114/", true), {
    host: "node1",
    port: 2114,
    secure: false,
  });
});

Deno.test("parseGossipSeed() accepts bracketed IPv6 addresses", unit, () => {
  assert.deepEqual(parseGossipSeed("[::1]:2113"), { host: "::1", port: 2113, secure: false });
});

Deno.test("parseGossipSeed() rejects seeds without a valid port with TypeError", unit, () => {
  for (const text of ["node1", "node1:", ":2113", "node1:0", "node1:65536", "ftp://n:1", "a b:1"]) {
    assert.throws(() => parseGossipSeed(text), TypeError, text);
  }
  assert.throws(() => parseGossipSeed("node1"), /Invalid gossip seed "node1"/);
});

Deno.test("gossipUrl() builds the JSON gossip URL, bracketing IPv6", unit, () => {
  assert.equal(
    gossipUrl({ host: "node1", port: 2113, secure: true }),
    "https://node1:2113/gossip?format=json",
  );
  assert.equal(
    gossipUrl({ host: "::1", port: 2113, secure: false }),
    "http://[::1]:2113/gossip?format=json",
  );
});
