import assert from "node:assert/strict";
import { type DescMessage, isFieldSet, type MessageInitShape } from "@bufbuild/protobuf";
import {
  DeleteStreamSchema,
  FilteredReadAllEventsSchema,
  NotHandled_LeaderInfoSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
  ReadAllEventsSchema,
  ReadEventSchema,
  ReadStreamEventsSchema,
  TransactionCommitSchema,
  TransactionStartSchema,
  TransactionWriteSchema,
  WriteEventsSchema,
} from "../../../gen/client_messages_pb.ts";
import {
  type NodeRole,
  notLeaderPayload,
  notReadyPayload,
  routeRequest,
  type Routing,
} from "../../../lib/memstore/cluster/leader_policy.ts";
import { decodeMessage, encodeMessage } from "../../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../../lib/wire/tcp_command.ts";

const none = { permissions: "none" } as const;

interface Case {
  readonly command: number;
  readonly kind: "write" | "read";
  payload(requireLeader: boolean): Uint8Array;
}

function withFlag<D extends DescMessage>(
  schema: D,
  init: (requireLeader: boolean) => MessageInitShape<D>,
): (requireLeader: boolean) => Uint8Array {
  return (requireLeader) => encodeMessage(schema, init(requireLeader));
}

const CASES: readonly Case[] = [
  {
    command: TcpCommand.WriteEvents,
    kind: "write",
    payload: withFlag(WriteEventsSchema, (requireLeader) => ({
      eventStreamId: "s",
      expectedVersion: -2n,
      requireLeader,
    })),
  },
  {
    command: TcpCommand.DeleteStream,
    kind: "write",
    payload: withFlag(
      DeleteStreamSchema,
      (requireLeader) => ({ eventStreamId: "s", requireLeader }),
    ),
  },
  {
    command: TcpCommand.TransactionStart,
    kind: "write",
    payload: withFlag(TransactionStartSchema, (requireLeader) => ({
      eventStreamId: "s",
      requireLeader,
    })),
  },
  {
    command: TcpCommand.TransactionWrite,
    kind: "write",
    payload: withFlag(TransactionWriteSchema, (requireLeader) => ({ requireLeader })),
  },
  {
    command: TcpCommand.TransactionCommit,
    kind: "write",
    payload: withFlag(TransactionCommitSchema, (requireLeader) => ({ requireLeader })),
  },
  {
    command: TcpCommand.ReadEvent,
    kind: "read",
    payload: withFlag(ReadEventSchema, (requireLeader) => ({ eventStreamId: "s", requireLeader })),
  },
  ...[TcpCommand.ReadStreamEventsForward, TcpCommand.ReadStreamEventsBackward].map((command) => ({
    command,
    kind: "read" as const,
    payload: withFlag(ReadStreamEventsSchema, (requireLeader) => ({
      eventStreamId: "s",
      maxCount: 1,
      requireLeader,
    })),
  })),
  ...[TcpCommand.ReadAllEventsForward, TcpCommand.ReadAllEventsBackward].map((command) => ({
    command,
    kind: "read" as const,
    payload: withFlag(ReadAllEventsSchema, (requireLeader) => ({ maxCount: 1, requireLeader })),
  })),
  ...[TcpCommand.FilteredReadAllEventsForward, TcpCommand.FilteredReadAllEventsBackward].map((
    command,
  ) => ({
    command,
    kind: "read" as const,
    payload: withFlag(FilteredReadAllEventsSchema, (requireLeader) => ({
      maxCount: 1,
      requireLeader,
    })),
  })),
];

/** The expected routing, written out from docs/protocol.md §4.15 and the server's controller. */
function expected(role: NodeRole, kind: "write" | "read", requireLeader: boolean): Routing {
  if (role === "Leader") return "serve";
  if (role === "Follower") return requireLeader ? "not-leader" : "serve";
  if (kind === "write") return "not-ready";
  return requireLeader ? "not-ready" : "serve";
}

