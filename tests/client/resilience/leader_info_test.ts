import assert from "node:assert/strict";
import {
  NotHandled_LeaderInfoSchema,
  NotHandled_NotHandledReason,
  NotHandledSchema,
} from "../../../gen/client_messages_pb.ts";
import { leaderEndpoint } from "../../../lib/client/leader_info.ts";
import { ProtocolError } from "../../../lib/errors.ts";
import { encodeMessage } from "../../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../../lib/wire/tcp_command.ts";
import { decodeReply, type Message } from "../../../lib/wire/message.ts";

const unit = { permissions: "none" } as const;

function notHandled(reason: NotHandled_NotHandledReason, info?: Uint8Array): Message {
  return decodeReply({
    command: TcpCommand.NotHandled,
    correlationId: "00000000-0000-0000-0000-000000000001",
    payload: encodeMessage(NotHandledSchema, { reason, additionalInfo: info }),
  });
}

const both = encodeMessage(NotHandled_LeaderInfoSchema, {
  externalTcpAddress: "10.0.0.2",
  externalTcpPort: 1113,
  httpAddress: "10.0.0.2",
  httpPort: 2113,
  externalSecureTcpAddress: "leader.example",
  externalSecureTcpPort: 1114,
});

Deno.test("leaderEndpoint() reads the plaintext endpoint, or the secure one with TLS", unit, () => {
  const pkg = notHandled(NotHandled_NotHandledReason.NotLeader, both);
  assert.deepEqual(leaderEndpoint(pkg, false), { hostname: "10.0.0.2", port: 1113 });
  assert.deepEqual(leaderEndpoint(pkg, true), { hostname: "leader.example", port: 1114 });
});

Deno.test("leaderEndpoint() falls back to whichever endpoint a 23.x server filled", unit, () => {
  const secureOnly = encodeMessage(NotHandled_LeaderInfoSchema, {
    externalTcpAddress: "",
    externalTcpPort: 0,
    httpAddress: "10.0.0.2",
    httpPort: 2113,
    externalSecureTcpAddress: "10.0.0.2",
    externalSecureTcpPort: 1113,
  });
  const pkg = notHandled(NotHandled_NotHandledReason.NotLeader, secureOnly);
  assert.deepEqual(leaderEndpoint(pkg, false), { hostname: "10.0.0.2", port: 1113 });
});

Deno.test(
  "leaderEndpoint() is undefined for other reasons, other commands or no info",
  unit,
  () => {
    assert.equal(
      leaderEndpoint(notHandled(NotHandled_NotHandledReason.TooBusy, both), false),
      undefined,
    );
    assert.equal(
      leaderEndpoint(notHandled(NotHandled_NotHandledReason.NotLeader), false),
      undefined,
    );
    assert.equal(
      leaderEndpoint(
        { command: TcpCommand.Pong, correlationId: "x", schema: undefined, body: undefined },
        false,
      ),
      undefined,
    );
  },
);

Deno.test("leaderEndpoint() throws ProtocolError for undecodable leader info", unit, () => {
  const pkg = notHandled(NotHandled_NotHandledReason.NotLeader, new Uint8Array([0xff, 0xff, 0xff]));
  assert.throws(() => leaderEndpoint(pkg, false), ProtocolError);
});
