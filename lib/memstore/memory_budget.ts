/**
 * The memstore's memory budget: what the store may hold before it refuses writes, the in-memory
 * analogue of a full disk. The estimate counts the arena slabs (event bytes, outside the V8 heap)
 * and a fixed cost per indexed record and stream on the heap; a second bound keeps that heap part
 * under half of V8's heap limit, so filling the store never ends in a heap out-of-memory crash.
 *
 * @module
 */

import { getHeapStatistics } from "node:v8";

/** Heap bytes charged per stored record (index entry, id map entry, strings; ~400 measured). */
export const INDEX_BYTES_PER_RECORD = 512;
/** Heap bytes charged per stream (its state, name and index array). */
export const INDEX_BYTES_PER_STREAM = 512;
/** Most records the store indexes: a JavaScript `Map` holds at most 2^24 entries. */
export const MAX_RECORDS = 2 ** 24 - 1;
/** Fraction of V8's heap limit the index may take. */
const HEAP_SHARE = 0.5;
/** Deletes may go this far past the budget, so a full store can still be cleaned up. */
const DELETE_RESERVE_BYTES = 16 * 1024 * 1024;
/** Used when the system's memory cannot be read (no `--allow-sys`). */
const FALLBACK_MAX_MEMORY = 1024 * 1024 * 1024;
/** Largest default budget. */
const DEFAULT_MAX_MEMORY_CAP = 4 * 1024 * 1024 * 1024;

/**
 * The default budget: a quarter of the machine's memory, at most 4 GiB (1 GiB when the system's
 * memory cannot be read: without `--allow-sys`, which is never prompted for).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultMaxMemory } from "./memory_budget.ts";
 * assert.deepEqual(defaultMaxMemory() > 0, true);
 * ```
 */
export function defaultMaxMemory(): number {
  try {
    // Only with sys access already granted: never prompt for it.
    const access = Deno.permissions.querySync({ name: "sys", kind: "systemMemoryInfo" });
    if (access.state !== "granted") return FALLBACK_MAX_MEMORY;
    return Math.min(Math.floor(Deno.systemMemoryInfo().total / 4), DEFAULT_MAX_MEMORY_CAP);
  } catch {
    return FALLBACK_MAX_MEMORY;
  }
}

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * Parses a byte size: a whole or decimal number with an optional binary unit (`K`, `M`, `G`,
 * also written `KB`/`KiB` and so on, any case; all powers of 1024). Returns null when `text` is
 * not one, or not positive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseByteSize } from "./memory_budget.ts";
 * assert.deepEqual(parseByteSize("512MiB"), 536870912);
 * ```
 */
export function parseByteSize(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return null;
  const unit = BYTE_UNITS[match[2].toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Math.floor(Number(match[1]) * unit);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : null;
}

/** What the store holds now. */
export interface MemoryUse {
  /** Bytes of arena slabs. */
  readonly recordBytes: number;
  /** Records indexed. */
  readonly records: number;
  /** Streams indexed. */
  readonly streams: number;
}

/**
 * Decides whether a write fits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryBudget } from "./memory_budget.ts";
 * const budget = new MemoryBudget(1024 * 1024);
 * assert.deepEqual(budget.refusal({ recordBytes: 0, records: 0, streams: 0 }, 100, 1, 1), null);
 * ```
 */
export class MemoryBudget {
  /** The budget in bytes. */
  readonly maxMemory: number;
  readonly #maxIndexBytes: number;

  /** `maxMemory` in bytes; `heapLimit` defaults to V8's heap size limit. */
  constructor(maxMemory: number, heapLimit: number = getHeapStatistics().heap_size_limit) {
    if (!Number.isFinite(maxMemory) || maxMemory <= 0) {
      throw new RangeError(`Invalid maxMemory ${maxMemory}: must be a positive number of bytes`);
    }
    this.maxMemory = maxMemory;
    this.#maxIndexBytes = heapLimit * HEAP_SHARE;
  }

  /** Estimated bytes in use. */
  used(use: MemoryUse): number {
    return use.recordBytes + indexBytes(use.records, use.streams);
  }

  /**
   * Null if `bytes` more record bytes in `records` records (`streams` of them new streams) fit,
   * else why not. `isDelete` lets the write use a small reserve past the budget.
   */
  refusal(
    use: MemoryUse,
    bytes: number,
    records: number,
    streams: number,
    isDelete = false,
  ): string | null {
    const index = indexBytes(use.records + records, use.streams + streams);
    const total = use.recordBytes + bytes + index;
    const limit = isDelete ? this.maxMemory + DELETE_RESERVE_BYTES : this.maxMemory;
    if (total > limit) {
      return `Memory store full: ${
        use.recordBytes + indexBytes(use.records, use.streams)
      } of its ${this.maxMemory} bytes (maxMemory) are in use and this write needs ${
        bytes + indexBytes(records, streams)
      } more`;
    }
    if (index > this.#maxIndexBytes + (isDelete ? DELETE_RESERVE_BYTES : 0)) {
      return `Memory store full: its index would take more than half of the JavaScript heap limit (${
        Math.round(this.#maxIndexBytes / HEAP_SHARE)
      } bytes)`;
    }
    if (use.records + records > MAX_RECORDS) {
      return `Memory store full: it holds the most records it can index (${MAX_RECORDS})`;
    }
    return null;
  }
}

function indexBytes(records: number, streams: number): number {
  return records * INDEX_BYTES_PER_RECORD + streams * INDEX_BYTES_PER_STREAM;
}
