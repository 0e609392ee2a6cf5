import assert from "node:assert/strict";
import { ProtocolError } from "../../lib/errors.ts";
import { FrameDecoderStream } from "../../lib/wire/frame_decoder_stream.ts";
import {
  DEFAULT_MAX_PACKAGE_SIZE,
  encodePackage,
  HEADER_SIZE,
  type Package,
} from "../../lib/wire/package_codec.ts";

function samplePackages(): Package[] {
  return [
    { command: 0x01, correlationId: crypto.randomUUID(), payload: new Uint8Array(0) },
    {
      command: 0xb0,
      correlationId: crypto.randomUUID(),
      credentials: { username: "admin", password: "changeit" },
      payload: new Uint8Array([1, 2, 3, 4, 5]),
    },
    {
      command: 0x82,
      correlationId: crypto.randomUUID(),
      payload: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
    },
    {
      command: 0x03,
      correlationId: crypto.randomUUID(),
      credentials: { username: "ü", password: "" },
      payload: new Uint8Array([42]),
    },
  ];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

async function decode(chunks: Uint8Array[], maxPackageSize?: number): Promise<Package[]> {
  const out: Package[] = [];
  const packages = ReadableStream.from(chunks).pipeThrough(
    new FrameDecoderStream({ maxPackageSize }),
  );
  for await (const pkg of packages) out.push(pkg);
  return out;
}

/** Copies each chunk into its own buffer, as socket reads deliver them. */
function owned(chunks: Uint8Array[]): Uint8Array[] {
  return chunks.map((chunk) => chunk.slice());
}

/** Writes chunks one at a time, reading what comes out, with `bufferedBytes` after each write. */
async function feed(
  stage: FrameDecoderStream,
  chunks: Iterable<Uint8Array>,
): Promise<{ packages: Package[]; buffered: number[] }> {
  const packages: Package[] = [];
  const reading = (async () => {
    for await (const pkg of stage.readable) packages.push(pkg);
  })();
  const writer = stage.writable.getWriter();
  const buffered: number[] = [];
  for (const chunk of chunks) {
    await writer.write(chunk);
    buffered.push(stage.bufferedBytes);
  }
  await writer.close();
  await reading;
  return { packages, buffered };
}

function prefix(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, length, true);
  return bytes;
}

function normalise(pkg: Package) {
  return {
    command: pkg.command,
    correlationId: pkg.correlationId,
    credentials: pkg.credentials,
    payload: [...pkg.payload],
  };
}

async function rejectsWith(chunks: Uint8Array[], kind: ProtocolError["kind"], max?: number) {
  await assert.rejects(
    decode(chunks, max),
    (e: unknown) => e instanceof ProtocolError && e.kind === kind,
  );
}

// Chunks as views of one buffer exercise the compaction of small pieces; chunks that own their
// buffers exercise the pieces held as views.
for (
  const [how, cut] of [["views of one buffer", (c: Uint8Array[]) => c], [
    "own buffers",
    owned,
  ]] as const
) {
  Deno.test(`FrameDecoderStream decodes the same packages at every split point (${how})`, async () => {
    const packages = samplePackages();
    const bytes = concat(packages.map((p) => encodePackage(p)));
    const expected = packages.map(normalise);
    for (let split = 0; split <= bytes.length; split++) {
      const decoded = await decode(cut([bytes.subarray(0, split), bytes.subarray(split)]));
      assert.deepEqual(decoded.map(normalise), expected, `split at ${split}`);
    }
  });

  Deno.test(`FrameDecoderStream decodes the same packages at every pair of split points (${how})`, async () => {
    const packages = samplePackages().slice(0, 2);
    const bytes = concat(packages.map((p) => encodePackage(p)));
    const expected = packages.map(normalise);
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const chunks = cut([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]);
        assert.deepEqual((await decode(chunks)).map(normalise), expected, `splits ${a}, ${b}`);
      }
    }
  });
}

