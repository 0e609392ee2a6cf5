/**
 * Stream metadata (docs/protocol.md §4.11): typed fields for the keys the server understands, plus
 * custom keys, and the JSON mapping. `$tb` and `$maxCount` may exceed 2^53 (a soft delete writes
 * `$tb` = long.MaxValue), so integers are parsed from their source text as bigint.
 *
 * @module
 */

/** Who may do what to a stream: role names (user names or groups; `"$all"` = everybody). */
export interface StreamAcl {
  /** Roles that may read (`$r`). */
  readonly readRoles?: readonly string[];
  /** Roles that may write (`$w`). */
  readonly writeRoles?: readonly string[];
  /** Roles that may delete (`$d`). */
  readonly deleteRoles?: readonly string[];
  /** Roles that may read the metadata (`$mr`). */
  readonly metaReadRoles?: readonly string[];
  /** Roles that may write the metadata (`$mw`). */
  readonly metaWriteRoles?: readonly string[];
}

/** The metadata of a stream. */
export interface StreamMetadata {
  /** Only the last this many events are readable (`$maxCount`). */
  readonly maxCount?: bigint | number;
  /** Events older than this many seconds are not readable (`$maxAge`). */
  readonly maxAge?: number;
  /** Events numbered below this are not readable (`$tb`). */
  readonly truncateBefore?: bigint | number;
  /** HTTP cache lifetime in seconds (`$cacheControl`). */
  readonly cacheControl?: number;
  /** Access control (`$acl`). */
  readonly acl?: StreamAcl;
  /** Any other keys, stored as given and ignored by the server. */
  readonly custom?: Readonly<Record<string, unknown>>;
}

/** The metadata of a stream as read back. */
export interface StreamMetadataResult {
  /** The stream whose metadata this is. */
  readonly stream: string;
  /** True when the stream was hard-deleted (the metadata is then empty). */
  readonly isDeleted: boolean;
  /** Version of the metastream `$$<stream>` (−1 when no metadata was ever written). */
  readonly metastreamVersion: bigint;
  /** The metadata (empty when none, or when it is not a JSON object). */
  readonly metadata: StreamMetadata;
}

const ACL_KEYS = {
  readRoles: "$r",
  writeRoles: "$w",
  deleteRoles: "$d",
  metaReadRoles: "$mr",
  metaWriteRoles: "$mw",
} as const;
const METADATA_KEYS = new Set([
  "maxCount",
  "maxAge",
  "truncateBefore",
  "cacheControl",
  "acl",
  "custom",
]);
const SYSTEM_KEYS = new Set(["$maxCount", "$maxAge", "$tb", "$cacheControl", "$acl"]);

const jsonWithRaw = JSON as unknown as {
  rawJSON(text: string): unknown;
  parse(
    text: string,
    reviver: (key: string, value: unknown, context?: { source?: string }) => unknown,
  ): unknown;
};

