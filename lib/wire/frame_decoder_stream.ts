/**
 * The framing stage: arbitrary socket chunks in, decoded packages out.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import {
  decodePackage,
  DEFAULT_MAX_PACKAGE_SIZE,
  HEADER_SIZE,
  LENGTH_PREFIX_SIZE,
  type Package,
} from "./package_codec.ts";

/** Options of {@linkcode FrameDecoderStream}. */
export interface FrameDecoderStreamOptions {
  /** Largest package accepted, in bytes (without the length prefix). Default 64 MiB. */
  maxPackageSize?: number;
}

/**
 * Splits a byte stream into length-prefixed packages and decodes each one's header.
 *
 * The length prefix is checked against the bounds before anything is buffered; a package lying
 * inside one chunk is decoded in place (its payload is a view into that chunk), and a package split
 * across chunks is copied exactly once into a buffer of its final size. A stream that ends in the
 * middle of a package errors with a `truncated-frame` {@linkcode ProtocolError}.
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
  readonly #maxPackageSize: number;
  /** Bytes of a length prefix split across chunks. */
  readonly #prefix = new Uint8Array(LENGTH_PREFIX_SIZE);
  #prefixFilled = 0;
  /** The package being assembled across chunks, allocated at its final size. */
  #partial: Uint8Array | null = null;
  #partialFilled = 0;

  /** Creates the stage. */
  constructor(options: FrameDecoderStreamOptions = {}) {
    super({
      transform: (chunk, controller) => this.#transform(chunk, controller),
      flush: () => this.#flush(),
    });
    this.#maxPackageSize = options.maxPackageSize ?? DEFAULT_MAX_PACKAGE_SIZE;
  }

  #transform(chunk: Uint8Array, controller: TransformStreamDefaultController<Package>): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#partial !== null) {
        const take = Math.min(this.#partial.length - this.#partialFilled, chunk.length - offset);
        this.#partial.set(chunk.subarray(offset, offset + take), this.#partialFilled);
        this.#partialFilled += take;
        offset += take;
        if (this.#partialFilled === this.#partial.length) {
          const whole = this.#partial;
          this.#partial = null;
          controller.enqueue(decodePackage(whole));
        }
        continue;
      }
      let length: number;
      if (this.#prefixFilled === 0 && chunk.length - offset >= LENGTH_PREFIX_SIZE) {
        length = readInt32LE(chunk, offset);
        offset += LENGTH_PREFIX_SIZE;
      } else {
        while (this.#prefixFilled < LENGTH_PREFIX_SIZE && offset < chunk.length) {
          this.#prefix[this.#prefixFilled++] = chunk[offset++];
        }
        if (this.#prefixFilled < LENGTH_PREFIX_SIZE) return;
        this.#prefixFilled = 0;
        length = readInt32LE(this.#prefix, 0);
      }
      this.#checkLength(length);
      if (chunk.length - offset >= length) {
        controller.enqueue(decodePackage(chunk.subarray(offset, offset + length)));
        offset += length;
      } else {
        this.#partial = new Uint8Array(length);
        this.#partialFilled = 0;
      }
    }
  }

  #checkLength(length: number): void {
    if (length < HEADER_SIZE) {
      throw new ProtocolError(
        "frame-too-small",
        `Invalid length prefix ${length}: a package needs at least ${HEADER_SIZE} bytes`,
      );
    }
    if (length > this.#maxPackageSize) {
      throw new ProtocolError(
        "frame-too-large",
        `Invalid length prefix ${length}: the maximum package size is ${this.#maxPackageSize} bytes`,
      );
    }
  }

  #flush(): void {
    if (this.#partial !== null || this.#prefixFilled > 0) {
      const have = this.#partial ? this.#partialFilled : this.#prefixFilled;
      const want = this.#partial ? `${this.#partial.length}-byte package` : "4-byte length prefix";
      throw new ProtocolError(
        "truncated-frame",
        `Stream ended in the middle of a ${want} (${have} bytes received)`,
      );
    }
  }
}

function readInt32LE(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) |
    (bytes[offset + 3] << 24));
}