Deno.test("FrameDecoderStream decodes a stream fed one byte at a time", async () => {
  const packages = samplePackages();
  const bytes = concat(packages.map((p) => encodePackage(p)));
  const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
  assert.deepEqual((await decode(chunks)).map(normalise), packages.map(normalise));
});

Deno.test("every package is an exact-size copy that pins neither its chunk nor other packages", async () => {
  const packages = samplePackages();
  const encoded = packages.map((p) => encodePackage(p));
  const bytes = concat(encoded);
  for (let split = 0; split <= bytes.length; split++) {
    // Each chunk sits in a 64 KiB buffer, like a socket read.
    const chunks = [bytes.subarray(0, split), bytes.subarray(split)].map((part) => {
      const buffer = new Uint8Array(65536);
      buffer.set(part);
      return buffer.subarray(0, part.length);
    });
    const decoded = await decode(chunks);
    decoded.forEach((pkg, i) => {
      assert.equal(pkg.payload.buffer.byteLength, encoded[i].length - 4, `split ${split}, #${i}`);
    });
  }
});

Deno.test("a package alone in its chunk's buffer is not copied again", async () => {
  const bytes = encodePackage(samplePackages()[2]);
  const [pkg] = await decode([bytes]);
  assert.equal(pkg.payload.buffer, bytes.buffer);
});

Deno.test("packages the consumer does not retain are views into their chunk", async () => {
  const bytes = concat(samplePackages().map((p) => encodePackage(p)));
  const stage = new FrameDecoderStream({ retains: (command) => command === 0x82 });
  const { packages } = await feed(stage, [bytes]);
  for (const pkg of packages) {
    assert.equal(
      pkg.payload.buffer === bytes.buffer,
      pkg.command !== 0x82,
      `0x${pkg.command.toString(16)}`,
    );
  }
});

Deno.test("a prefix claiming the maximum followed by a trickle buffers only what arrived", async () => {
  const stage = new FrameDecoderStream();
  // 3 bytes per read, each read in its own 64 KiB buffer as a socket delivers them.
  const trickle = Array.from({ length: 2000 }, (_, i) => {
    const buffer = new Uint8Array(65536);
    buffer.fill(i & 0xff, 0, 3);
    return buffer.subarray(0, 3);
  });
  const header = encodePackage({
    command: 0x82,
    correlationId: crypto.randomUUID(),
    payload: new Uint8Array(0),
  });
  const first = concat([prefix(DEFAULT_MAX_PACKAGE_SIZE), header.subarray(4)]);
  const writer = stage.writable.getWriter();
  const reading = stage.readable.getReader().read().catch(() => undefined);
  await writer.write(first);
  let arrived = HEADER_SIZE;
  let most = 0;
  for (const chunk of trickle) {
    await writer.write(chunk);
    arrived += chunk.length;
    most = Math.max(most, stage.bufferedBytes);
    assert.ok(
      stage.bufferedBytes <= 2 * arrived + 256,
      `${stage.bufferedBytes} bytes held for ${arrived}`,
    );
  }
  assert.ok(most >= arrived, `the ${arrived} bytes are held (${most})`);
  assert.ok(most < 64 * 1024, `no socket chunk is pinned (${most})`);
  await assert.rejects(
    writer.close(),
    (e: unknown) => e instanceof ProtocolError && e.kind === "truncated-frame",
  );
  await reading;
});

