import assert from "node:assert/strict";
import { ProtocolError } from "../../lib/errors.ts";
import { FrameDecoderStream } from "../../lib/wire/frame_decoder_stream.ts";
import {
  DEFAULT_MAX_PACKAGE_SIZE,
  encodePackage,
  HEADER_SIZE,
  type Package,
} from "../../lib/wire/package_codec.ts";
import { PackageEncoderStream } from "../../lib/wire/package_encoder_stream.ts";

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

Deno.test("FrameDecoderStream decodes the same packages at every split point of a buffer", async () => {
  const packages = samplePackages();
  const bytes = concat(packages.map((p) => encodePackage(p)));
  const expected = packages.map(normalise);
  for (let split = 0; split <= bytes.length; split++) {
    const decoded = await decode([bytes.subarray(0, split), bytes.subarray(split)]);
    assert.deepEqual(decoded.map(normalise), expected, `split at ${split}`);
  }
});

Deno.test("FrameDecoderStream decodes the same packages at every pair of split points", async () => {
  const packages = samplePackages().slice(0, 2);
  const bytes = concat(packages.map((p) => encodePackage(p)));
  const expected = packages.map(normalise);
  for (let a = 0; a <= bytes.length; a++) {
    for (let b = a; b <= bytes.length; b++) {
      const chunks = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)];
      assert.deepEqual((await decode(chunks)).map(normalise), expected, `splits ${a}, ${b}`);
    }
  }
});

Deno.test("FrameDecoderStream decodes a stream fed one byte at a time", async () => {
  const packages = samplePackages();
  const bytes = concat(packages.map((p) => encodePackage(p)));
  const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
  assert.deepEqual((await decode(chunks)).map(normalise), packages.map(normalise));
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

Deno.test("PackageEncoderStream and FrameDecoderStream are inverses", async () => {
  const packages = samplePackages();
  const decoded: Package[] = [];
  const stream = ReadableStream.from(packages)
    .pipeThrough(new PackageEncoderStream())
    .pipeThrough(new FrameDecoderStream());
  for await (const pkg of stream) decoded.push(pkg);
  assert.deepEqual(decoded.map(normalise), packages.map(normalise));
});
