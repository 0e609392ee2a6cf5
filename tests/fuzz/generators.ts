/**
 * Inputs for the wire fuzzers: valid packages and protobuf messages built from the schema
 * descriptors, then mutated (bit flips, truncation, length-prefix edits, inserted and deleted
 * ranges) and cut into chunks.
 *
 * @module
 */

import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import * as pb from "../../gen/client_messages_pb.ts";
import type { Package } from "../../lib/wire/package_codec.ts";
import { encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../lib/wire/tcp_command.ts";
import { bytesToGuid } from "../../lib/wire/guid.ts";
import type { Prng } from "./prng.ts";

/** Every message schema of the generated client protocol. */
export const MESSAGE_SCHEMAS: readonly DescMessage[] = Object.entries(pb)
  .filter(([name, value]) =>
    name.endsWith("Schema") && (value as { kind?: string }).kind === "message"
  )
  .map(([, value]) => value as DescMessage);

const COMMANDS: readonly number[] = Object.values(TcpCommand);
const encoder = new TextEncoder();
const ALPHABET = ["a", "Z", "0", "-", "$", " ", "é", "ü", "€", "😀", "\u0000"];

function randomString(prng: Prng, maxChars: number): string {
  let s = "";
  const n = prng.int(0, maxChars);
  for (let i = 0; i < n; i++) s += prng.pick(ALPHABET);
  return s;
}

/** A string whose UTF-8 encoding is at most `maxBytes` long. */
function boundedString(prng: Prng, maxBytes: number): string {
  let s = "";
  let bytes = 0;
  const n = prng.int(0, maxBytes);
  for (let i = 0; i < n; i++) {
    const c = prng.pick(ALPHABET);
    const size = encoder.encode(c).length;
    if (bytes + size > maxBytes) break;
    s += c;
    bytes += size;
  }
  return s;
}

const INTERESTING_INTS = [0, 1, -1, 2, 127, 128, 255, 256, 2147483647, -2147483648];
const INTERESTING_BIGINTS = [0n, 1n, -1n, -2n, -4n, 9223372036854775807n, -9223372036854775808n];

function scalarValue(prng: Prng, scalar: ScalarType): unknown {
  switch (scalar) {
    case ScalarType.STRING:
      return randomString(prng, 12);
    case ScalarType.BYTES:
      return prng.bytes(prng.pick([0, 1, 16, prng.int(0, 64)]));
    case ScalarType.BOOL:
      return prng.chance(0.5);
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return prng.next() * 1000;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return prng.chance(0.5)
        ? prng.pick(INTERESTING_BIGINTS)
        : BigInt(prng.int(-1_000_000, 1_000_000));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return BigInt(prng.nextUint32());
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return prng.nextUint32();
    default:
      return prng.chance(0.5) ? prng.pick(INTERESTING_INTS) : prng.int(-100000, 100000);
  }
}

function fieldValue(prng: Prng, field: DescField, depth: number): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return scalarValue(prng, field.scalar);
    case "enum":
      return prng.pick(field.enum.values).number;
    case "message":
      return depth > 3 ? undefined : randomMessageInit(prng, field.message, depth + 1);
    case "list": {
      const n = depth > 3 ? 0 : prng.int(0, 3);
      const items: unknown[] = [];
      for (let i = 0; i < n; i++) {
        if (field.listKind === "scalar") items.push(scalarValue(prng, field.scalar));
        else if (field.listKind === "enum") items.push(prng.pick(field.enum.values).number);
        else items.push(randomMessageInit(prng, field.message, depth + 1));
      }
      return items;
    }
    default:
      return undefined;
  }
}

/** A random init object for `schema`: each field set or left out at random. */
export function randomMessageInit(
  prng: Prng,
  schema: DescMessage,
  depth = 0,
): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const field of schema.fields) {
    if (field.oneof !== undefined || prng.chance(0.2)) continue;
    const value = fieldValue(prng, field, depth);
    if (value !== undefined) init[field.localName] = value;
  }
  return init;
}

/** A random valid encoding of a random (or the given) message schema. */
export function validMessage(
  prng: Prng,
  schema: DescMessage = prng.pick(MESSAGE_SCHEMAS),
): { schema: DescMessage; bytes: Uint8Array } {
  // deno-lint-ignore no-explicit-any
  return { schema, bytes: encodeMessage(schema, randomMessageInit(prng, schema) as any) };
}

