/**
 * The decoding stage: packages in, decoded {@linkcode Message}s out. The command byte picks the
 * schema (see `message.ts`), so every payload, NotHandled and BadRequest included, is
 * decoded exactly once, here, before the dispatcher routes it by correlation id.
 *
 * @module
 */

import { decodeReply, type Message } from "./message.ts";
import type { Package } from "./package_codec.ts";

/**
 * Decodes each package's payload by its command. A payload that does not decode does not end the
 * stream: the message carries the `ProtocolError`, so the operation it belongs to fails with it
 * (and the connection closes) while a late reply nobody waits for is ignored.
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
export class MessageDecoderStream extends TransformStream<Package, Message> {
  /** Creates the stage. */
  constructor() {
    super({ transform: (pkg, controller) => controller.enqueue(decodeReply(pkg)) });
  }
}
