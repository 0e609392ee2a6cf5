import assert from "node:assert/strict";
import { ProtocolError } from "../../lib/errors.ts";
import {
  type DecodedFrame,
  OversizedFrame,
  SkippingFrameDecoderStream,
} from "../../lib/wire/skipping_frame_decoder_stream.ts";
import {
  DEFAULT_MAX_PACKAGE_SIZE,
  encodePackage,
  type Package,
} from "../../lib/wire/package_codec.ts";

const MAX = 64;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A small package, an oversized one (flags 0x01, 300-byte payload), and another small one. */
function sample() {
  const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  const encoded = [
    encodePackage({ command: 0x01, correlationId: ids[0], payload: new Uint8Array([1, 2]) }),
    encodePackage(
      {
        command: 0xb3,
        correlationId: ids[1],
        credentials: { username: "admin", password: "changeit" },
        payload: new Uint8Array(300).fill(0xee),
      },
      1 << 20,
    ),
    encodePackage({ command: 0x02, correlationId: ids[2], payload: new Uint8Array([3]) }),
  ];
  const expected = [
    { command: 0x01, correlationId: ids[0], payload: [1, 2] },
    {
      oversized: { command: 0xb3, flags: 0x01, correlationId: ids[1], size: encoded[1].length - 4 },
    },
    { command: 0x02, correlationId: ids[2], payload: [3] },
  ];
  return { bytes: concat(encoded), expected };
}

function normalise(frame: DecodedFrame) {
  if (frame instanceof OversizedFrame) {
    const { command, flags, correlationId, size } = frame;
    return { oversized: { command, flags, correlationId, size } };
  }
  return {
    command: frame.command,
    correlationId: frame.correlationId,
    payload: [...frame.payload],
  };
}

async function decode(chunks: Uint8Array[], maxPackageSize = MAX) {
  const stream = ReadableStream.from(chunks).pipeThrough(
    new SkippingFrameDecoderStream({ maxPackageSize }),
  );
  return (await Array.fromAsync(stream)).flat().map(normalise);
}

Deno.test("an oversized frame yields its header and the packages after it, at every split point", async () => {
  const { bytes, expected } = sample();
  for (let split = 0; split <= bytes.length; split++) {
    const chunks = [bytes.subarray(0, split), bytes.subarray(split)];
    assert.deepEqual(await decode(chunks), expected, `split at ${split}`);
  }
});

Deno.test("an oversized frame fed one byte at a time yields the same frames", async () => {
  const { bytes, expected } = sample();
  assert.deepEqual(await decode(Array.from(bytes, (b) => new Uint8Array([b]))), expected);
});

Deno.test("the body of an oversized frame is skipped without being buffered", async () => {
  const stage = new SkippingFrameDecoderStream();
  const size = DEFAULT_MAX_PACKAGE_SIZE + 1;
  const head = new Uint8Array(4 + 18);
  new DataView(head.buffer).setInt32(0, size, true);
  head[4] = 0xb7;
  const frames: DecodedFrame[] = [];
  const reading = (async () => {
    for await (const batch of stage.readable) frames.push(...batch);
  })();
  const writer = stage.writable.getWriter();
  await writer.write(head);
  const chunk = new Uint8Array(1 << 20);
  let left = size - 18;
  while (left > 0) {
    const part = chunk.subarray(0, Math.min(left, chunk.length));
    await writer.write(part);
    left -= part.length;
    assert.equal(stage.bufferedBytes, 0);
  }
  const after = encodePackage({
    command: 0x02,
    correlationId: crypto.randomUUID(),
    payload: new Uint8Array(0),
  });
  await writer.write(after);
  await writer.close();
  await reading;
  assert.equal(frames.length, 2);
  assert.ok(frames[0] instanceof OversizedFrame);
  assert.equal(frames[0].command, 0xb7);
  assert.equal(frames[0].size, size);
  assert.equal((frames[1] as { command: number }).command, 0x02);
});

Deno.test("a stream that ends inside an oversized frame errors with truncated-frame", async () => {
  const { bytes } = sample();
  const start = 4 + 18 + 2; // inside the second package's prefix, header and body
  for (const cut of [start + 1, start + 4, start + 10, start + 22, start + 200]) {
    await assert.rejects(
      decode([bytes.subarray(0, cut)]),
      (e: unknown) => e instanceof ProtocolError && e.kind === "truncated-frame",
      `cut at ${cut}`,
    );
  }
});

