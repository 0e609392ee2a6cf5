import assert from "node:assert/strict";
import {
  ClusterDiscoverer,
  discoverNode,
  type DiscoverNodeOptions,
  fetchGossip,
  tcpEndpoint,
} from "../../../lib/client/discovery/discover_node.ts";
import { parseGossip } from "../../../lib/client/discovery/gossip.ts";
import { DiscoveryError, ProtocolError } from "../../../lib/errors.ts";
import { generateTlsCerts } from "../../support/tls_certs.ts";
import { fixture, type GossipJson } from "./fixtures.ts";

const unit = { permissions: "none" } as const;

type Answer = GossipJson | number | "refuse" | "hang" | "not-json";

/** A fake fetch: answers per URL, records every URL asked, refuses unknown hosts like fetch. */
function fakeFetch(answers: Record<string, Answer | Answer[]>): {
  fetch: typeof fetch;
  asked: string[];
} {
  const asked: string[] = [];
  const calls = new Map<string, number>();
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    asked.push(url);
    const n = calls.get(url) ?? 0;
    calls.set(url, n + 1);
    const entry = answers[url];
    const answer = Array.isArray(entry) ? entry[Math.min(n, entry.length - 1)] : entry;
    if (answer === undefined || answer === "refuse") {
      return Promise.reject(new TypeError(`error sending request for url (${url})`));
    }
    if (answer === "hang") {
      return new Promise((_, reject) => {
        const signal = init!.signal!;
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    }
    if (answer === "not-json") return Promise.resolve(new Response("<html>"));
    if (typeof answer === "number") {
      return Promise.resolve(new Response("nope", { status: answer }));
    }
    return Promise.resolve(Response.json(answer));
  };
  return { fetch: fetchFn as typeof fetch, asked };
}

const url = (host: string, port = 2113, scheme = "http") =>
  `${scheme}://${host}:${port}/gossip?format=json`;

/** Keeps shuffles in place, so the order of candidates is the order given. */
const inOrder = () => 0.999;

const fast: Partial<DiscoverNodeOptions> = { discoverDelayMs: 0, random: inOrder };

Deno.test("discoverNode() returns the Master's TCP endpoint from a 5.x seed", unit, async () => {
  const { fetch, asked } = fakeFetch({ [url("seed1")]: fixture("gossip_5x") });
  const node = await discoverNode({ ...fast, seeds: ["seed1:2113"], fetch });
  assert.equal(node.host, "10.0.5.2");
  assert.equal(node.port, 1113);
  assert.equal(node.secure, false);
  assert.equal(node.member.state, "Master");
  assert.equal(node.members.length, 4);
  assert.deepEqual(asked, [url("seed1")]);
});

Deno.test(
  "discoverNode() uses externalSecureTcpPort with tls on a secure 20.x cluster",
  unit,
  async () => {
    const { fetch } = fakeFetch({ [url("seed1", 2113, "https")]: fixture("gossip_20x") });
    const node = await discoverNode({ ...fast, seeds: ["https://seed1:2113"], tls: true, fetch });
    assert.deepEqual([node.host, node.port, node.secure], ["10.0.20.2", 1113, true]);
  },
);

Deno.test("discoverNode() honours the node preference", unit, async () => {
  const { fetch } = fakeFetch({ [url("seed1")]: fixture("gossip_20x") });
  const options = { ...fast, seeds: ["seed1:2113"], tls: true, fetch };
  const replica = await discoverNode({ ...options, preference: "readOnlyReplica" });
  assert.equal(replica.host, "10.0.20.4");
  const follower = await discoverNode({ ...options, preference: "follower", random: () => 0 });
  assert.equal(follower.host, "10.0.20.1");
});

Deno.test(
  "discoverNode() skips members whose TCP port is 0 (external TCP off or TLS only)",
  unit,
  async () => {
    const { fetch } = fakeFetch({ [url("seed1")]: fixture("gossip_20x") });
    const error = await discoverNode({
      ...fast,
      seeds: ["seed1:2113"],
      maxDiscoverAttempts: 2,
      fetch,
    })
      .then(() => assert.fail("resolved"), (e) => e);
    assert.ok(error instanceof DiscoveryError);
    assert.equal(error.attempts, 2);
    assert.match(error.message, /after 2 attempts: .*lists no eligible member with a TCP endpoint/);
  },
);

Deno.test(
  "discoverNode() moves on from a seed that refuses, errs, hangs or sends junk",
  unit,
  async () => {
    const gossip = fixture("gossip_5x");
    const { fetch, asked } = fakeFetch({
      [url("a")]: "refuse",
      [url("b")]: 500,
      [url("c")]: "not-json",
      [url("d")]: { members: "none" } as unknown as GossipJson,
      [url("e")]: "hang",
      [url("f")]: gossip,
    });
    const seeds = ["a", "b", "c", "d", "e", "f"].map((h) => `${h}:2113`);
    const node = await discoverNode({ ...fast, seeds, gossipTimeoutMs: 20, fetch });
    assert.equal(node.host, "10.0.5.2");
    assert.deepEqual(asked, ["a", "b", "c", "d", "e", "f"].map((h) => url(h)));
  },
);

Deno.test("discoverNode() retries rounds and succeeds once the cluster answers", unit, async () => {
  const { fetch, asked } = fakeFetch({
    [url("a")]: [503, 503, fixture("gossip_5x")],
    [url("b")]: "refuse",
  });
  const node = await discoverNode({ ...fast, seeds: ["a:2113", "b:2113"], fetch });
  assert.equal(node.member.state, "Master");
  assert.deepEqual(asked, [url("a"), url("b"), url("a"), url("b"), url("a")]);
});

Deno.test(
  "discoverNode() gives up after maxDiscoverAttempts with DiscoveryError",
  unit,
  async () => {
    const { fetch, asked } = fakeFetch({ [url("a")]: 503, [url("b")]: "refuse" });
    const error = await discoverNode({
      ...fast,
      seeds: ["a:2113", "b:2113"],
      maxDiscoverAttempts: 3,
      fetch,
    }).then(() => assert.fail("resolved"), (e) => e);
    assert.ok(error instanceof DiscoveryError);
    assert.equal(error.attempts, 3);
    assert.equal(asked.length, 6);
    assert.match(String((error.cause as Error).message), /Gossip request to http:\/\/b:2113/);
  },
);

Deno.test("discoverNode() asks the A records of a DNS name on the gossip port", unit, async () => {
  const { fetch, asked } = fakeFetch({ [url("10.9.0.2", 2114)]: fixture("gossip_5x") });
  const names: string[] = [];
  const node = await discoverNode({
    ...fast,
    dns: "cluster.example",
    gossipPort: 2114,
    resolveDns: (name) => {
      names.push(name);
      return Promise.resolve(["10.9.0.1", "10.9.0.2"]);
    },
    fetch,
  });
  assert.equal(node.host, "10.0.5.2");
  assert.deepEqual(names, ["cluster.example"]);
  assert.deepEqual(asked, [url("10.9.0.1", 2114), url("10.9.0.2", 2114)]);
});

Deno.test("discoverNode() retries when the DNS lookup fails", unit, async () => {
  const { fetch } = fakeFetch({ [url("10.9.0.1")]: fixture("gossip_5x") });
  let lookups = 0;
  const node = await discoverNode({
    ...fast,
    dns: "cluster.example",
    resolveDns: () => {
      lookups++;
      return lookups === 1
        ? Promise.reject(new Deno.errors.NotFound("no such host"))
        : Promise.resolve(["10.9.0.1"]);
    },
    fetch,
  });
  assert.equal(node.host, "10.0.5.2");
  assert.equal(lookups, 2);
  const error = await discoverNode({
    ...fast,
    dns: "cluster.example",
    maxDiscoverAttempts: 1,
    resolveDns: () => Promise.reject(new Deno.errors.NotFound("no such host")),
    fetch,
  }).then(() => assert.fail("resolved"), (e) => e);
  assert.match(error.message, /Cannot resolve "cluster.example": no such host/);
});

Deno.test("discoverNode() fetches over HTTPS where gossipOverHttps says so", unit, async () => {
  const { fetch, asked } = fakeFetch({ [url("a", 2113, "https")]: fixture("gossip_5x") });
  await discoverNode({ ...fast, seeds: ["a:2113"], gossipOverHttps: true, fetch });
  assert.deepEqual(asked, [url("a", 2113, "https")]);
});

Deno.test("discoverNode() rejects bad options with TypeError or RangeError", unit, async () => {
  const { fetch } = fakeFetch({});
  await assert.rejects(discoverNode({ fetch }), /give gossip seeds or a DNS name/);
  await assert.rejects(discoverNode({ seeds: [], fetch }), TypeError);
  await assert.rejects(discoverNode({ seeds: ["a:1"], dns: "x", fetch }), /not both/);
  await assert.rejects(discoverNode({ seeds: ["a"], fetch }), /Invalid gossip seed "a"/);
  await assert.rejects(discoverNode({ seeds: ["a:1"], maxDiscoverAttempts: 0, fetch }), RangeError);
  await assert.rejects(discoverNode({ seeds: ["a:1"], gossipTimeoutMs: -1, fetch }), RangeError);
  await assert.rejects(discoverNode({ seeds: ["a:1"], gossipPort: 1.5, fetch }), RangeError);
  await assert.rejects(
    discoverNode({ seeds: ["a:1"], preference: "master" as "leader", fetch }),
    /Invalid node preference "master"/,
  );
});

Deno.test(
  "discoverNode() after a failure asks the other members first, managers last",
  unit,
  async () => {
    const previousMembers = parseGossip(fixture("gossip_5x")).members;
    const { fetch, asked } = fakeFetch({});
    await assert.rejects(
      discoverNode({
        ...fast,
        seeds: ["seed1:2113"],
        previousMembers,
        excludeEndpoint: { host: "10.0.5.2", port: 1113 },
        maxDiscoverAttempts: 1,
        fetch,
      }),
      DiscoveryError,
    );
    assert.deepEqual(asked, [
      url("10.0.5.1"),
      url("10.0.5.3"),
      url("10.0.5.4", 30778),
      url("seed1"),
    ]);
  },
);

Deno.test("discoverNode() aborts with the signal's reason, not DiscoveryError", unit, async () => {
  const { fetch } = fakeFetch({ [url("a")]: "hang" });
  const controller = new AbortController();
  const reason = new Error("stop");
  const pending = discoverNode({ ...fast, seeds: ["a:2113"], fetch, signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
  await assert.rejects(
    discoverNode({ ...fast, seeds: ["a:2113"], fetch, signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
});

Deno.test("discoverNode() aborts during the pause between rounds", unit, async () => {
  const controller = new AbortController();
  const { fetch } = fakeFetch({ [url("a")]: 503 });
  const counting: typeof fetch = (input, init) => {
    const answer = fetch(input, init);
    // Abort once the first round's only request has been answered: discovery is then pausing.
    answer.finally(() => queueMicrotask(() => controller.abort(new Error("stop"))));
    return answer;
  };
  await assert.rejects(
    discoverNode({
      seeds: ["a:2113"],
      discoverDelayMs: 60_000,
      fetch: counting,
      signal: controller.signal,
    }),
    /stop/,
  );
});

Deno.test("ClusterDiscoverer rediscovers through the last gossip's members", unit, async () => {
  const first = fixture("gossip_5x");
  const next = fixture("gossip_5x");
  next.members[1].state = "Slave";
  next.members[2].state = "Master";
  const { fetch, asked } = fakeFetch({ [url("seed1")]: first, [url("10.0.5.1")]: next });
  const discoverer = new ClusterDiscoverer({ ...fast, seeds: ["seed1:2113"], fetch });
  assert.equal(discoverer.members, undefined);
  const node1 = await discoverer.discover();
  assert.equal(node1.host, "10.0.5.2");
  assert.equal(discoverer.members, node1.members);
  const node2 = await discoverer.discover({ host: node1.host, port: node1.port });
  assert.equal(node2.host, "10.0.5.3");
  assert.deepEqual(asked, [url("seed1"), url("10.0.5.1")]);
});

Deno.test("tcpEndpoint() prefers the secure port only with tls", unit, () => {
  const [leader5] = parseGossip(fixture("gossip_5x")).members.filter((m) => m.state === "Master");
  const [leader20] = parseGossip(fixture("gossip_20x")).members.filter((m) => m.state === "Leader");
  assert.deepEqual(tcpEndpoint(leader5, false), { host: "10.0.5.2", port: 1113 });
  assert.deepEqual(tcpEndpoint(leader5, true), { host: "10.0.5.2", port: 1113 });
  assert.deepEqual(tcpEndpoint(leader20, true), { host: "10.0.20.2", port: 1113 });
  assert.equal(tcpEndpoint(leader20, false), undefined);
});

Deno.test(
  "fetchGossip() names the URL when the node answers with an HTTP error",
  unit,
  async () => {
    const { fetch } = fakeFetch({ [url("a")]: 404 });
    await assert.rejects(
      fetchGossip({ host: "a", port: 2113, secure: false }, fetch),
      /Gossip request to http:\/\/a:2113\/gossip\?format=json failed: HTTP status 404/,
    );
  },
);

Deno.test("fetchGossip() times out a request that never answers", unit, async () => {
  const { fetch } = fakeFetch({ [url("a")]: "hang" });
  const error = await fetchGossip({ host: "a", port: 2113, secure: false }, fetch, 10)
    .then(() => assert.fail("resolved"), (e) => e);
  assert.match(error.message, /timed out after 10 ms/);
  assert.equal((error.cause as DOMException).name, "TimeoutError");
});

Deno.test(
  "fetchGossip() rejects a document that is not gossip with ProtocolError",
  unit,
  async () => {
    const { fetch } = fakeFetch({ [url("a")]: { hello: 1 } as unknown as GossipJson });
    await assert.rejects(
      fetchGossip({ host: "a", port: 2113, secure: false }, fetch),
      ProtocolError,
    );
  },
);

Deno.test("discoverNode() reads gossip from a real HTTP server on loopback", {
  permissions: { net: ["127.0.0.1"] },
}, async () => {
  const gossip = fixture("gossip_5x");
  for (const m of gossip.members) m.externalTcpIp = "127.0.0.1";
  const requests: string[] = [];
  await using server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen: () => {},
  }, (request) => {
    const { pathname, search } = new URL(request.url);
    requests.push(`${request.method} ${pathname}${search}`);
    return pathname === "/gossip" ? Response.json(gossip) : new Response("", { status: 404 });
  });
  const node = await discoverNode({ seeds: [`127.0.0.1:${server.addr.port}`] });
  assert.deepEqual([node.host, node.port, node.member.state], ["127.0.0.1", 1113, "Master"]);
  assert.deepEqual(requests, ["GET /gossip?format=json"]);
});

Deno.test("discoverNode() fetches gossip over HTTPS from a node with its own CA", async () => {
  const { caCert, cert, key } = await generateTlsCerts();
  const gossip = fixture("gossip_20x");
  await using server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", cert, key, onListen: () => {} },
    () => Response.json(gossip),
  );
  using client = Deno.createHttpClient({ caCerts: [caCert] });
  const trusting: typeof fetch = (input, init) => fetch(input, { ...init, client });
  const node = await discoverNode({
    seeds: [`https://127.0.0.1:${server.addr.port}`],
    tls: true,
    fetch: trusting,
  });
  assert.deepEqual([node.host, node.port, node.secure], ["10.0.20.2", 1113, true]);
  // Without trusting the CA every attempt fails on the certificate.
  const error = await discoverNode({
    seeds: [`https://127.0.0.1:${server.addr.port}`],
    maxDiscoverAttempts: 1,
  }).then(() => assert.fail("resolved"), (e) => e);
  assert.ok(error instanceof DiscoveryError);
  assert.match(error.message, /certificate|UnknownIssuer/i);
});
