/**
 * Stream metadata and `$settings` as the server interprets them (docs/protocol.md §4.4, §4.11): the
 * last event of `$$s`, parsed leniently — invalid JSON or wrong types count as "no value".
 *
 * @module
 */

/** long.MaxValue: the `$tb` of a soft-deleted stream and the number of a hard-delete tombstone. */
export const DELETED_STREAM = 9223372036854775807n;

/** The five ACL permissions. */
export type AclKey = "$r" | "$w" | "$d" | "$mr" | "$mw";

/** The ACL permissions, in a fixed order. */
export const ACL_KEYS: readonly AclKey[] = ["$r", "$w", "$d", "$mr", "$mw"];

/** A (possibly partial) access control list: the roles allowed per permission. */
export type Acl = Partial<Record<AclKey, readonly string[]>>;

/** Parsed stream metadata; absent keys mean "not set". */
export interface StreamMetadata {
  /** Only the last N events are readable. */
  readonly maxCount?: bigint;
  /** Events older than this many seconds are not readable. */
  readonly maxAge?: bigint;
  /** Events numbered below this are not readable; {@linkcode DELETED_STREAM} = soft-deleted. */
  readonly truncateBefore?: bigint;
  /** The per-stream ACL. */
  readonly acl?: Acl;
}

/** The metadata of a stream that has none. */
export const EMPTY_METADATA: StreamMetadata = Object.freeze({});

/** What metastreams behave as (`MetaStreamMaxCount = 1`). */
export const METASTREAM_METADATA: StreamMetadata = Object.freeze({ maxCount: 1n });

const decoder = new TextDecoder();

/** Parses JSON bytes to a plain object, or returns `null` for anything else. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes), (_key, v, context?: { source?: string }) => {
      // Keep integers beyond 2^53 (long.MaxValue in "$tb") exact.
      if (typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v)) {
        const source = context?.source;
        if (source !== undefined && /^-?\d+$/.test(source)) return BigInt(source);
      }
      return v;
    });
  } catch {
    return null;
  }
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : null;
}

function integer(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  return undefined;
}

function roles(value: unknown): readonly string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  return undefined;
}

/** Reads an ACL object (`{"$r": "role" | ["roles"], …}`); wrong types are ignored per key. */
export function parseAcl(value: unknown): Acl | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const acl: Record<string, readonly string[]> = {};
  for (const key of ACL_KEYS) {
    const r = roles((value as Record<string, unknown>)[key]);
    if (r !== undefined) acl[key] = r;
  }
  return acl;
}

/**
 * Parses metadata bytes. Non-positive `$maxCount`/`$maxAge` and negative `$tb` are ignored; bytes
 * that are not a JSON object give {@linkcode EMPTY_METADATA}.
 */
export function parseStreamMetadata(bytes: Uint8Array): StreamMetadata {
  const json = parseJsonObject(bytes);
  if (json === null) return EMPTY_METADATA;
  const maxCount = integer(json["$maxCount"]);
  const maxAge = integer(json["$maxAge"]);
  const tb = integer(json["$tb"]);
  const acl = parseAcl(json["$acl"]);
  return {
    ...(maxCount !== undefined && maxCount > 0n ? { maxCount } : {}),
    ...(maxAge !== undefined && maxAge > 0n ? { maxAge } : {}),
    // 3.x wrote int.MaxValue for a soft delete; it reads as long.MaxValue.
    ...(tb !== undefined && tb >= 0n
      ? { truncateBefore: tb === 2147483647n ? DELETED_STREAM : tb }
      : {}),
    ...(acl !== undefined ? { acl } : {}),
  };
}

/** The default ACLs of `$settings` (`$userStreamAcl`, `$systemStreamAcl`). */
export interface SystemSettings {
  /** ACL of streams not starting with `$`. */
  readonly userStreamAcl: Acl;
  /** ACL of streams starting with `$`. */
  readonly systemStreamAcl: Acl;
}

/** The built-in defaults: users' streams open to `$all`, system streams to `$admins`. */
export const DEFAULT_SYSTEM_SETTINGS: SystemSettings = Object.freeze({
  userStreamAcl: { $r: ["$all"], $w: ["$all"], $d: ["$all"], $mr: ["$all"], $mw: ["$all"] },
  systemStreamAcl: {
    $r: ["$admins"],
    $w: ["$admins"],
    $d: ["$admins"],
    $mr: ["$admins"],
    $mw: ["$admins"],
  },
});

/** Parses the data of the last `$settings` event; missing keys fall back to the defaults. */
export function parseSystemSettings(bytes: Uint8Array): SystemSettings {
  const json = parseJsonObject(bytes);
  if (json === null) return DEFAULT_SYSTEM_SETTINGS;
  const user = parseAcl(json["$userStreamAcl"]);
  const system = parseAcl(json["$systemStreamAcl"]);
  return {
    userStreamAcl: { ...DEFAULT_SYSTEM_SETTINGS.userStreamAcl, ...user },
    systemStreamAcl: { ...DEFAULT_SYSTEM_SETTINGS.systemStreamAcl, ...system },
  };
}

/**
 * Returns metadata JSON bytes equal to `raw` with `$tb` replaced by `truncateBefore`, keeping
 * every other key; `null` if `raw` is not a JSON object (the server then writes nothing).
 */
export function withTruncateBefore(raw: Uint8Array, truncateBefore: bigint): Uint8Array | null {
  const json = parseJsonObject(raw);
  if (json === null) return null;
  return encodeMetadataJson({ ...json, $tb: truncateBefore });
}

/** Serialises a metadata object, writing bigints as plain JSON integers. */
export function encodeMetadataJson(value: Record<string, unknown>): Uint8Array {
  const raw = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
  const text = JSON.stringify(value, (_key, v) => typeof v === "bigint" ? raw(v.toString()) : v);
  return new TextEncoder().encode(text);
}

/** True for stream ids starting with `$$` (the metadata stream of another stream). */
export function isMetastream(stream: string): boolean {
  return stream.startsWith("$$");
}

/** The metastream of `stream`: `"$$" + stream`. */
export function metastreamOf(stream: string): string {
  return "$$" + stream;
}

/** The stream a metastream describes. */
export function originalStreamOf(metastream: string): string {
  return metastream.slice(2);
}

/** True for stream ids starting with `$`. */
export function isSystemStream(stream: string): boolean {
  return stream.startsWith("$");
}
