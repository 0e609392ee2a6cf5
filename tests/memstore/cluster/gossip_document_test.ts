import assert from "node:assert/strict";
import { parseGossip } from "../../../lib/client/discovery/gossip.ts";
import {
  gossipDocument,
  type MemberSnapshot,
} from "../../../lib/memstore/cluster/gossip_document.ts";

const none = { permissions: "none" } as const;

const EPOCH = { position: 512, number: 2, id: "6c3b5d53-0e39-4c4b-8a8c-1d6a7b0f7e01" };

function member(overrides: Partial<MemberSnapshot> = {}): MemberSnapshot {
  return {
    instanceId: "0b7cba8a-7f3c-4b1e-9d55-3c4f6e0a2b11",
    state: "Leader",
    isAlive: true,
    timeStamp: new Date("2026-01-02T03:04:05.678Z"),
    host: "127.0.0.1",
    tcpPort: 1113,
    secure: false,
    httpPort: 2113,
    lastCommitPosition: 900,
    writerCheckpoint: 1000,
    chaserCheckpoint: 1000,
    epoch: EPOCH,
    nodePriority: 3,
    ...overrides,
  };
}

Deno.test("gossipDocument() writes the 20.x member shape with Leader/Follower names", none, () => {
  const doc = gossipDocument(
    [member(), member({ state: "Follower", isAlive: false, tcpPort: 1114, httpPort: 2114 })],
    "20",
    "127.0.0.1",
    2113,
  );
  assert.deepEqual(JSON.parse(JSON.stringify(doc)), {
    members: [
      {
        instanceId: "0b7cba8a-7f3c-4b1e-9d55-3c4f6e0a2b11",
        timeStamp: "2026-01-02T03:04:05.678Z",
        state: "Leader",
        isAlive: true,
        internalTcpIp: "127.0.0.1",
        internalTcpPort: 0,
        internalSecureTcpPort: 0,
        externalTcpIp: "127.0.0.1",
        externalTcpPort: 1113,
        externalSecureTcpPort: 0,
        httpEndPointIp: "127.0.0.1",
        httpEndPointPort: 2113,
        lastCommitPosition: 900,
        writerCheckpoint: 1000,
        chaserCheckpoint: 1000,
        epochPosition: 512,
        epochNumber: 2,
        epochId: EPOCH.id,
        nodePriority: 3,
        isReadOnlyReplica: false,
      },
      {
        instanceId: "0b7cba8a-7f3c-4b1e-9d55-3c4f6e0a2b11",
        timeStamp: "2026-01-02T03:04:05.678Z",
        state: "Follower",
        isAlive: false,
        internalTcpIp: "127.0.0.1",
        internalTcpPort: 0,
        internalSecureTcpPort: 0,
        externalTcpIp: "127.0.0.1",
        externalTcpPort: 1114,
        externalSecureTcpPort: 0,
        httpEndPointIp: "127.0.0.1",
        httpEndPointPort: 2114,
        lastCommitPosition: 900,
        writerCheckpoint: 1000,
        chaserCheckpoint: 1000,
        epochPosition: 512,
        epochNumber: 2,
        epochId: EPOCH.id,
        nodePriority: 3,
        isReadOnlyReplica: false,
      },
    ],
    serverIp: "127.0.0.1",
    serverPort: 2113,
  });
});

Deno.test("gossipDocument() writes the 5.x shape: Master/Slave and both HTTP pairs", none, () => {
  const doc = gossipDocument(
    [member(), member({ state: "Follower" }), member({ state: "Unknown" })],
    "5",
    "127.0.0.1",
    2113,
  ) as { members: Record<string, unknown>[] };
  assert.deepEqual(doc.members.map((m) => m.state), ["Master", "Slave", "Unknown"]);
  const first = doc.members[0];
  assert.equal(first.internalHttpIp, "127.0.0.1");
  assert.equal(first.internalHttpPort, 2113);
  assert.equal(first.externalHttpIp, "127.0.0.1");
  assert.equal(first.externalHttpPort, 2113);
  assert.equal("httpEndPointIp" in first, false);
  assert.equal("httpEndPointPort" in first, false);
  assert.equal("isReadOnlyReplica" in first, false);
});

Deno.test(
  "gossipDocument() advertises a TLS port as externalSecureTcpPort with externalTcpPort 0",
  none,
  () => {
    const doc = gossipDocument(
      [member({ secure: true, tcpPort: 1115 })],
      "20",
      "127.0.0.1",
      2113,
    ) as {
      members: Record<string, unknown>[];
    };
    assert.equal(doc.members[0].externalTcpPort, 0);
    assert.equal(doc.members[0].externalSecureTcpPort, 1115);
  },
);

Deno.test(
  "gossipDocument() output parses with the client's gossip parser in both shapes",
  none,
  () => {
    for (const shape of ["20", "5"] as const) {
      const info = parseGossip(
        JSON.parse(JSON.stringify(gossipDocument([member()], shape, "127.0.0.1", 2113))),
      );
      assert.equal(info.members[0].state, shape === "20" ? "Leader" : "Master");
      assert.equal(info.members[0].httpIp, "127.0.0.1");
      assert.equal(info.members[0].httpPort, 2113);
      assert.equal(info.members[0].externalTcpPort, 1113);
    }
  },
);
