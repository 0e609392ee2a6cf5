/**
 * The framing stage of the client: like `FrameDecoderStream`, but it survives frames over the
 * maximum package size, and it emits the frames of each chunk together, as one batch.
 *
 * @module
 */

import { Framer, OversizedFrame } from "./framer.ts";
import { DEFAULT_MAX_PACKAGE_SIZE, type Package } from "./package_codec.ts";
import type { FrameDecoderStreamOptions } from "./frame_decoder_stream.ts";

export { OversizedFrame };

/** What {@linkcode SkippingFrameDecoderStream} emits: a package, or an oversized frame's header. */
export type DecodedFrame = Package | OversizedFrame;

/** Options of {@linkcode SkippingFrameDecoderStream}. */
export interface SkippingFrameDecoderStreamOptions extends FrameDecoderStreamOptions {
  /**
   * Called with every chunk before it is framed (after `onBytes`). The chunk must not be kept:
   * its bytes may back the packages of the batch.
   */
  readonly onChunk?: (chunk: Uint8Array) => void;
}

/**
 * Splits a byte stream into packages like `FrameDecoderStream` (same bounds, same exact-size
 * copies, same errors), except that a frame whose length prefix exceeds the maximum does not end
 * the stream: its 18-byte header is read and emitted as an {@linkcode OversizedFrame} (command,
 * flags, correlation id, claimed size), and its body is skipped as it arrives, never buffered.
 * The real server sends such frames when a read page outgrows the maximum; a client that reads
 * the header can fail just that operation and keep the connection.
 *
 * Frames come out in batches: one array per input chunk, holding, in order, the frames that chunk
 * completed (none: no array). A batch is bounded by its chunk: it holds at most the frames that
 * end in it, each a view into the chunk or an exact-size copy, so it retains at most the chunk's
 * buffer plus the bytes of the packages it holds. A consumer pays the stream's per-chunk cost
 * (promises, queueing) once for all the small replies a socket read carries.
 *
 * When a chunk holds a malformed frame, the frames before it in that chunk still come out, as a
 * batch, and then the stream errors with the `ProtocolError`: the stage runs only when its reader
 * has asked for a chunk, so that batch is handed over before the error reaches the queue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   OversizedFrame,
 *   SkippingFrameDecoderStream,
 * } from "./skipping_frame_decoder_stream.ts";
 * const header = new Uint8Array([0x40, 0, 0, 0, 0xb3, 0, ...new Uint8Array(16)]); // 64-byte frame
 * const batches = ReadableStream.from([header, new Uint8Array(46)])
 *   .pipeThrough(new SkippingFrameDecoderStream({ maxPackageSize: 32 }));
 * for await (const batch of batches) {
 *   const [frame] = batch;
 *   assert.ok(frame instanceof OversizedFrame);
 *   assert.deepEqual([frame.command, frame.size], [0xb3, 64]);
 * }
 * ```
 */
export class SkippingFrameDecoderStream extends TransformStream<Uint8Array, DecodedFrame[]> {
  readonly #framer: Framer;

  /** Creates the stage. */
  constructor(options: SkippingFrameDecoderStreamOptions = {}) {
    let batch: DecodedFrame[] = [];
    const add = (frame: DecodedFrame): void => {
      batch.push(frame);
    };
    const framer = new Framer({
      maxPackageSize: options.maxPackageSize ?? DEFAULT_MAX_PACKAGE_SIZE,
      retains: options.retains,
      onPackage: add,
      onOversized: add,
    });
    const { onBytes, onChunk } = options;
    super({
      transform: (chunk, controller) => {
        onBytes?.(chunk.length);
        onChunk?.(chunk);
        try {
          framer.push(chunk);
        } finally {
          // On a malformed frame too: the frames before it are delivered, then the error.
          if (batch.length > 0) {
            controller.enqueue(batch);
            batch = [];
          }
        }
      },
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
