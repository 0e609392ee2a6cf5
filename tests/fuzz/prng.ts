/**
 * A tiny seeded PRNG (mulberry32) so every fuzz failure can be replayed from its seed.
 *
 * @module
 */

/** Deterministic random numbers from a 32-bit seed. */
export class Prng {
  #state: number;

  /** Creates a generator; the same seed always gives the same sequence. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    // mulberry32 (Tommy Ettinger, public domain).
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in `[0, 1)`. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in `[min, max]`. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }
}

/** A fresh seed from the system's random source. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
