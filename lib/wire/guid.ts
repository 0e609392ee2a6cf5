/**
 * GUIDs on the wire use the .NET `Guid.ToByteArray()` layout: the first three groups are
 * little-endian, the last 8 bytes are as written (docs/protocol.md §1.5). Users only see ordinary
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

/** Value of each ASCII hex digit, -1 for every other code unit below 128. */
const HEX_VALUE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    table["0123456789abcdef".charCodeAt(i)] = i;
    table["0123456789ABCDEF".charCodeAt(i)] = i;
  }
  return table;
})();

/** String index of the first digit of each byte of an RFC string, in RFC order. */
const DIGIT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34] as const;

const DASH = 0x2d;

function hexValue(code: number): number {
  return code < 128 ? HEX_VALUE[code] : -1;
}

/**
 * Writes the 16 wire bytes of `guid` into `target` at `offset`. One pass over the code units,
 * no regular expression and no intermediate strings: it runs for every package sent (the
 * correlation id) and every event written (its id).
 *
 * @throws {TypeError} if `guid` is not a GUID string (nothing is written then)
 */
export function writeGuid(guid: string, target: Uint8Array, offset = 0): void {
  let valid = guid.length === 36 && guid.charCodeAt(8) === DASH &&
    guid.charCodeAt(13) === DASH && guid.charCodeAt(18) === DASH && guid.charCodeAt(23) === DASH;
  for (let i = 0; valid && i < 16; i++) {
    valid = (hexValue(guid.charCodeAt(DIGIT_AT[i])) | hexValue(guid.charCodeAt(DIGIT_AT[i] + 1))) >=
      0;
  }
  if (!valid) {
    throw new TypeError(
      `Invalid GUID "${guid}": expected the form 00112233-4455-6677-8899-aabbccddeeff`,
    );
  }
  for (let i = 0; i < 16; i++) {
    target[offset + WIRE_ORDER[i]] = (hexValue(guid.charCodeAt(DIGIT_AT[i])) << 4) |
      hexValue(guid.charCodeAt(DIGIT_AT[i] + 1));
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
  // Wire order: the first three groups little-endian (see WIRE_ORDER), the rest as stored.
  const o = offset;
  return HEX[bytes[o + 3]] + HEX[bytes[o + 2]] + HEX[bytes[o + 1]] + HEX[bytes[o]] + "-" +
    HEX[bytes[o + 5]] + HEX[bytes[o + 4]] + "-" + HEX[bytes[o + 7]] + HEX[bytes[o + 6]] + "-" +
    HEX[bytes[o + 8]] + HEX[bytes[o + 9]] + "-" + HEX[bytes[o + 10]] + HEX[bytes[o + 11]] +
    HEX[bytes[o + 12]] + HEX[bytes[o + 13]] + HEX[bytes[o + 14]] + HEX[bytes[o + 15]];
}

/** Returns a fresh random (version 4) GUID string. */
export function newGuid(): string {
  return crypto.randomUUID();
}
