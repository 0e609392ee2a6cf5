/**
 * The decoding stage: batches of packages in, batches of decoded {@linkcode Message}s out. The
 * command byte picks the schema (see `message.ts`), so every payload, NotHandled and BadRequest
 * included, is decoded exactly once, here, before the dispatcher routes it by correlation id.
 *
 * @module
 */

import { decodeReply, type Message } from "./message.ts";
import { type DecodedFrame, OversizedFrame } from "./skipping_frame_decoder_stream.ts";

/**
 * Decodes each package's payload by its command, a batch at a time (the batches of
 * `SkippingFrameDecoderStream`: one per socket chunk), keeping the order. A payload that does not
 * decode does not end the stream: the message carries the `ProtocolError`, so the operation it
 * belongs to fails with it (and the connection closes) while a late reply nobody waits for is
 * ignored. The header of an oversized frame becomes a message without a body whose `oversized`
 * holds the size it claimed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MessageDecoderStream } from "./message_decoder_stream.ts";
 * const messages = ReadableStream.from([
 *   [{ command: 0x04, correlationId: crypto.randomUUID(), payload: new Uint8Array(0) }],
 * ]).pipeThrough(new MessageDecoderStream());
 * for await (const batch of messages) assert.deepEqual(batch[0].command, 4);
 * ```
 */
export class MessageDecoderStream extends TransformStream<readonly DecodedFrame[], Message[]> {
  /** Creates the stage. */
  constructor() {
    super({
      transform: (frames, controller) => {
        const messages = new Array<Message>(frames.length);
        for (let i = 0; i < frames.length; i++) {
          const frame = frames[i];
          messages[i] = frame instanceof OversizedFrame ? oversized(frame) : decodeReply(frame);
        }
        controller.enqueue(messages);
      },
    });
  }
}

function oversized(frame: OversizedFrame): Message {
  const { command, correlationId, size } = frame;
  return { command, correlationId, schema: undefined, body: undefined, oversized: size };
}
