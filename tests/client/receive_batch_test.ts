import assert from "node:assert/strict";
import {
  OperationResult,
  WriteEventsCompletedSchema,
  WriteEventsSchema,
} from "../../gen/client_messages_pb.ts";
import { ConnectionClosedError, ProtocolError } from "../../lib/errors.ts";
import { encodePackage } from "../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { connectFake } from "./support/fake_peer.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

Deno.test("replies that arrive in one chunk each reach their own operation", async () => {
  const { client, peer } = await connectFake();
  await using _ = client;
  const count = 50;
  const writes = Array.from(
    { length: count },
    (_, i) => client.publishEvent(`stream-${i}`, "counted", { body: { i } }),
  );
  const replies: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const request = await peer.receive();
    const stream = decodeMessage(WriteEventsSchema, request.payload).eventStreamId;
    const last = BigInt(stream.slice("stream-".length));
    replies.push(encodePackage({
      command: TcpCommand.WriteEventsCompleted,
      correlationId: request.correlationId,
      payload: encodeMessage(WriteEventsCompletedSchema, {
        result: OperationResult.Success,
        firstEventNumber: last,
        lastEventNumber: last,
      }),
    }));
  }
  await peer.sendBytes(concat(replies.reverse()));
  const results = await Promise.all(writes);
  results.forEach((result, i) => assert.equal(result.lastEventNumber, BigInt(i)));
  peer.close();
});

Deno.test("a malformed frame in a chunk: the replies before it are delivered, then the connection closes with a ProtocolError cause", async () => {
  const { client, peer } = await connectFake();
  const pings = [client.ping(), client.ping(), client.ping()];
  pings[2].catch(() => {}); // checked below
  const requests = [await peer.receive(), await peer.receive(), await peer.receive()];
  const pong = (i: number) =>
    encodePackage({
      command: TcpCommand.Pong,
      correlationId: requests[i].correlationId,
      payload: new Uint8Array(0),
    });
  const bad = new Uint8Array([0x05, 0, 0, 0]); // a 5-byte package is shorter than its header
  await peer.sendBytes(concat([pong(1), pong(0), bad, pong(2)]));
  await pings[0];
  await pings[1];
  await assert.rejects(pings[2], (error) => {
    assert.ok(error instanceof ConnectionClosedError);
    assert.ok(error.cause instanceof ProtocolError);
    assert.equal(error.cause.kind, "frame-too-small");
    return true;
  });
  assert.equal(client.state.status, "closed");
  await client.close();
  peer.close();
});
