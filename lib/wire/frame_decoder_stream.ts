/**
 * The framing stage: arbitrary socket chunks in, decoded packages out.
 *
 * @module
 */

import { Framer } from "./framer.ts";
import { DEFAULT_MAX_PACKAGE_SIZE, type Package } from "./package_codec.ts";

/** Options of {@linkcode FrameDecoderStream}. */
export interface FrameDecoderStreamOptions {
  /** Largest package accepted, in bytes (without the length prefix). Default 64 MiB. */
  readonly maxPackageSize?: number;
  /**
   * Called with the size of every chunk before it is framed. Liveness hooks in here: any byte
   * received counts (docs/protocol.md §4.2), and a large package may take longer than a
   * heartbeat timeout to arrive whole.
   */
  readonly onBytes?: (byteCount: number) => void;
  /**
   * Whether the consumer may keep a package of this command, or bytes of it (event data), after
   * handling it: such packages are emitted as exact-size copies, so they pin no socket chunk and
   * no other package. Others are views into their chunk when they fit in one, which saves an
   * `ArrayBuffer` allocation per package. Default: every package is copied.
   */
  readonly retains?: (command: number) => boolean;
}

/**
 * Splits a byte stream into length-prefixed packages and decodes each one's header.
 *
 * The length prefix is checked against the bounds before anything is buffered, and a frame over
 * the maximum errors the stream (the real server closes such a connection too). Buffers grow with
 * the bytes that arrived, never with what a prefix claims, and every package is emitted as an
 * exact-size copy (unless `retains` says the consumer keeps nothing of it), so a package kept by
 * a consumer pins neither a socket chunk nor other packages' bytes. A stream that ends in the middle of a package errors with a `truncated-frame`
 * {@linkcode ProtocolError}.
 *
 * @example
 * ```ts
 * import { FrameDecoderStream } from "./frame_decoder_stream.ts";
 * const bytes = new Uint8Array([0x12, 0, 0, 0, 0x01, 0, ...new Uint8Array(16)]);
 * const packages = ReadableStream.from([bytes]).pipeThrough(new FrameDecoderStream());
 * for await (const pkg of packages) console.log(pkg.command); // 1 (HeartbeatRequest)
 * ```
 */
export class FrameDecoderStream extends TransformStream<Uint8Array, Package> {
  readonly #framer: Framer;

  /** Creates the stage. */
  constructor(options: FrameDecoderStreamOptions = {}) {
    let output!: TransformStreamDefaultController<Package>;
    const framer = new Framer({
      maxPackageSize: options.maxPackageSize ?? DEFAULT_MAX_PACKAGE_SIZE,
      retains: options.retains,
      onPackage: (pkg) => output.enqueue(pkg),
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
   * `byteLength`); 0 between frames.
   */
  get bufferedBytes(): number {
    return this.#framer.bufferedBytes;
  }
}
