/**
 * The framing stage of the client: like `FrameDecoderStream`, but it survives frames over the
 * maximum package size.
 *
 * @module
 */

import { Framer, OversizedFrame } from "./framer.ts";
import { DEFAULT_MAX_PACKAGE_SIZE, type Package } from "./package_codec.ts";
import type { FrameDecoderStreamOptions } from "./frame_decoder_stream.ts";

export { OversizedFrame };

/** What {@linkcode SkippingFrameDecoderStream} emits: a package, or an oversized frame's header. */
export type DecodedFrame = Package | OversizedFrame;

/**
 * Splits a byte stream into packages like `FrameDecoderStream` (same bounds, same exact-size
 * copies, same errors), except that a frame whose length prefix exceeds the maximum does not end
 * the stream: its 18-byte header is read and emitted as an {@linkcode OversizedFrame} (command,
 * flags, correlation id, claimed size), and its body is skipped as it arrives, never buffered.
 * The real server sends such frames when a read page outgrows the maximum; a client that reads
 * the header can fail just that operation and keep the connection.
 *
 * @example
 * ```ts
 * import {
 *   OversizedFrame,
 *   SkippingFrameDecoderStream,
 * } from "./skipping_frame_decoder_stream.ts";
 * const header = new Uint8Array([0x40, 0, 0, 0, 0xb3, 0, ...new Uint8Array(16)]); // 64-byte frame
 * const frames = ReadableStream.from([header, new Uint8Array(46)])
 *   .pipeThrough(new SkippingFrameDecoderStream({ maxPackageSize: 32 }));
 * for await (const frame of frames) {
 *   if (frame instanceof OversizedFrame) console.log(frame.command, frame.size); // 179 64
 * }
 * ```
 */
export class SkippingFrameDecoderStream extends TransformStream<Uint8Array, DecodedFrame> {
  readonly #framer: Framer;

  /** Creates the stage. */
  constructor(options: FrameDecoderStreamOptions = {}) {
    let output!: TransformStreamDefaultController<DecodedFrame>;
    const framer = new Framer({
      maxPackageSize: options.maxPackageSize ?? DEFAULT_MAX_PACKAGE_SIZE,
      retains: options.retains,
      onPackage: (pkg) => output.enqueue(pkg),
      onOversized: (frame) => output.enqueue(frame),
    });
    const onBytes = options.onBytes;
    super({
      start: (controller) => {
        output = controller;
      },
      transform: onBytes
        ? (chunk) => {
          onBytes(chunk.length);
          framer.push(chunk);
        }
        : (chunk) => framer.push(chunk),
      flush: () => framer.end(),
    });
    this.#framer = framer;
  }

  /**
   * Bytes of the buffers held for a frame still arriving (every referenced `ArrayBuffer`'s whole
   * `byteLength`); 0 between frames and while a body is skipped.
   */
  get bufferedBytes(): number {
    return this.#framer.bufferedBytes;
  }
}
