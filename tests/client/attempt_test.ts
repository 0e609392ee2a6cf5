import assert from "node:assert/strict";
import {
  NotHandled_NotHandledReason,
  NotHandledSchema,
  ReadEventCompleted_ReadEventResult,
  ReadEventCompletedSchema,
} from "../../gen/client_messages_pb.ts";
import { Attempt } from "../../lib/client/attempt.ts";
import { Connection } from "../../lib/client/connection.ts";
import { readEventOperation } from "../../lib/client/read_operations.ts";
import { ConnectionClosedError, NotHandledError, StreamNotFoundError } from "../../lib/errors.ts";
import { createPipe } from "../../lib/wire/duplex.ts";
import { encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { FakePeer } from "./support/fake_peer.ts";

async function openFake(): Promise<{ connection: Connection; peer: FakePeer }> {
  const [clientEnd, serverEnd] = createPipe();
  const peer = new FakePeer(serverEnd);
  const handshake = (async () => {
    const identify = await peer.receive();
    await peer.reply(identify, TcpCommand.ClientIdentified);
  })();
  const connection = await Connection.open(clientEnd);
  await handshake;
  return { connection, peer };
}

const context = { resolveLinks: true, requireLeader: true, credentials: undefined };
const noStream = () =>
  encodeMessage(ReadEventCompletedSchema, { result: ReadEventCompleted_ReadEventResult.NoStream });

Deno.test("an attempt fails with the connection while its operation stays open for a retry on another connection", async () => {
  const operation = readEventOperation(context, "s", 0n);
  let settled = false;
  operation.result.then(() => settled = true, () => settled = true);

  const first = await openFake();
  const attempt = first.connection.execute(new Attempt(operation));
  const firstRequest = await first.peer.receive();
  first.peer.close();
  await assert.rejects(attempt, ConnectionClosedError);
  await first.connection.close();
  assert.equal(settled, false);

  await using second = await openFake().then(({ connection, peer }) => ({
    peer,
    connection,
    [Symbol.asyncDispose]: async () => {
      await connection.close();
      peer.close();
    },
  }));
  const retry = second.connection.execute(new Attempt(operation));
  const secondRequest = await second.peer.receive();
  assert.notEqual(secondRequest.correlationId, firstRequest.correlationId);
  assert.deepEqual(secondRequest.payload, firstRequest.payload);
  await second.peer.reply(secondRequest, TcpCommand.ReadEventCompleted, noStream());
  await assert.rejects(retry, StreamNotFoundError);
  await assert.rejects(operation.result, StreamNotFoundError);
});

Deno.test("a NotHandled reply fails the attempt with NotHandledError and leaves the operation open", async () => {
  const operation = readEventOperation(context, "s", 0n);
  let settled = false;
  operation.result.then(() => settled = true, () => settled = true);
  const { connection, peer } = await openFake();
  const attempt = connection.execute(new Attempt(operation));
  const request = await peer.receive();
  await peer.reply(
    request,
    TcpCommand.NotHandled,
    encodeMessage(NotHandledSchema, { reason: NotHandled_NotHandledReason.NotReady }),
  );
  await assert.rejects(attempt, (e) => e instanceof NotHandledError && e.reason === "NotReady");
  assert.equal(settled, false);
  const again = connection.execute(new Attempt(operation));
  await peer.reply(await peer.receive(), TcpCommand.ReadEventCompleted, noStream());
  await assert.rejects(again, StreamNotFoundError);
  await connection.close();
  peer.close();
});
