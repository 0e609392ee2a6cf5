/**
 * Where the memstore keeps event bytes: large `ArrayBuffer` slabs outside the V8 heap, filled one
 * record after another, so a stored record never pins a socket chunk or another package's bytes
 * and the heap holds only a small index entry per event.
 *
 * Slabs start at {@linkcode FIRST_SLAB_SIZE} and double up to {@linkcode SLAB_SIZE}; a record larger
 * than {@linkcode DEDICATED_RECORD_SIZE} gets an exact-size buffer of its own. A full slab wastes
 * less than `DEDICATED_RECORD_SIZE` at its end, so the bytes held stay within 8/7 of the bytes
 * written plus the growing slabs and the slab being filled (at most `2 * SLAB_SIZE`).
 *
 * @module
 */

/** Size of the first slab, in bytes. */
export const FIRST_SLAB_SIZE = 64 * 1024;
/** Largest slab, in bytes. */
export const SLAB_SIZE = 4 * 1024 * 1024;
/** Records above this many bytes get a buffer of their own instead of a place in a slab. */
export const DEDICATED_RECORD_SIZE = SLAB_SIZE / 8;

/** A place reserved in the arena: `bytes[offset, offset + length)`. */
export interface ArenaPlace {
  /** The slab (or dedicated buffer) holding the record. */
  readonly bytes: Uint8Array;
  /** Where the record starts in `bytes`. */
  readonly offset: number;
}

/**
 * Append-only byte storage in slabs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecordArena } from "./record_arena.ts";
 * const arena = new RecordArena();
 * const place = arena.reserve(3);
 * place.bytes.set([1, 2, 3], place.offset);
 * assert.deepEqual(arena.byteLength, 65536);
 * ```
 */
export class RecordArena {
  #slab: Uint8Array | null = null;
  #used = 0;
  #nextSlabSize = FIRST_SLAB_SIZE;
  #byteLength = 0;
  #written = 0;

  /** Bytes of every buffer the arena allocated (what it keeps alive). */
  get byteLength(): number {
    return this.#byteLength;
  }

  /** Bytes reserved by records so far. */
  get writtenBytes(): number {
    return this.#written;
  }

  /** Reserves `size` bytes for one record; the caller writes them before the next reserve. */
  reserve(size: number): ArenaPlace {
    this.#written += size;
    if (size > DEDICATED_RECORD_SIZE) {
      this.#byteLength += size;
      return { bytes: new Uint8Array(size), offset: 0 };
    }
    if (this.#slab === null || this.#slab.length - this.#used < size) {
      const slabSize = Math.max(this.#nextSlabSize, size);
      this.#nextSlabSize = Math.min(this.#nextSlabSize * 2, SLAB_SIZE);
      this.#slab = new Uint8Array(slabSize);
      this.#byteLength += slabSize;
      this.#used = 0;
    }
    const place = { bytes: this.#slab, offset: this.#used };
    this.#used += size;
    return place;
  }
}
