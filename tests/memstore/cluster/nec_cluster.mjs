// node-eventstore-client (NEC) against the simulated memstore cluster: the independent client
// parses the cluster's gossip, follows NotHandled NotLeader and fails over after the leader dies.
// Run by nec_cluster_test.ts through the interop harness: `--host/--port` name one node's TCP
// endpoint, ES_GOSSIP_SEEDS lists the gossip endpoints ("host:port,host:port,...").
import {
  es,
  jsonEvents,
  main,
  signal,
  slice,
  step,
  streamName,
  target,
  write,
} from "../../interop/scenarios/lib.mjs";

const { noStream } = es.expectedVersion;

function gossipSeeds() {
  return (process.env.ES_GOSSIP_SEEDS ?? "").split(",").filter((s) => s !== "").map((s) => {
    const [host, port] = s.split(":");
    return new es.GossipSeed({ host, port: Number(port) });
  });
}

/**
 * Opens a NEC connection to a TCP endpoint or through gossip seeds, recording the port of every
 * connection it makes (listening before `connect()`, so the first one is recorded too).
 */
async function connectTracked(endPointOrSeeds) {
  const conn = es.createConnection(
    {
      defaultUserCredentials: new es.UserCredentials("admin", "changeit"),
      reconnectionDelay: 50,
      discoverDelay: 50,
      maxDiscoverAttempts: 10,
      gossipTimeout: 1000,
    },
    endPointOrSeeds,
  );
  const endpoints = [];
  conn.on("connected", (endPoint) => endpoints.push(endPoint.port));
  await conn.connect();
  return { conn, endpoints };
}

async function closeConnection(conn) {
  const closed = new Promise((resolve) => conn.once("closed", resolve));
  conn.close();
  await closed;
}

main({
  /** Discovery picks the leader; after the harness kills it NEC rediscovers the new leader. */
  async gossip_failover() {
    const { conn, endpoints } = await connectTracked(gossipSeeds());
    const stream = streamName("failover");
    step("append event 0 on the first leader");
    const first = write(await conn.appendToStream(stream, noStream, jsonEvents(1)));
    await signal("kill-leader");
    step("append event 1 after the leader died");
    const second = write(await conn.appendToStream(stream, 0, jsonEvents(1, "e", 1)));
    step("read back");
    const read = slice(await conn.readStreamEventsForward(stream, 0, 10, true));
    await closeConnection(conn);
    return { endpoints, first, second, numbers: read.numbers };
  },

  /** Connected straight to a follower, a require-master append is redirected to the leader. */
  async not_leader_redirect() {
    const { conn, endpoints } = await connectTracked({ host: target.host, port: target.port });
    const stream = streamName("redirect");
    step("append on a follower with requireMaster");
    const result = write(await conn.appendToStream(stream, noStream, jsonEvents(1)));
    const read = slice(await conn.readStreamEventsForward(stream, 0, 10, true));
    await closeConnection(conn);
    return { endpoints, result, numbers: read.numbers };
  },
});
