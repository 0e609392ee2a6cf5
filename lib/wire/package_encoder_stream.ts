/**
 * The outgoing stage: packages in, length-prefixed bytes out, several packages per chunk. Writes
 * queued together (a burst of concurrent appends, acks, a resubscribe storm) leave as one socket
 * write instead of one write each.
 *
 * @module
 */

import {
  DEFAULT_MAX_PACKAGE_SIZE,
  encodePackage,
  HEADER_SIZE,
  MAX_CREDENTIAL_BYTES,
  type Package,
} from "./package_codec.ts";

/** Options of {@linkcode PackageEncoderStream}. */
export interface PackageEncoderOptions {
  /** Largest package accepted; a larger one errors the stream (default 64 MiB). */
  readonly maxPackageSize?: number;
  /**
   * Bytes collected into one chunk before it is emitted at once (default 64 KiB). A single
   * package larger than this is emitted alone.
   */
  readonly maxChunkSize?: number;
}

const utf8 = new TextEncoder();

/**
 * Checks that `pkg` can be encoded, so a caller can fail one operation before handing the package
 * to the stage (where an encoding error would end the stream, and the connection with it).
 *
 * @throws {RangeError} if a credential is longer than 255 UTF-8 bytes or the package exceeds
 * `maxPackageSize`; the message never includes the credential itself
 *
 * @example
 * ```ts
 * import { assertEncodable } from "./package_encoder_stream.ts";
 * assertEncodable({ command: 0x03, correlationId: crypto.randomUUID(), payload: new Uint8Array(8) }, 1024);
 * ```
 */
export function assertEncodable(pkg: Package, maxPackageSize: number): void {
  let authSize = 0;
  if (pkg.credentials) {
    for (
      const [what, value] of [["login", pkg.credentials.username], [
        "password",
        pkg.credentials.password,
      ]] as const
    ) {
      const length = utf8.encode(value).length;
      if (length > MAX_CREDENTIAL_BYTES) {
        throw new RangeError(
          `The ${what} is ${length} bytes long in UTF-8; the protocol allows at most ${MAX_CREDENTIAL_BYTES}`,
        );
      }
      authSize += 1 + length;
    }
  }
  const size = HEADER_SIZE + authSize + pkg.payload.length;
  if (size > maxPackageSize) {
    throw new RangeError(
      `Package of ${size} bytes exceeds the maximum package size of ${maxPackageSize} bytes`,
    );
  }
}

/** Default {@linkcode PackageEncoderOptions.maxChunkSize}. */
export const DEFAULT_MAX_CHUNK_SIZE = 64 * 1024;

/**
 * Encodes each package with its length prefix (the inverse of `FrameDecoderStream`) and coalesces
 * what is queued: the packages written while the writer keeps feeding the stage (successive queued
 * writes arrive one microtask apart) are collected and emitted as one chunk once a microtask passes
 * with nothing new, or as soon as `maxChunkSize` bytes are waiting. A lone package still leaves
 * within two microtasks, so latency is not traded for throughput.
 *
 * @example
 * ```ts
 * import { PackageEncoderStream } from "./package_encoder_stream.ts";
 * const encoder = new PackageEncoderStream();
 * const writer = encoder.writable.getWriter();
 * const ping = { command: 0x03, correlationId: crypto.randomUUID(), payload: new Uint8Array(0) };
 * writer.write(ping);
 * writer.write(ping);
 * writer.close();
 * const chunks = await Array.fromAsync(encoder.readable);
 * console.log(chunks.length, chunks[0].length); // 1 44
 * ```
 */
export class PackageEncoderStream extends TransformStream<Package, Uint8Array> {
  readonly #maxPackageSize: number;
  readonly #maxChunkSize: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Packages seen so far; the scheduled check compares it to tell "nothing new". */
  #seen = 0;
  #scheduled = false;
  #controller: TransformStreamDefaultController<Uint8Array> | undefined;

  /** Creates the stage. */
  constructor(options: PackageEncoderOptions = {}) {
    super({
      transform: (pkg, controller) => this.#transform(pkg, controller),
      flush: () => this.#emit(),
    });
    this.#maxPackageSize = options.maxPackageSize ?? DEFAULT_MAX_PACKAGE_SIZE;
    this.#maxChunkSize = options.maxChunkSize ?? DEFAULT_MAX_CHUNK_SIZE;
  }

  #transform(pkg: Package, controller: TransformStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
    const bytes = encodePackage(pkg, this.#maxPackageSize);
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    this.#seen++;
    if (this.#pendingBytes >= this.#maxChunkSize) this.#emit();
    else if (!this.#scheduled) this.#schedule(this.#seen);
  }

  #schedule(seen: number): void {
    this.#scheduled = true;
    // Two hops: the writer hands the next queued package over one microtask after the last.
    queueMicrotask(() =>
      queueMicrotask(() => {
        if (this.#seen !== seen) return this.#schedule(this.#seen);
        this.#scheduled = false;
        this.#emit();
      })
    );
  }

  #emit(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    const size = this.#pendingBytes;
    this.#pendingBytes = 0;
    let chunk: Uint8Array;
    if (pending.length === 1) {
      chunk = pending[0];
    } else {
      chunk = new Uint8Array(size);
      let offset = 0;
      for (const bytes of pending) {
        chunk.set(bytes, offset);
        offset += bytes.length;
      }
    }
    try {
      this.#controller!.enqueue(chunk);
    } catch {
      // The stream was cancelled or errored meanwhile: nothing is left to write to.
    }
  }
}