Deno.test(
  "routeRequest() applies the leader rules to every command carrying require_leader",
  none,
  () => {
    for (const c of CASES) {
      for (const role of ["Leader", "Follower", "Unknown"] as const) {
        for (const requireLeader of [true, false]) {
          assert.equal(
            routeRequest(role, c.command, c.payload(requireLeader)),
            expected(role, c.kind, requireLeader),
            `0x${c.command.toString(16)} on a ${role} with require_leader=${requireLeader}`,
          );
        }
      }
    }
  },
);

Deno.test(
  "routeRequest() sends persistent-subscription commands to the leader whatever the flags",
  none,
  () => {
    const persistent = [
      TcpCommand.CreatePersistentSubscription,
      TcpCommand.UpdatePersistentSubscription,
      TcpCommand.DeletePersistentSubscription,
      TcpCommand.ConnectToPersistentSubscription,
    ];
    for (const command of persistent) {
      assert.equal(routeRequest("Leader", command, new Uint8Array()), "serve");
      assert.equal(routeRequest("Follower", command, new Uint8Array()), "not-leader");
      assert.equal(routeRequest("Unknown", command, new Uint8Array()), "not-ready");
    }
  },
);

Deno.test(
  "routeRequest() lets every node serve ping, volatile subscriptions and scavenges",
  none,
  () => {
    const anywhere = [
      TcpCommand.Ping,
      TcpCommand.SubscribeToStream,
      TcpCommand.FilteredSubscribeToStream,
      TcpCommand.UnsubscribeFromStream,
      TcpCommand.ScavengeDatabase,
      TcpCommand.PersistentSubscriptionAckEvents,
    ];
    for (const command of anywhere) {
      for (const role of ["Leader", "Follower", "Unknown"] as const) {
        assert.equal(routeRequest(role, command, new Uint8Array([1, 2, 3])), "serve");
      }
    }
  },
);

Deno.test(
  "notLeaderPayload() carries the plaintext TCP and HTTP endpoints in fields 1-4",
  none,
  () => {
    const payload = notLeaderPayload({
      tcpHost: "127.0.0.1",
      tcpPort: 1113,
      secure: false,
      httpHost: "127.0.0.2",
      httpPort: 2113,
    });
    const notHandled = decodeMessage(NotHandledSchema, payload);
    assert.equal(notHandled.reason, NotHandled_NotHandledReason.NotLeader);
    const info = decodeMessage(NotHandled_LeaderInfoSchema, notHandled.additionalInfo!);
    assert.equal(info.externalTcpAddress, "127.0.0.1");
    assert.equal(info.externalTcpPort, 1113);
    assert.equal(info.httpAddress, "127.0.0.2");
    assert.equal(info.httpPort, 2113);
    const secureAddress = NotHandled_LeaderInfoSchema.field.externalSecureTcpAddress;
    assert.equal(isFieldSet(info, secureAddress), false);
    assert.equal(isFieldSet(info, NotHandled_LeaderInfoSchema.field.externalSecureTcpPort), false);
  },
);

Deno.test("notLeaderPayload() puts a TLS endpoint in the secure fields 5-6 only", none, () => {
  const payload = notLeaderPayload({
    tcpHost: "127.0.0.1",
    tcpPort: 1115,
    secure: true,
    httpHost: "127.0.0.1",
    httpPort: 2115,
  });
  const info = decodeMessage(
    NotHandled_LeaderInfoSchema,
    decodeMessage(NotHandledSchema, payload).additionalInfo!,
  );
  assert.equal(info.externalSecureTcpAddress, "127.0.0.1");
  assert.equal(info.externalSecureTcpPort, 1115);
  assert.equal(info.externalTcpAddress, "");
  assert.equal(info.externalTcpPort, 0);
  assert.equal(info.httpPort, 2115);
});

Deno.test("notReadyPayload() is NotHandled NotReady without additional info", none, () => {
  const notHandled = decodeMessage(NotHandledSchema, notReadyPayload());
  assert.equal(notHandled.reason, NotHandled_NotHandledReason.NotReady);
  assert.equal(isFieldSet(notHandled, NotHandledSchema.field.additionalInfo), false);
});
