/**
 * What each fuzz case checks. The only acceptable failure of a decoder is a `ProtocolError`; any
 * other exception, a wrong result or a stream that never settles is a bug, reported as a
 * {@linkcode FuzzFailure}.
 *
 * @module
 */

import type { DescMessage } from "@bufbuild/protobuf";
import { ProtocolError } from "../../lib/errors.ts";
import { FrameDecoderStream } from "../../lib/wire/frame_decoder_stream.ts";
import {
  type DecodedFrame,
  OversizedFrame,
  SkippingFrameDecoderStream,
} from "../../lib/wire/skipping_frame_decoder_stream.ts";
import { bytesToGuid } from "../../lib/wire/guid.ts";
import {
  decodePackage,
  encodePackage,
  HEADER_SIZE,
  LENGTH_PREFIX_SIZE,
  type Package,
} from "../../lib/wire/package_codec.ts";
import { decodeMessage } from "../../lib/wire/proto_codec.ts";
import { toHex } from "../support/hex.ts";

/** A fuzz case found a bug. */
export class FuzzFailure extends Error {
  /** Creates the failure; `input` is shown in hex (truncated). */
  constructor(what: string, input: Uint8Array, options?: { cause?: unknown }) {
    const shown = input.length > 256 ? `${toHex(input.subarray(0, 256))} …` : toHex(input);
    super(`${what} (input of ${input.length} bytes: ${shown})`, options);
    this.name = "FuzzFailure";
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Throws a FuzzFailure unless `error` is a ProtocolError. */
export function expectProtocolError(what: string, error: unknown, input: Uint8Array): void {
  if (!(error instanceof ProtocolError)) {
    throw new FuzzFailure(`${what} threw ${describe(error)}`, input, { cause: error });
  }
}

function samePackage(a: Package, b: Package): boolean {
  return a.command === b.command && a.flags === b.flags && a.correlationId === b.correlationId &&
    a.credentials?.username === b.credentials?.username &&
    a.credentials?.password === b.credentials?.password &&
    a.payload.length === b.payload.length && a.payload.every((v, i) => v === b.payload[i]);
}

/**
 * decodePackage: only ProtocolError; a decoded package re-encodes to the same bytes (apart from
 * flag bits other than Authenticated, which the encoder does not carry). With `original`, the
 * bytes are its unmutated encoding: decoding must succeed and give it back.
 */
export function checkDecodePackage(bytes: Uint8Array, original?: Package): void {
  let pkg: Package;
  try {
    pkg = decodePackage(bytes);
  } catch (error) {
    if (original) {
      throw new FuzzFailure(`decodePackage rejected a valid package: ${describe(error)}`, bytes, {
        cause: error,
      });
    }
    expectProtocolError("decodePackage", error, bytes);
    return;
  }
  if (original && !samePackage(pkg, { ...original, flags: original.credentials ? 1 : 0 })) {
    throw new FuzzFailure("decodePackage did not give back the package encoded", bytes);
  }
  let again: Uint8Array;
  try {
    again = encodePackage(pkg).subarray(LENGTH_PREFIX_SIZE);
  } catch (error) {
    throw new FuzzFailure(`re-encoding a decoded package threw ${describe(error)}`, bytes, {
      cause: error,
    });
  }
  const expected = bytes.slice();
  expected[1] &= 0x01;
  if (again.length !== expected.length || again.some((v, i) => v !== expected[i])) {
    throw new FuzzFailure(`decodePackage/encodePackage round trip changed the bytes`, bytes);
  }
}

/** decodeMessage: only ProtocolError. */
export function checkDecodeMessage(schema: DescMessage, bytes: Uint8Array): void {
  try {
    decodeMessage(schema, bytes);
  } catch (error) {
    expectProtocolError(`decodeMessage(${schema.name})`, error, bytes);
  }
}

/** The result of decoding a whole byte sequence at once. */
export interface Decoded {
  packages: Package[];
  error?: ProtocolError;
}

/** The result of decoding a whole byte sequence at once, skipping oversized frames. */
export interface DecodedSkipping {
  frames: DecodedFrame[];
  error?: ProtocolError;
}

/**
 * A straightforward whole-buffer framing decoder: the oracle for the stream. With `skipping`,
 * a frame over the maximum becomes its header (when its 18 header bytes are there) and its body
 * is stepped over, as `SkippingFrameDecoderStream` promises.
 */
export function referenceDecode(bytes: Uint8Array, maxPackageSize: number): Decoded;
export function referenceDecode(
  bytes: Uint8Array,
  maxPackageSize: number,
  skipping: true,
): DecodedSkipping;
export function referenceDecode(
  bytes: Uint8Array,
  maxPackageSize: number,
  skipping = false,
): Decoded | DecodedSkipping {
  const frames: DecodedFrame[] = [];
  const done = (error?: ProtocolError) =>
    skipping ? { frames, error } : { packages: frames as Package[], error };
  const packages = { push: (pkg: Package) => frames.push(pkg) };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < LENGTH_PREFIX_SIZE) {
      return done(new ProtocolError("truncated-frame", "prefix"));
    }
    const length = view.getInt32(offset, true);
    if (length < HEADER_SIZE) {
      return done(new ProtocolError("frame-too-small", String(length)));
    }
    if (length > maxPackageSize) {
      if (!skipping) return done(new ProtocolError("frame-too-large", String(length)));
      offset += LENGTH_PREFIX_SIZE;
      if (bytes.length - offset < HEADER_SIZE) {
        return done(new ProtocolError("truncated-frame", "oversized header"));
      }
      frames.push(
        new OversizedFrame(
          bytes[offset],
          bytes[offset + 1],
          bytesToGuid(bytes, offset + 2),
          length,
        ),
      );
      if (bytes.length - offset < length) {
        return done(new ProtocolError("truncated-frame", "oversized body"));
      }
      offset += length;
      continue;
    }
    offset += LENGTH_PREFIX_SIZE;
    if (bytes.length - offset < length) {
      return done(new ProtocolError("truncated-frame", "package"));
    }
    try {
      packages.push(decodePackage(bytes.subarray(offset, offset + length)));
    } catch (error) {
      if (error instanceof ProtocolError) return done(error);
      throw error;
    }
    offset += length;
  }
  return done();
}

