/**
 * Decode throughput of the framing stage, as a socket would feed it: 64 KiB chunks (each its own
 * ArrayBuffer, like Deno's reads) carrying small, medium and large packages.
 * Run: `deno bench -A tests/wire/frame_decoder_stream_bench.ts`.
 *
 * @module
 */

import { FrameDecoderStream } from "../../lib/wire/frame_decoder_stream.ts";
import { encodePackage } from "../../lib/wire/package_codec.ts";

const CHUNK = 64 * 1024;

/** `count` packages of `payloadSize` bytes, cut into 64 KiB chunks that each own their buffer. */
function socketChunks(payloadSize: number, count: number): Uint8Array[] {
  const one = encodePackage({
    command: 0xc2,
    correlationId: crypto.randomUUID(),
    payload: new Uint8Array(payloadSize).fill(7),
  });
  const all = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) all.set(one, i * one.length);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(all.slice(at, at + CHUNK));
  return chunks;
}

async function decodeAll(chunks: Uint8Array[], copy: boolean): Promise<number> {
  let bytes = 0;
  const stream = ReadableStream.from(chunks).pipeThrough(
    new FrameDecoderStream({ retains: () => copy }),
  );
  for await (const pkg of stream) bytes += pkg.payload.length;
  return bytes;
}

// About 16 MiB per case, so each iteration does the same amount of work.
const cases: [string, number, number][] = [
  ["100-byte packages", 100, 140_000],
  ["4 KiB packages", 4096, 4_000],
  ["1 MiB packages", 1 << 20, 16],
];

for (const [name, size, count] of cases) {
  const chunks = socketChunks(size, count);
  for (const copy of [true, false]) {
    Deno.bench({
      name: `decode 16 MiB of ${name}, ${copy ? "each copied" : "views (retains: false)"}`,
      group: name,
      async fn() {
        await decodeAll(chunks, copy);
      },
    });
  }
}
