import assert from "node:assert/strict";
import {
  NotHandled_NotHandledReason,
  NotHandledSchema,
  OperationResult,
  ReadStreamEventsCompletedSchema,
  WriteEventsCompletedSchema,
} from "../../gen/client_messages_pb.ts";
import { ProtocolError } from "../../lib/errors.ts";
import { bodyOf, decodeReply, textOf } from "../../lib/wire/message.ts";
import { MessageDecoderStream } from "../../lib/wire/message_decoder_stream.ts";
import { encodePackage, type Package } from "../../lib/wire/package_codec.ts";
import { SkippingFrameDecoderStream } from "../../lib/wire/skipping_frame_decoder_stream.ts";
import { encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";

const unit = { permissions: "none" } as const;
const id = "00112233-4455-6677-8899-aabbccddeeff";

Deno.test(
  "the decoding stage decodes each payload by the schema its command names",
  unit,
  async () => {
    const packages: Package[] = [
      {
        command: TcpCommand.WriteEventsCompleted,
        correlationId: id,
        payload: encodeMessage(WriteEventsCompletedSchema, {
          result: OperationResult.Success,
          firstEventNumber: 3n,
          lastEventNumber: 4n,
        }),
      },
      {
        command: TcpCommand.NotHandled,
        correlationId: id,
        payload: encodeMessage(NotHandledSchema, { reason: NotHandled_NotHandledReason.TooBusy }),
      },
      {
        command: TcpCommand.BadRequest,
        correlationId: id,
        payload: new TextEncoder().encode("no"),
      },
      { command: TcpCommand.Pong, correlationId: id, payload: new Uint8Array(0) },
    ];
    const batches = await Array.fromAsync(
      ReadableStream.from([packages]).pipeThrough(new MessageDecoderStream()),
    );
    assert.equal(batches.length, 1);
    const [messages] = batches;
    assert.equal(bodyOf(messages[0], WriteEventsCompletedSchema).lastEventNumber, 4n);
    assert.equal(bodyOf(messages[1], NotHandledSchema).reason, NotHandled_NotHandledReason.TooBusy);
    assert.equal(textOf(messages[2]), "no");
    assert.equal(messages[3].body, undefined);
    assert.deepEqual(messages.map((m) => m.correlationId), [id, id, id, id]);
  },
);

Deno.test("forward and backward read replies share one schema", unit, () => {
  for (
    const command of [
      TcpCommand.ReadStreamEventsForwardCompleted,
      TcpCommand.ReadStreamEventsBackwardCompleted,
    ]
  ) {
    const message = decodeReply({ command, correlationId: id, payload: new Uint8Array(0) });
    assert.equal(message.schema, ReadStreamEventsCompletedSchema);
  }
});

Deno.test("an undecodable payload is carried as a ProtocolError, not thrown", unit, () => {
  const message = decodeReply({
    command: TcpCommand.WriteEventsCompleted,
    correlationId: id,
    payload: new Uint8Array([0xff, 0xff, 0xff]),
  });
  assert.ok(message.error instanceof ProtocolError);
  assert.throws(() => bodyOf(message, WriteEventsCompletedSchema), ProtocolError);
});

Deno.test("bodyOf() refuses a message of another command", unit, () => {
  const message = decodeReply({
    command: TcpCommand.Pong,
    correlationId: id,
    payload: new Uint8Array(0),
  });
  assert.throws(() => bodyOf(message, WriteEventsCompletedSchema), /WriteEventsCompleted/);
});

Deno.test("each batch of packages becomes one batch of messages, in order", unit, async () => {
  const pong = (correlationId: string): Package => ({
    command: TcpCommand.Pong,
    correlationId,
    payload: new Uint8Array(0),
  });
  const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
  const batches = await Array.fromAsync(
    ReadableStream.from([ids.slice(0, 3).map(pong), ids.slice(3).map(pong)])
      .pipeThrough(new MessageDecoderStream()),
  );
  assert.deepEqual(batches.map((batch) => batch.map((m) => m.correlationId)), [
    ids.slice(0, 3),
    ids.slice(3),
  ]);
});

Deno.test("a consumer that reads nothing stops the reads from the socket", unit, async () => {
  const chunk = encodePackage({
    command: TcpCommand.Pong,
    correlationId: id,
    payload: new Uint8Array(0),
  });
  const total = 100;
  let pulls = 0;
  const socket = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (++pulls > total) controller.close();
      else controller.enqueue(chunk.slice());
    },
  }, { highWaterMark: 0 });
  const messages = socket
    .pipeThrough(new SkippingFrameDecoderStream())
    .pipeThrough(new MessageDecoderStream())
    .getReader();
  const settle = async () => {
    for (let turn = 0; turn < 200; turn++) await Promise.resolve();
  };
  await settle();
  const held = pulls;
  assert.ok(held < 10, `${held} chunks read while nothing was consumed`);
  await messages.read();
  await settle();
  assert.ok(pulls - held <= 2, `${pulls - held} more chunks read for one batch consumed`);
  let read = 1;
  while (!(await messages.read()).done) read++;
  assert.equal(read, total);
});