Deno.test("a large package in socket-sized chunks is held as what arrived until half of it is there", async () => {
  const payload = new Uint8Array(1 << 20).fill(9);
  const bytes = encodePackage({ command: 0x82, correlationId: crypto.randomUUID(), payload });
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 65536) chunks.push(bytes.slice(at, at + 65536));
  const { packages, buffered } = await feed(new FrameDecoderStream(), chunks);
  let arrived = 0;
  buffered.slice(0, -1).forEach((held, i) => {
    arrived += chunks[i].length;
    assert.ok(
      held <= Math.max(2 * arrived, bytes.length - 4),
      `after chunk ${i}: ${held} for ${arrived}`,
    );
    if (2 * arrived < bytes.length - 4) assert.ok(held <= arrived, `after chunk ${i}: ${held}`);
  });
  assert.equal(buffered.at(-1), 0, "nothing is held once the package is out");
  assert.equal(packages[0].payload.length, payload.length);
  assert.equal(packages[0].payload.buffer.byteLength, bytes.length - 4);
  assert.ok(packages[0].payload.every((b) => b === 9));
});

Deno.test("onBytes sees every chunk's size", async () => {
  const bytes = concat(samplePackages().map((p) => encodePackage(p)));
  const sizes: number[] = [];
  const stage = new FrameDecoderStream({ onBytes: (n) => sizes.push(n) });
  await feed(stage, [bytes.subarray(0, 7), bytes.subarray(7, 100), bytes.subarray(100)]);
  assert.deepEqual(sizes, [7, 93, bytes.length - 100]);
});

Deno.test("FrameDecoderStream accepts a package of exactly the maximum size", async () => {
  const payload = new Uint8Array(DEFAULT_MAX_PACKAGE_SIZE - HEADER_SIZE);
  payload[0] = 7;
  payload[payload.length - 1] = 9;
  const bytes = encodePackage({ command: 0x82, correlationId: crypto.randomUUID(), payload });
  // Deliver it as a socket would: in 64 KiB chunks.
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
  const [pkg] = await decode(chunks);
  assert.equal(pkg.payload.length, payload.length);
  assert.equal(pkg.payload[0], 7);
  assert.equal(pkg.payload[payload.length - 1], 9);
});

Deno.test("FrameDecoderStream rejects a length prefix over the maximum before buffering", async () => {
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setInt32(0, 1001, true);
  // Only the prefix arrives: the error must not wait for the 1001 bytes.
  await rejectsWith([prefix], "frame-too-large", 1000);
  new DataView(prefix.buffer).setInt32(0, DEFAULT_MAX_PACKAGE_SIZE + 1, true);
  await rejectsWith([prefix], "frame-too-large");
});

Deno.test("FrameDecoderStream rejects length prefixes below the header size, zero and negative", async () => {
  for (const length of [HEADER_SIZE - 1, 0, -1, -2147483648]) {
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setInt32(0, length, true);
    await rejectsWith([prefix, new Uint8Array(40)], "frame-too-small");
  }
});

Deno.test("FrameDecoderStream rejects a package whose auth block does not fit", async () => {
  const bytes = encodePackage({
    command: 0xb0,
    correlationId: crypto.randomUUID(),
    payload: new Uint8Array(0),
  });
  bytes[5] = 0x01; // Authenticated flag without an auth block
  const withLogin = concat([bytes, new Uint8Array([9, 0x61])]);
  new DataView(withLogin.buffer).setInt32(0, withLogin.length - 4, true);
  await rejectsWith([bytes], "bad-auth-block");
  await rejectsWith([withLogin], "bad-auth-block");
});

Deno.test("FrameDecoderStream errors when the stream ends in the middle of a package", async () => {
  const bytes = encodePackage({
    command: 0x01,
    correlationId: crypto.randomUUID(),
    payload: new Uint8Array(10),
  });
  for (const cut of [1, 3, 4, 5, bytes.length - 1]) {
    await rejectsWith([bytes.subarray(0, cut)], "truncated-frame");
  }
});

Deno.test("encodePackage and FrameDecoderStream are inverses", async () => {
  const packages = samplePackages();
  const decoded: Package[] = [];
  const stream = ReadableStream.from(packages.map((pkg) => encodePackage(pkg)))
    .pipeThrough(new FrameDecoderStream());
  for await (const pkg of stream) decoded.push(pkg);
  assert.deepEqual(decoded.map(normalise), packages.map(normalise));
});
