import assert from "node:assert/strict";
import { FrameDecoderStream } from "../../lib/wire/frame_decoder_stream.ts";
import { encodePackage, type Package } from "../../lib/wire/package_codec.ts";
import { assertEncodable, PackageEncoderStream } from "../../lib/wire/package_encoder_stream.ts";
import { newGuid } from "../../lib/wire/guid.ts";

const unit = { permissions: "none" } as const;

function ping(i: number): Package {
  return { command: 0x03, correlationId: newGuid(), payload: new Uint8Array([i & 0xff]) };
}

Deno.test(
  "the encoder coalesces packages queued together into one chunk, bytes unchanged",
  unit,
  async () => {
    const encoder = new PackageEncoderStream();
    const writer = encoder.writable.getWriter();
    const packages = Array.from({ length: 100 }, (_, i) => ping(i));
    for (const pkg of packages) writer.write(pkg);
    writer.close();
    const chunks = await Array.fromAsync(encoder.readable);
    assert.equal(chunks.length, 1, `${chunks.length} chunks for 100 queued packages`);
    const expected = packages.map((pkg) => encodePackage(pkg));
    const joined = new Uint8Array(expected.reduce((n, b) => n + b.length, 0));
    let offset = 0;
    for (const bytes of expected) {
      joined.set(bytes, offset);
      offset += bytes.length;
    }
    assert.deepEqual(chunks[0], joined);
  },
);

Deno.test("a lone package leaves without waiting for more", unit, async () => {
  const encoder = new PackageEncoderStream();
  const writer = encoder.writable.getWriter();
  const reader = encoder.readable.getReader();
  writer.write(ping(1));
  const { value } = await reader.read(); // no close, no timer: it must come by itself
  assert.equal(value?.length, 4 + 18 + 1);
  await writer.close();
  assert.equal((await reader.read()).done, true);
});

Deno.test("chunks are bounded by maxChunkSize", unit, async () => {
  const encoder = new PackageEncoderStream({ maxChunkSize: 100 });
  const writer = encoder.writable.getWriter();
  for (let i = 0; i < 20; i++) writer.write(ping(i)); // 23 bytes each
  writer.close();
  const chunks = await Array.fromAsync(encoder.readable);
  assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
  for (const chunk of chunks) assert.ok(chunk.length <= 100 + 22, `chunk of ${chunk.length}`);
  assert.equal(chunks.reduce((n, c) => n + c.length, 0), 20 * 23);
});

Deno.test(
  "what the encoder writes the frame decoder reads back, package by package",
  unit,
  async () => {
    const packages = Array.from({ length: 50 }, (_, i) => ping(i));
    const encoder = new PackageEncoderStream();
    const writer = encoder.writable.getWriter();
    for (const pkg of packages) writer.write(pkg);
    writer.close();
    const decoded = await Array.fromAsync(encoder.readable.pipeThrough(new FrameDecoderStream()));
    assert.deepEqual(decoded.map((p) => p.correlationId), packages.map((p) => p.correlationId));
  },
);

Deno.test(
  "assertEncodable() rejects what encodePackage() would, without echoing credentials",
  unit,
  () => {
    assert.throws(
      () => assertEncodable({ ...ping(1), payload: new Uint8Array(100) }, 50),
      RangeError,
    );
    const secret = "s".repeat(300);
    assert.throws(
      () => assertEncodable({ ...ping(1), credentials: { username: "u", password: secret } }, 1e6),
      (error: Error) => error instanceof RangeError && !error.message.includes(secret),
    );
    assertEncodable({ ...ping(1), credentials: { username: "admin", password: "changeit" } }, 1e6);
  },
);
