/**
 * Positions in the `$all` log.
 *
 * @module
 */

import { type PositionJson, positionJson } from "../json.ts";

/**
 * A position in the transaction log: (commit, prepare) byte offsets, ordered commit first.
 * Treat it as opaque and monotonic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, Position } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url, {
 *   credentials: { username: "admin", password: "changeit" },
 * });
 * const first = await conn.publishEvent("a", "first", { body: {} });
 * const second = await conn.publishEvent("b", "second", { body: {} });
 * assert.ok(first.position!.compareTo(Position.start) >= 0);
 * assert.ok(second.position!.compareTo(first.position!) > 0);
 * // Resume a read of $all after a position you stored.
 * const after = await conn.getAll({ fromPosition: second.position! });
 * assert.deepEqual(after.map((e) => e.type), ["second"]);
 * ```
 */
export class Position {
  /** The start of the log: (0, 0). */
  static readonly start: Position = new Position(0n, 0n);
  /** The end of the log: (-1, -1). */
  static readonly end: Position = new Position(-1n, -1n);

  /**
   * A position as the server reports it (both offsets in bytes of its transaction log); you
   * rarely build one yourself: store a read's or write's `position` and pass it back.
   */
  constructor(
    /** The commit position. */
    readonly commit: bigint,
    /** The prepare position. */
    readonly prepare: bigint,
  ) {}

  /** Negative if this is before `other`, 0 if equal, positive if after. */
  compareTo(other: Position): number {
    if (this.commit !== other.commit) return this.commit < other.commit ? -1 : 1;
    if (this.prepare !== other.prepare) return this.prepare < other.prepare ? -1 : 1;
    return 0;
  }

  /** True if both offsets are equal. */
  equals(other: Position): boolean {
    return this.commit === other.commit && this.prepare === other.prepare;
  }

  /** `"C:<commit>/P:<prepare>"`, as the official clients print it. */
  toString(): string {
    return `C:${this.commit}/P:${this.prepare}`;
  }

  /** `{ commit, prepare }` as decimal strings (`JSON.stringify` throws on `bigint`). */
  toJSON(): PositionJson {
    return positionJson(this);
  }
}
