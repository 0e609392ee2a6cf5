/**
 * The framing loop behind the decoder stages: socket chunks in, whole packages (and, when asked
 * for, the headers of oversized frames) out, with memory bounded by what has arrived.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { bytesToGuid } from "./guid.ts";
import { decodePackage, HEADER_SIZE, LENGTH_PREFIX_SIZE, type Package } from "./package_codec.ts";
import { TcpFlags } from "./tcp_command.ts";

/**
 * The header of a frame whose length prefix exceeds the maximum package size. Only its 18 header
 * bytes were read; the body was skipped without being buffered.
 */
export class OversizedFrame {
  /** The command byte (see `TcpCommand`). */
  readonly command: number;
  /** The flags byte. */
  readonly flags: number;
  /** The correlation id as an RFC 4122 string. */
  readonly correlationId: string;
  /** The package size the length prefix claimed, in bytes (without the prefix). */
  readonly size: number;

  /** Creates the record. */
  constructor(command: number, flags: number, correlationId: string, size: number) {
    this.command = command;
    this.flags = flags;
    this.correlationId = correlationId;
    this.size = size;
  }
}

/** Settings of a {@linkcode Framer}; the stages resolve the defaults. */
export interface FramerOptions {
  /** Largest package accepted, in bytes (without the length prefix). */
  readonly maxPackageSize: number;
  /** Receives every decoded package, in order. */
  readonly onPackage: (pkg: Package) => void;
  /**
   * Receives the header of each frame over `maxPackageSize`, in order with the packages; its body
   * is then skipped as it arrives. Without it such a frame is a `frame-too-large` error raised as
   * soon as its length prefix is read.
   */
  readonly onOversized?: (frame: OversizedFrame) => void;
  /**
   * Whether the consumer may keep a package of this command, or bytes of it, after handling it.
   * Such packages are emitted as exact-size copies; the others, when they lie inside one chunk,
   * as views into it (saving an `ArrayBuffer` allocation per package: a consumer that turns a
   * write acknowledgement into numbers and strings pins nothing). Without it, every package is
   * copied.
   */
  readonly retains?: (command: number) => boolean;
}

/** Where the loop is within a frame. */
const Phase = { Prefix: 0, Body: 1, OversizedHeader: 2, Skip: 3 } as const;
type Phase = typeof Phase[keyof typeof Phase];

/** Room of the first compaction buffer, so a trickle of tiny chunks does not reallocate at once. */
const MIN_TAIL = 256;

/**
 * Splits a byte stream into packages.
 *
 * Memory follows the bytes received, never the length prefix: a frame split across chunks is held
 * as the pieces that arrived until half of it is there, and only then gets its exact-size buffer
 * (so a prefix claiming 64 MiB followed by a trickle costs about what the trickle sent). A piece
 * that fills at least half of its chunk's buffer is held as a view; smaller ones are compacted
 * into one growing copy, so a trickle cannot pin a socket chunk per byte. Each emitted package
 * is an exact-size copy (or a view into a buffer that holds nothing else), so it never keeps a
 * socket chunk or other packages' bytes alive. Bytes are copied once, except those of small
 * pieces compacted before their frame was half complete.
 */
export class Framer {
  readonly #maxPackageSize: number;
  readonly #onPackage: (pkg: Package) => void;
  readonly #onOversized: ((frame: OversizedFrame) => void) | undefined;
  readonly #retains: ((command: number) => boolean) | undefined;
  #phase: Phase = Phase.Prefix;
  /** A length prefix or an oversized frame's header, when split across chunks. */
  readonly #small = new Uint8Array(HEADER_SIZE);
  #smallFilled = 0;
  /** Claimed length of the current frame. */
  #length = 0;
  /** Bytes of the current frame received (or, in `Skip`, still to skip). */
  #filled = 0;
  /** The frame's pieces, in order, before its final buffer exists. */
  #pieces: Uint8Array[] = [];
  /** A buffer we own that small pieces are compacted into; it comes after `#pieces`. */
  #tail: Uint8Array | null = null;
  #tailFilled = 0;
  /** The frame's final, exact-size buffer, once half the frame has arrived. */
  #whole: Uint8Array | null = null;

  /** Creates the loop. */
  constructor(options: FramerOptions) {
    this.#maxPackageSize = options.maxPackageSize;
    this.#onPackage = options.onPackage;
    this.#onOversized = options.onOversized;
    this.#retains = options.retains;
  }

