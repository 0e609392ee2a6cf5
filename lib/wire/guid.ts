/**
 * GUIDs on the wire use the .NET `Guid.ToByteArray()` layout: the first three groups are
 * little-endian, the last 8 bytes are as written (PROTOCOL.md §1.5). Users only see ordinary
 * lower-case RFC 4122 strings.
 *
 * @module
 */

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Wire byte index for each position of the 32 hex digits of an RFC string, group by group. */
const WIRE_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] as const;

const GUID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The all-zero GUID, used by servers for connection-wide packages. */
export const ZERO_GUID = "00000000-0000-0000-0000-000000000000";

/** Returns true if `value` is an RFC 4122 style GUID string. */
export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

/**
 * Writes the 16 wire bytes of `guid` into `target` at `offset`.
 *
 * @throws {TypeError} if `guid` is not a GUID string
 */
export function writeGuid(guid: string, target: Uint8Array, offset = 0): void {
  if (guid.length !== 36 || !GUID_PATTERN.test(guid)) {
    throw new TypeError(
      `Invalid GUID "${guid}": expected the form 00112233-4455-6677-8899-aabbccddeeff`,
    );
  }
  const hex = guid.replaceAll("-", "");
  for (let i = 0; i < 16; i++) {
    target[offset + WIRE_ORDER[i]] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
}

/** Returns the 16 wire bytes (.NET order) of an RFC 4122 GUID string. */
export function guidToBytes(guid: string): Uint8Array {
  const bytes = new Uint8Array(16);
  writeGuid(guid, bytes);
  return bytes;
}

/**
 * Reads 16 wire bytes (.NET order) from `bytes` at `offset` as an RFC 4122 GUID string.
 *
 * @throws {RangeError} if fewer than 16 bytes are available
 */
export function bytesToGuid(bytes: Uint8Array, offset = 0): string {
  if (bytes.length - offset < 16) {
    throw new RangeError(`A GUID needs 16 bytes, got ${bytes.length - offset}`);
  }
  const b = (i: number) => HEX[bytes[offset + WIRE_ORDER[i]]];
  return b(0) + b(1) + b(2) + b(3) + "-" + b(4) + b(5) + "-" + b(6) + b(7) + "-" + b(8) + b(9) +
    "-" + b(10) + b(11) + b(12) + b(13) + b(14) + b(15);
}

/** Returns a fresh random (version 4) GUID string. */
export function newGuid(): string {
  return crypto.randomUUID();
}
