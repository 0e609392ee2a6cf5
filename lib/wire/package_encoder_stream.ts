/**
 * The outgoing stage: packages in, length-prefixed bytes out.
 *
 * @module
 */

import { DEFAULT_MAX_PACKAGE_SIZE, encodePackage, type Package } from "./package_codec.ts";

/**
 * Encodes each package with its length prefix (the inverse of `FrameDecoderStream`).
 *
 * @example
 * ```ts
 * import { PackageEncoderStream } from "./package_encoder_stream.ts";
 * const bytes = ReadableStream.from([{
 *   command: 0x03,
 *   correlationId: crypto.randomUUID(),
 *   payload: new Uint8Array(0),
 * }]).pipeThrough(new PackageEncoderStream());
 * ```
 */
export class PackageEncoderStream extends TransformStream<Package, Uint8Array> {
  /** Creates the stage; packages larger than `maxPackageSize` error the stream. */
  constructor(maxPackageSize: number = DEFAULT_MAX_PACKAGE_SIZE) {
    super({
      transform: (pkg, controller) => controller.enqueue(encodePackage(pkg, maxPackageSize)),
    });
  }
}
