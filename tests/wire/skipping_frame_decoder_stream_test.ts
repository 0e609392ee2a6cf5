import assert from "node:assert/strict";
import { ProtocolError } from "../../lib/errors.ts";
import {
  type DecodedFrame,
  OversizedFrame,
  SkippingFrameDecoderStream,
} from "../../lib/wire/skipping_frame_decoder_stream.ts";
import { DEFAULT_MAX_PACKAGE_SIZE, encodePackage } from "../../lib/wire/package_codec.ts";

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
  return (await Array.fromAsync(stream)).map(normalise);
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
    for await (const frame of stage.readable) frames.push(frame);
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