/** A random valid package (protobuf, text or raw payload; with or without credentials). */
export function validPackage(prng: Prng): Package {
  const payloadKind = prng.int(0, 3);
  const payload = payloadKind === 0
    ? new Uint8Array(0)
    : payloadKind === 1
    ? encoder.encode(randomString(prng, 40))
    : payloadKind === 2
    ? prng.bytes(prng.int(0, 100))
    : validMessage(prng).bytes;
  return {
    command: prng.chance(0.9) ? prng.pick(COMMANDS) : prng.int(0, 255),
    correlationId: bytesToGuid(prng.bytes(16)),
    credentials: prng.chance(0.4)
      ? {
        username: boundedString(prng, prng.pick([0, 5, 20, 255])),
        password: boundedString(prng, prng.pick([0, 8, 30, 255])),
      }
      : undefined,
    payload,
  };
}

/** Several valid packages. */
export function validPackages(prng: Prng, count = prng.int(1, 4)): Package[] {
  return Array.from({ length: count }, () => validPackage(prng));
}

/** Joins byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const INTERESTING_LENGTHS = [
  -2147483648,
  -1,
  0,
  1,
  17,
  18,
  19,
  0x7fffffff,
  64 * 1024 * 1024,
  64 * 1024 * 1024 + 1,
];

/**
 * Applies 1-4 random mutations. `prefixOffsets` lists where length prefixes start, for
 * length-prefix edits (empty for inputs without prefixes).
 */
export function mutate(
  prng: Prng,
  input: Uint8Array,
  prefixOffsets: readonly number[] = [],
): Uint8Array {
  let bytes: Uint8Array = input.slice();
  const rounds = prng.int(1, 4);
  for (let r = 0; r < rounds; r++) {
    const kind = prng.int(0, 7);
    if (kind === 0 && bytes.length > 0) {
      // Bit flip.
      const i = prng.int(0, bytes.length - 1);
      bytes[i] ^= 1 << prng.int(0, 7);
    } else if (kind === 1 && bytes.length > 0) {
      // Byte set to an interesting value.
      bytes[prng.int(0, bytes.length - 1)] = prng.pick([0x00, 0x01, 0x7f, 0x80, 0xff]);
    } else if (kind === 2) {
      // Truncation.
      bytes = bytes.slice(0, prng.int(0, bytes.length));
    } else if (kind === 3) {
      // Random bytes inserted.
      const at = prng.int(0, bytes.length);
      bytes = concat([bytes.subarray(0, at), prng.bytes(prng.int(1, 8)), bytes.subarray(at)]);
    } else if (kind === 4 && bytes.length > 0) {
      // A range deleted.
      const at = prng.int(0, bytes.length - 1);
      const end = Math.min(bytes.length, at + prng.int(1, 8));
      bytes = concat([bytes.subarray(0, at), bytes.subarray(end)]);
    } else if (kind === 5 && bytes.length > 0) {
      // A range duplicated.
      const at = prng.int(0, bytes.length - 1);
      const end = Math.min(bytes.length, at + prng.int(1, 24));
      bytes = concat([bytes.subarray(0, end), bytes.subarray(at)]);
    } else if (kind >= 6 && prefixOffsets.length > 0) {
      // Length-prefix edit: an interesting value or the true length nudged by a little.
      const at = prng.pick(prefixOffsets);
      if (at + 4 > bytes.length) continue;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const value = prng.chance(0.5)
        ? prng.pick(INTERESTING_LENGTHS)
        : view.getInt32(at, true) + prng.int(-20, 20);
      view.setInt32(at, value, true);
    } else if (bytes.length > 0) {
      bytes[prng.int(0, bytes.length - 1)] = prng.nextUint32() & 0xff;
    }
  }
  return bytes;
}

/**
 * Cuts bytes into chunks: whole, byte by byte (inputs up to 400 bytes: each chunk costs a stream
 * round trip), random sizes, or random sizes with empty chunks.
 */
export function splitChunks(prng: Prng, bytes: Uint8Array): Uint8Array[] {
  const mode = prng.int(0, 3);
  if (mode === 0) return [bytes];
  if (mode === 1 && bytes.length <= 400) {
    return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (mode === 3 && prng.chance(0.1)) chunks.push(new Uint8Array(0));
    const size = prng.int(1, prng.pick([3, 16, 64, 256]));
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