Deno.test("an HTTP answer read as a frame ends as a truncated package over the maximum size, named as such", async () => {
  // "HTTP" read as a little-endian length is 1347703880, far over the maximum package size.
  const http = new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n");
  await assert.rejects(decode([http]), {
    name: "ProtocolError",
    message:
      "Stream ended in the middle of a 1347703880-byte package that is over the maximum size",
  });
});

Deno.test("the skipping stage still rejects a prefix below the header size", async () => {
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setInt32(0, 17, true);
  await assert.rejects(
    decode([prefix, new Uint8Array(40)]),
    (e: unknown) => e instanceof ProtocolError && e.kind === "frame-too-small",
  );
});

/** Frames of `chunks`, batch by batch, as the stage emits them. */
async function batchesOf(chunks: Uint8Array[], options = {}): Promise<DecodedFrame[][]> {
  const stream = ReadableStream.from(chunks).pipeThrough(new SkippingFrameDecoderStream(options));
  return await Array.fromAsync(stream);
}

function small(command: number, payload: number[] = []): Uint8Array {
  return encodePackage({
    command,
    correlationId: crypto.randomUUID(),
    payload: new Uint8Array(payload),
  });
}

Deno.test("the packages a chunk completes come out as one batch, in order", async () => {
  const frames = [small(0x01, [1]), small(0x02, [2, 2]), small(0x03), small(0x04, [4])];
  const bytes = concat(frames);
  const cut = frames[0].length + 5; // inside the second package
  const batches = await batchesOf([bytes.subarray(0, cut), bytes.subarray(cut)]);
  assert.deepEqual(
    batches.map((batch) => batch.map((frame) => (frame as { command: number }).command)),
    [[0x01], [0x02, 0x03, 0x04]],
  );
});

Deno.test("a chunk that completes no package yields no batch", async () => {
  const bytes = small(0x05, [1, 2, 3]);
  const batches = await batchesOf(Array.from(bytes, (byte) => new Uint8Array([byte])));
  assert.deepEqual(batches.map((batch) => batch.length), [1]);
});

Deno.test("a malformed frame in a chunk: the packages before it come out, then the stream errors", async () => {
  const bad = new Uint8Array(4);
  new DataView(bad.buffer).setInt32(0, 3, true); // below the 18-byte header
  const chunks = [small(0x01), concat([small(0x02), small(0x03), bad, small(0x04)])];
  const stream = ReadableStream.from(chunks).pipeThrough(new SkippingFrameDecoderStream());
  const seen: number[][] = [];
  await assert.rejects(
    (async () => {
      for await (const batch of stream) {
        seen.push(batch.map((frame) => (frame as { command: number }).command));
      }
    })(),
    (e: unknown) => e instanceof ProtocolError && e.kind === "frame-too-small",
  );
  assert.deepEqual(seen, [[0x01], [0x02, 0x03]]);
});

Deno.test("a batch retains its chunk's buffer and exact-size copies of the packages kept, nothing more", async () => {
  // 0xc2 (a read page) is kept by the consumer, 0x83 (a write reply) is not.
  const retains = (command: number) => command === 0xc2;
  const kept = small(0xc2, Array.from({ length: 200 }, (_, i) => i & 0xff));
  const large = small(0xc2, new Array(3000).fill(7));
  const replies = Array.from({ length: 30 }, (_, i) => small(0x83, [i]));
  const bytes = concat([large, kept, ...replies]);
  const cut = 1000; // the large package starts in the first chunk
  const chunks = [bytes.slice(0, cut), bytes.slice(cut)];
  const batches = await batchesOf(chunks, { retains });
  assert.equal(batches.length, 1, "the first chunk completes nothing");
  const packages = batches[0] as Package[];
  assert.equal(packages.length, 32);
  for (const pkg of packages.slice(0, 2)) {
    const size = pkg === packages[0] ? large.length - 4 : kept.length - 4;
    assert.equal(pkg.payload.buffer.byteLength, size, "a kept package is an exact-size copy");
  }
  for (const pkg of packages.slice(2)) assert.equal(pkg.payload.buffer, chunks[1].buffer);
  const buffers = new Set(packages.map((pkg) => pkg.payload.buffer));
  const retained = [...buffers].reduce((n, buffer) => n + buffer.byteLength, 0);
  assert.equal(retained, chunks[1].byteLength + large.length - 4 + kept.length - 4);
});
