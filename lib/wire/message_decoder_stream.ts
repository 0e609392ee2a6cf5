/**
 * The decoding stage: packages in, decoded {@linkcode Message}s out. The command byte picks the
 * schema (see `message.ts`), so every payload, NotHandled and BadRequest included, is
 * decoded exactly once, here, before the dispatcher routes it by correlation id.
 *
 * @module
 */

import { decodeReply, type Message } from "./message.ts";
import { type DecodedFrame, OversizedFrame } from "./skipping_frame_decoder_stream.ts";

/**
 * Decodes each package's payload by its command. A payload that does not decode does not end the
 * stream: the message carries the `ProtocolError`, so the operation it belongs to fails with it
 * (and the connection closes) while a late reply nobody waits for is ignored. The header of an
 * oversized frame (from `SkippingFrameDecoderStream`) becomes a message without a body whose
 * `oversized` holds the size it claimed.
 *
 * @example
 * ```ts
 * import { MessageDecoderStream } from "./message_decoder_stream.ts";
 * const messages = ReadableStream.from([
 *   { command: 0x04, correlationId: crypto.randomUUID(), payload: new Uint8Array(0) },
 * ]).pipeThrough(new MessageDecoderStream());
 * for await (const message of messages) console.log(message.command); // 4
 * ```
 */
export class MessageDecoderStream extends TransformStream<DecodedFrame, Message> {
  /** Creates the stage. */
  constructor() {
    super({
      transform: (frame, controller) =>
        controller.enqueue(frame instanceof OversizedFrame ? oversized(frame) : decodeReply(frame)),
    });
  }
}

function oversized(frame: OversizedFrame): Message {
  const { command, correlationId, size } = frame;
  return { command, correlationId, schema: undefined, body: undefined, oversized: size };
}