/**
 * FrameDecoderStream fed `chunks`: the stream settles, fails only with ProtocolError, and agrees
 * with {@linkcode referenceDecode}: the same packages when it succeeds; the same error kind and a
 * prefix of the packages when it fails (an errored stream discards what it had queued).
 */
export async function checkFrameDecoder(
  chunks: readonly Uint8Array[],
  maxPackageSize: number,
  originals?: readonly Package[],
): Promise<void> {
  const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    whole.set(c, at);
    at += c.length;
  }
  const expected = originals
    ? { packages: originals.map((p) => ({ ...p, flags: p.credentials ? 1 : 0 })) }
    : referenceDecode(whole, maxPackageSize);
  const got: Package[] = [];
  let error: unknown;
  const stream = new FrameDecoderStream({ maxPackageSize });
  const writer = stream.writable.getWriter();
  // Write everything without waiting (the queue absorbs it); a write after the stream errored
  // rejects, which is expected and observed through the readable side instead.
  for (const chunk of chunks) writer.write(chunk).catch(() => {});
  writer.close().catch(() => {});
  try {
    for await (const pkg of stream.readable) got.push(pkg);
  } catch (e) {
    error = e;
  }
  const where = `FrameDecoderStream over ${chunks.length} chunks (max ${maxPackageSize})`;
  if (error !== undefined) expectProtocolError(where, error, whole);
  const gotKind = (error as ProtocolError | undefined)?.kind;
  if (gotKind !== expected.error?.kind) {
    throw new FuzzFailure(
      `${where} ended with ${gotKind ?? "success"}, expected ${expected.error?.kind ?? "success"}`,
      whole,
      { cause: error },
    );
  }
  const countOk = error === undefined
    ? got.length === expected.packages.length
    : got.length <= expected.packages.length;
  if (!countOk || got.some((p, i) => !samePackage(p, expected.packages[i]))) {
    throw new FuzzFailure(
      `${where} decoded ${got.length} packages, the reference ${expected.packages.length}, ` +
        `or they differ`,
      whole,
    );
  }
}

function sameFrame(a: DecodedFrame, b: DecodedFrame): boolean {
  if (a instanceof OversizedFrame || b instanceof OversizedFrame) {
    return a instanceof OversizedFrame && b instanceof OversizedFrame &&
      a.command === b.command && a.flags === b.flags && a.correlationId === b.correlationId &&
      a.size === b.size;
  }
  return samePackage(a, b);
}

/**
 * SkippingFrameDecoderStream fed `chunks`: the stream settles, fails only with ProtocolError,
 * and agrees with {@linkcode referenceDecode} in skipping mode, oversized headers included, and
 * when it fails, every frame before the malformed one was delivered.
 */
export async function checkSkippingFrameDecoder(
  chunks: readonly Uint8Array[],
  maxPackageSize: number,
): Promise<void> {
  const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    whole.set(c, at);
    at += c.length;
  }
  const expected = referenceDecode(whole, maxPackageSize, true);
  const got: DecodedFrame[] = [];
  let error: unknown;
  const stream = new SkippingFrameDecoderStream({ maxPackageSize });
  const writer = stream.writable.getWriter();
  for (const chunk of chunks) writer.write(chunk).catch(() => {});
  writer.close().catch(() => {});
  try {
    for await (const batch of stream.readable) got.push(...batch);
  } catch (e) {
    error = e;
  }
  const where = `SkippingFrameDecoderStream over ${chunks.length} chunks (max ${maxPackageSize})`;
  if (error !== undefined) expectProtocolError(where, error, whole);
  const gotKind = (error as ProtocolError | undefined)?.kind;
  if (gotKind !== expected.error?.kind) {
    throw new FuzzFailure(
      `${where} ended with ${gotKind ?? "success"}, expected ${expected.error?.kind ?? "success"}`,
      whole,
      { cause: error },
    );
  }
  // Batched per chunk, every frame before a malformed one is delivered, errors included.
  if (
    got.length !== expected.frames.length || got.some((f, i) => !sameFrame(f, expected.frames[i]))
  ) {
    throw new FuzzFailure(
      `${where} decoded ${got.length} frames, the reference ${expected.frames.length}, ` +
        `or they differ`,
      whole,
    );
  }
}
