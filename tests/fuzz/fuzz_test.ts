import assert from "node:assert/strict";
import { ProtocolError } from "../../lib/errors.ts";
import { hex } from "../support/hex.ts";
import { Prng, randomSeed } from "./prng.ts";
import { caseSeed, runFuzz } from "./run.ts";
import { MESSAGE_SCHEMAS, mutate, splitChunks, validMessage } from "./generators.ts";
import {
  checkDecodeMessage,
  expectProtocolError,
  FuzzFailure,
  referenceDecode,
} from "./targets.ts";
import { decodeMessage } from "../../lib/wire/proto_codec.ts";

const unit = { permissions: "none" } as const;

/** Short run for the test suite; `deno task fuzz` runs a million. */
const CASES = 20_000;

Deno.test(`wire decoders fail only with ProtocolError over ${CASES} fuzz cases`, {
  permissions: { env: ["FUZZ_SEED"] },
}, async () => {
  const fromEnv = Deno.env.get("FUZZ_SEED");
  const seed = fromEnv ? Number(fromEnv) : randomSeed();
  console.log(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed} deno task fuzz)`);
  const report = await runFuzz({ seed, cases: CASES });
  assert.equal(report.cases, CASES);
  for (const [kind, count] of Object.entries(report.counts)) {
    assert.ok(count > 0, `no "${kind}" case ran`);
  }
});

Deno.test("every message schema decodes its valid encodings and survives mutations", unit, () => {
  const prng = new Prng(2024);
  assert.ok(MESSAGE_SCHEMAS.length >= 40, `only ${MESSAGE_SCHEMAS.length} schemas found`);
  for (const schema of MESSAGE_SCHEMAS) {
    for (let i = 0; i < 100; i++) {
      const { bytes } = validMessage(prng, schema);
      const decoded = decodeMessage(schema, bytes);
      assert.equal(decoded.$typeName, schema.typeName);
      checkDecodeMessage(schema, mutate(prng, bytes));
      checkDecodeMessage(schema, prng.bytes(prng.int(0, 40)));
    }
  }
});

Deno.test("runFuzz() fails a case that never settles and names it for replay", unit, async () => {
  await assert.rejects(
    runFuzz({
      seed: 7,
      cases: 10,
      stuckMs: 20,
      runCase: (_seed, index) =>
        index === 3 ? new Promise(() => {}) : Promise.resolve("package-random"),
    }),
    /FUZZ_SEED=7 FUZZ_CASE=3: the case did not settle within 20 ms/,
  );
});

Deno.test("runFuzz() reports the first failing case with its seed and index", unit, async () => {
  await assert.rejects(
    runFuzz({
      seed: 9,
      cases: 10,
      runCase: (_seed, index) =>
        index === 5 ? Promise.reject(new Error("decoder broke")) : Promise.resolve("frames-valid"),
    }),
    /FUZZ_SEED=9 FUZZ_CASE=5: decoder broke/,
  );
});

Deno.test("Prng gives the same sequence for the same seed and differs across seeds", unit, () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const seqA = Array.from({ length: 8 }, () => a.nextUint32());
  const seqB = Array.from({ length: 8 }, () => b.nextUint32());
  const seqC = Array.from({ length: 8 }, () => c.nextUint32());
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(seqA, seqC);
  const p = new Prng(7);
  for (let i = 0; i < 1000; i++) {
    const x = p.next();
    assert.ok(x >= 0 && x < 1);
    const n = p.int(-3, 3);
    assert.ok(Number.isInteger(n) && n >= -3 && n <= 3);
  }
});

Deno.test("case seeds differ per case index, so cases are independent and replayable", unit, () => {
  const seeds = new Set(Array.from({ length: 1000 }, (_, i) => caseSeed(123, i)));
  assert.equal(seeds.size, 1000);
  assert.equal(caseSeed(123, 5), caseSeed(123, 5));
});

Deno.test(
  "expectProtocolError() lets ProtocolError through and reports anything else",
  unit,
  () => {
    const input = new Uint8Array([1, 2, 3]);
    expectProtocolError("x", new ProtocolError("bad-payload", "bad"), input);
    assert.throws(
      () => expectProtocolError("decodePackage", new TypeError("boom"), input),
      (e) =>
        e instanceof FuzzFailure && /decodePackage threw TypeError: boom.*01 02 03/.test(e.message),
    );
  },
);

Deno.test(
  "referenceDecode() decodes the docs/protocol.md §1.6 heartbeat and reports truncation",
  unit,
  () => {
    const heartbeat = hex("12 00 00 00 01 00 33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff");
    const both = new Uint8Array([...heartbeat, ...heartbeat]);
    const ok = referenceDecode(both, 1024);
    assert.equal(ok.error, undefined);
    assert.equal(ok.packages.length, 2);
    assert.equal(ok.packages[0].correlationId, "00112233-4455-6677-8899-aabbccddeeff");
    const cut = referenceDecode(both.subarray(0, both.length - 1), 1024);
    assert.equal(cut.packages.length, 1);
    assert.equal(cut.error?.kind, "truncated-frame");
    assert.equal(referenceDecode(heartbeat, 17).error?.kind, "frame-too-large");
    assert.equal(referenceDecode(hex("11 00 00 00"), 1024).error?.kind, "frame-too-small");
  },
);

Deno.test("splitChunks() preserves the bytes and mutate() changes or cuts them", unit, () => {
  const prng = new Prng(99);
  const bytes = prng.bytes(300);
  let changed = 0;
  for (let i = 0; i < 200; i++) {
    const chunks = splitChunks(prng, bytes);
    assert.deepEqual(new Uint8Array(chunks.flatMap((c) => [...c])), bytes);
    const m = mutate(prng, bytes, [0]);
    if (m.length !== bytes.length || m.some((v, j) => v !== bytes[j])) changed++;
  }
  assert.ok(changed > 150, `only ${changed} of 200 mutations changed the input`);
});