  /**
   * Bytes of the buffers held for the frame being assembled: the whole `byteLength` of every
   * `ArrayBuffer` referenced (a view pins all of its buffer), plus the compaction and final
   * buffers. Excludes the fixed 18-byte scratch buffer.
   */
  get bufferedBytes(): number {
    const buffers = new Set<ArrayBufferLike>();
    for (const piece of this.#pieces) buffers.add(piece.buffer);
    let total = (this.#tail?.byteLength ?? 0) + (this.#whole?.byteLength ?? 0);
    for (const buffer of buffers) total += buffer.byteLength;
    return total;
  }

  /**
   * Consumes one chunk; the chunk is not referenced after this returns unless it holds part of an
   * unfinished frame.
   *
   * @throws {ProtocolError} `frame-too-small`, `frame-too-large` or `bad-auth-block`
   */
  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      switch (this.#phase) {
        case Phase.Prefix:
          offset = this.#readPrefix(chunk, offset);
          break;
        case Phase.Body:
          offset = this.#readBody(chunk, offset);
          break;
        case Phase.OversizedHeader:
          offset = this.#readOversizedHeader(chunk, offset);
          break;
        case Phase.Skip: {
          const take = Math.min(this.#filled, chunk.length - offset);
          this.#filled -= take;
          offset += take;
          if (this.#filled === 0) this.#phase = Phase.Prefix;
          break;
        }
      }
    }
  }

  /**
   * Checks that the stream ended between frames.
   *
   * @throws {ProtocolError} `truncated-frame` when it ended inside one
   */
  end(): void {
    if (this.#phase === Phase.Prefix && this.#smallFilled === 0) return;
    const what = this.#phase === Phase.Prefix
      ? `4-byte length prefix (${this.#smallFilled} bytes received)`
      : this.#phase === Phase.Body
      ? `${this.#length}-byte package (${this.#filled} bytes received)`
      : `${this.#length}-byte package that is over the maximum size`;
    throw new ProtocolError("truncated-frame", `Stream ended in the middle of a ${what}`);
  }

  #readPrefix(chunk: Uint8Array, offset: number): number {
    let length: number;
    if (this.#smallFilled === 0 && chunk.length - offset >= LENGTH_PREFIX_SIZE) {
      length = readInt32LE(chunk, offset);
      offset += LENGTH_PREFIX_SIZE;
    } else {
      while (this.#smallFilled < LENGTH_PREFIX_SIZE && offset < chunk.length) {
        this.#small[this.#smallFilled++] = chunk[offset++];
      }
      if (this.#smallFilled < LENGTH_PREFIX_SIZE) return offset;
      this.#smallFilled = 0;
      length = readInt32LE(this.#small, 0);
    }
    if (length < HEADER_SIZE) {
      throw new ProtocolError(
        "frame-too-small",
        `Invalid length prefix ${length}: a package needs at least ${HEADER_SIZE} bytes`,
      );
    }
    this.#length = length;
    this.#filled = 0;
    if (length <= this.#maxPackageSize) {
      this.#phase = Phase.Body;
    } else if (this.#onOversized) {
      this.#phase = Phase.OversizedHeader;
    } else {
      throw new ProtocolError(
        "frame-too-large",
        `Invalid length prefix ${length}: the maximum package size is ${this.#maxPackageSize} bytes`,
      );
    }
    return offset;
  }

  #readBody(chunk: Uint8Array, offset: number): number {
    const length = this.#length;
    const take = Math.min(length - this.#filled, chunk.length - offset);
    if (take === length) {
      // The whole package lies in this chunk: one copy, unless the chunk holds nothing else or
      // the consumer keeps nothing of it.
      this.#phase = Phase.Prefix;
      const end = offset + length;
      const copy = chunk.buffer.byteLength > length + LENGTH_PREFIX_SIZE &&
        (this.#retains === undefined || this.#retains(chunk[offset]));
      if (copy) this.#onPackage(decodePackage(chunk.slice(offset, end)));
      else if ((chunk[offset + 1] & TcpFlags.Authenticated) === 0) {
        // What decodePackage builds, read in place: one view (the payload) per package, not two.
        this.#onPackage({
          command: chunk[offset],
          flags: chunk[offset + 1],
          correlationId: bytesToGuid(chunk, offset + 2),
          credentials: undefined,
          payload: chunk.subarray(offset + HEADER_SIZE, end),
        });
      } else this.#onPackage(decodePackage(chunk.subarray(offset, end)));
      return end;
    }
    const piece = chunk.subarray(offset, offset + take);
    if (this.#whole === null && (this.#filled + take) * 2 >= length) this.#allocateWhole();
    if (this.#whole !== null) this.#whole.set(piece, this.#filled);
    else this.#keep(piece);
    this.#filled += take;
    if (this.#filled === length) {
      const whole = this.#whole!;
      this.#whole = null;
      this.#phase = Phase.Prefix;
      this.#onPackage(decodePackage(whole));
    }
    return offset + take;
  }

  /** Holds a piece of a frame that is not yet half complete. */
  #keep(piece: Uint8Array): void {
    if (piece.length * 2 >= piece.buffer.byteLength) {
      this.#sealTail();
      this.#pieces.push(piece);
      return;
    }
    let tail = this.#tail;
    const needed = this.#tailFilled + piece.length;
    if (tail === null || needed > tail.length) {
      const grown = new Uint8Array(Math.min(Math.max(2 * needed, MIN_TAIL), this.#length));
      if (tail !== null) grown.set(tail.subarray(0, this.#tailFilled));
      this.#tail = tail = grown;
    }
    tail.set(piece, this.#tailFilled);
    this.#tailFilled = needed;
  }

  #sealTail(): void {
    if (this.#tail === null) return;
    this.#pieces.push(this.#tail.subarray(0, this.#tailFilled));
    this.#tail = null;
    this.#tailFilled = 0;
  }

  #allocateWhole(): void {
    this.#sealTail();
    const whole = new Uint8Array(this.#length);
    let at = 0;
    for (const piece of this.#pieces) {
      whole.set(piece, at);
      at += piece.length;
    }
    this.#pieces = [];
    this.#whole = whole;
  }

  #readOversizedHeader(chunk: Uint8Array, offset: number): number {
    const take = Math.min(HEADER_SIZE - this.#smallFilled, chunk.length - offset);
    this.#small.set(chunk.subarray(offset, offset + take), this.#smallFilled);
    this.#smallFilled += take;
    if (this.#smallFilled === HEADER_SIZE) {
      const header = this.#small;
      this.#smallFilled = 0;
      this.#phase = Phase.Skip;
      this.#filled = this.#length - HEADER_SIZE;
      this.#onOversized!(
        new OversizedFrame(header[0], header[1], bytesToGuid(header, 2), this.#length),
      );
    }
    return offset + take;
  }
}

function readInt32LE(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) |
    (bytes[offset + 3] << 24));
}
