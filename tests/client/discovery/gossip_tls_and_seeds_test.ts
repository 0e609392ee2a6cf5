import assert from "node:assert/strict";
import { connect } from "../../../lib/client/client.ts";
import { discoverNode } from "../../../lib/client/discovery/discover_node.ts";
import { gossipFetch } from "../../../lib/client/discovery/gossip_fetch.ts";
import { DiscoveryError } from "../../../lib/errors.ts";
import { startMemoryCluster } from "../../../lib/memstore/mod.ts";
import { testTlsCerts } from "../../support/tls_certs.ts";

Deno.test("connect() over a TLS cluster trusts the configured CA for HTTPS gossip", async () => {
  const { caCert, cert, key } = testTlsCerts();
  await using cluster = await startMemoryCluster({ heartbeat: false, tls: { cert, key } });
  assert.match(cluster.gossipSeeds[0], /^https:/);
  await using client = await connect({
    discovery: { seeds: [...cluster.gossipSeeds] },
    tls: { caCerts: [caCert] },
    connectDeadline: 5_000,
  });
  await client.publishEvent("via-https-gossip", "found", { body: { ok: true } });
  const [event] = await client.get("via-https-gossip");
  assert.deepEqual(event.json(), { ok: true });
});

Deno.test("HTTPS gossip without the private CA fails with the certificate named", async () => {
  const { cert, key } = testTlsCerts();
  await using cluster = await startMemoryCluster({ heartbeat: false, tls: { cert, key } });
  const error = await discoverNode({
    seeds: [...cluster.gossipSeeds],
    tls: true,
    fetch: gossipFetch({ caCerts: [testTlsCerts("other CA").caCert] }),
    maxDiscoverAttempts: 1,
  }).then(() => assert.fail("resolved"), (e) => e);
  assert.ok(error instanceof DiscoveryError);
  assert.match(String((error.cause as Error).message), /UnknownIssuer|certificate/i);
});

Deno.test("HTTPS gossip applies the hostname rules: a certificate for another name fails", async () => {
  const { caCert, cert, key } = testTlsCerts("example.test");
  await using cluster = await startMemoryCluster({ heartbeat: false, tls: { cert, key } });
  const error = await discoverNode({
    seeds: [...cluster.gossipSeeds],
    tls: true,
    fetch: gossipFetch({ caCerts: [caCert] }),
    maxDiscoverAttempts: 1,
  }).then(() => assert.fail("resolved"), (e) => e);
  assert.ok(error instanceof DiscoveryError);
  assert.match(String((error.cause as Error).message), /NotValidForName|name|certificate/i);
});

Deno.test("discover://IP:port asks that address for gossip at once, with no DNS lookup", async () => {
  await using cluster = await startMemoryCluster({ heartbeat: false });
  const { port } = new URL(cluster.gossipSeeds[1]);
  let lookups = 0;
  const node = await discoverNode({
    dns: "127.0.0.1",
    gossipPort: Number(port),
    maxDiscoverAttempts: 1,
    resolveDns: () => {
      lookups++;
      return Promise.reject(new Error("no lookup expected"));
    },
  });
  assert.equal(lookups, 0);
  assert.equal(node.port, cluster.leader!.tcpPort);

  await using client = await connect(`discover://127.0.0.1:${port}`, {
    connectDeadline: 5_000,
  });
  await client.publishEvent("via-ip-seed", "found", { body: {} });
  assert.equal((await client.get("via-ip-seed")).length, 1);
});

Deno.test("discover://localhost:port asks the name itself when the DNS lookup finds nothing", async () => {
  await using cluster = await startMemoryCluster({ heartbeat: false });
  const { port } = new URL(cluster.gossipSeeds[0]);
  const node = await discoverNode({
    dns: "localhost",
    gossipPort: Number(port),
    maxDiscoverAttempts: 1,
    resolveDns: () => Promise.reject(new Deno.errors.NotFound("no such host")),
  });
  assert.equal(node.port, cluster.leader!.tcpPort);
});