function integer(value: bigint | number, what: string): unknown {
  if (typeof value === "bigint") return jsonWithRaw.rawJSON(value.toString());
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Invalid metadata ${what} ${value}: expected an integer`);
  }
  return value;
}

function roles(value: unknown, what: string): readonly string[] {
  if (!Array.isArray(value) || value.some((role) => typeof role !== "string")) {
    throw new TypeError(`Invalid metadata acl.${what}: expected an array of role names`);
  }
  return value;
}

/**
 * Serialises metadata to the JSON the server reads.
 *
 * @throws {TypeError} for unknown fields, wrong types, or custom keys starting with `$`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serializeStreamMetadata } from "./stream_metadata.ts";
 * const json = serializeStreamMetadata({ maxCount: 10, custom: { owner: "gil" } });
 * assert.equal(new TextDecoder().decode(json), '{"$maxCount":10,"owner":"gil"}');
 * ```
 */
export function serializeStreamMetadata(metadata: StreamMetadata): Uint8Array {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new TypeError("Invalid stream metadata: expected an object");
  }
  for (const key of Object.keys(metadata)) {
    if (!METADATA_KEYS.has(key)) throw new TypeError(`Unknown stream metadata field "${key}"`);
  }
  const out: Record<string, unknown> = {};
  if (metadata.maxCount !== undefined) out.$maxCount = integer(metadata.maxCount, "maxCount");
  if (metadata.maxAge !== undefined) out.$maxAge = integer(metadata.maxAge, "maxAge");
  if (metadata.truncateBefore !== undefined) {
    out.$tb = integer(metadata.truncateBefore, "truncateBefore");
  }
  if (metadata.cacheControl !== undefined) {
    out.$cacheControl = integer(metadata.cacheControl, "cacheControl");
  }
  if (metadata.acl !== undefined) {
    const acl: Record<string, unknown> = {};
    for (const [field, key] of Object.entries(ACL_KEYS)) {
      const value = (metadata.acl as Record<string, unknown>)[field];
      if (value !== undefined) acl[key] = roles(value, field);
    }
    for (const key of Object.keys(metadata.acl)) {
      if (!(key in ACL_KEYS)) throw new TypeError(`Unknown stream metadata field "acl.${key}"`);
    }
    out.$acl = acl;
  }
  for (const [key, value] of Object.entries(metadata.custom ?? {})) {
    if (key.startsWith("$")) {
      throw new TypeError(
        `Invalid custom metadata key "${key}": keys starting with "$" are reserved`,
      );
    }
    out[key] = value;
  }
  let text: string;
  try {
    text = JSON.stringify(out);
  } catch (cause) {
    throw new TypeError("Cannot serialise the custom stream metadata as JSON", { cause });
  }
  return new TextEncoder().encode(text);
}

function toRoles(value: unknown): readonly string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((role) => typeof role === "string")) return value;
  return undefined;
}

/** An integer as written in the JSON source. */
class IntegerText {
  constructor(readonly source: string) {}
}

function toBig(value: unknown): bigint | undefined {
  return value instanceof IntegerText ? BigInt(value.source) : undefined;
}

/**
 * Parses stored metadata. Anything that is not a JSON object reads as empty metadata, as on the
 * server; values of the wrong type are left out.
 */
export function parseStreamMetadata(bytes: Uint8Array): StreamMetadata {
  let raw: unknown;
  try {
    // Integers are kept as their source text so that 64-bit values survive.
    raw = jsonWithRaw.parse(
      new TextDecoder().decode(bytes),
      (_key, value, context) =>
        typeof value === "number" && context?.source !== undefined && /^-?\d+$/.test(context.source)
          ? new IntegerText(context.source)
          : value,
    );
  } catch {
    return {};
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const object = raw as Record<string, unknown>;
  const metadata: {
    maxCount?: bigint;
    maxAge?: number;
    truncateBefore?: bigint;
    cacheControl?: number;
    acl?: StreamAcl;
    custom?: Record<string, unknown>;
  } = {};
  const maxCount = toBig(object.$maxCount);
  if (maxCount !== undefined) metadata.maxCount = maxCount;
  const maxAge = toBig(object.$maxAge);
  if (maxAge !== undefined) metadata.maxAge = Number(maxAge);
  const truncateBefore = toBig(object.$tb);
  if (truncateBefore !== undefined) metadata.truncateBefore = truncateBefore;
  const cacheControl = toBig(object.$cacheControl);
  if (cacheControl !== undefined) metadata.cacheControl = Number(cacheControl);
  if (typeof object.$acl === "object" && object.$acl !== null) {
    const source = object.$acl as Record<string, unknown>;
    const acl: Record<string, readonly string[]> = {};
    for (const [field, key] of Object.entries(ACL_KEYS)) {
      const value = toRoles(source[key]);
      if (value !== undefined) acl[field] = value;
    }
    metadata.acl = acl;
  }
  const custom: Record<string, unknown> = {};
  let hasCustom = false;
  for (const [key, value] of Object.entries(object)) {
    if (SYSTEM_KEYS.has(key)) continue;
    custom[key] = restoreNumbers(value);
    hasCustom = true;
  }
  if (hasCustom) metadata.custom = custom;
  return metadata;
}

/** Turns integer source texts back into numbers inside custom values (bigint when too large). */
function restoreNumbers(value: unknown): unknown {
  if (value instanceof IntegerText) {
    const number = Number(value.source);
    return Number.isSafeInteger(number) ? number : BigInt(value.source);
  }
  if (Array.isArray(value)) return value.map(restoreNumbers);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restoreNumbers(v)]));
  }
  return value;
}
