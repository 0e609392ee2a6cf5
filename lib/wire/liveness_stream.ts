/**
 * The first stage of the read side: bytes pass through unchanged and each chunk is reported as it
 * arrives, before framing, so liveness (the heartbeat) counts bytes received rather than whole
 * packages: a large package still arriving is a live peer.
 *
 * @module
 */

/**
 * Passes chunks through, calling `onChunk` for each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LivenessStream } from "./liveness_stream.ts";
 * let chunks = 0;
 * const bytes = ReadableStream.from([new Uint8Array(1), new Uint8Array(2)])
 *   .pipeThrough(new LivenessStream(() => chunks++));
 * await Array.fromAsync(bytes);
 * assert.deepEqual(chunks, 2);
 * ```
 */
export class LivenessStream extends TransformStream<Uint8Array, Uint8Array> {
  /** Creates the stage; `onChunk` runs for every chunk, before it is passed on. */
  constructor(onChunk: (chunk: Uint8Array) => void) {
    super({
      transform: (chunk, controller) => {
        onChunk(chunk);
        controller.enqueue(chunk);
      },
    });
  }
}
