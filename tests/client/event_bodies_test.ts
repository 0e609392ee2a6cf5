/** Every body type: what is sent, what is refused before anything is sent, typed events. */
import assert from "node:assert/strict";
import { newEvent, serializeBody } from "../../lib/client/new_event.ts";
import { admin, openStore } from "./subscriptions/support/store.ts";

const unit = { permissions: "none" } as const;
const bytes = (event: { data: Uint8Array }) => [...event.data];

Deno.test("a string body is JSON text sent as is, not encoded a second time", async () => {
  await using env = await openStore({ credentials: admin });
  await env.client.publishEvent("bodies-1", "text", { body: JSON.stringify({ n: 1 }) });
  const [record] = await env.client.get("bodies-1");
  assert.deepEqual(record.event?.json(), { n: 1 });
  assert.equal(record.event?.isJson, true);
});

Deno.test("a string body that is not JSON is a TypeError before anything is sent", unit, () => {
  assert.throws(() => newEvent("t", { body: "not json" }), /must parse as JSON/);
});

Deno.test("Uint8Array, ArrayBuffer and other typed arrays are binary, sent as is", unit, () => {
  const u8 = newEvent("t", { body: new Uint8Array([1, 2]) });
  const buffer = newEvent("t", { body: new Uint8Array([3, 4]).buffer });
  const u16 = newEvent("t", { body: new Uint16Array([0x0605]) });
  const view = newEvent("t", { body: new DataView(new Uint8Array([7, 8, 9]).buffer, 1, 2) });
  assert.deepEqual([u8, buffer, u16, view].map((e) => e.isJson), [false, false, false, false]);
  assert.deepEqual(bytes(u8), [1, 2]);
  assert.deepEqual(bytes(buffer), [3, 4]);
  assert.deepEqual(bytes(u16), [5, 6]);
  assert.deepEqual(bytes(view), [8, 9]);
});

Deno.test(
  "Map, Set, BigInt, functions, cycles and NaN are TypeErrors naming the type and where",
  unit,
  () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cases: [unknown, RegExp][] = [
      [new Map([["a", 1]]), /a Map at the top/],
      [{ tags: new Set(["x"]) }, /a Set at the top\.tags/],
      [{ n: 1n }, /a BigInt at the top\.n/],
      [{ f: () => 1 }, /a function at the top\.f/],
      [cycle, /a cycle at the top\.self/],
      [[1, NaN], /the number NaN at the top\[1\]/],
      // The path of a problem deep down, after siblings that were fine.
      [
        { a: [1, "x", { b: [true, null] }], z: { w: [{ v: new Map() }] } },
        /a Map at the top\.z\.w\[0\]\.v$/,
      ],
      [[[1, [2, [Infinity]]]], /the number Infinity at the top\[0\]\[1\]\[1\]\[0\]$/],
      [
        { list: [{ ok: 1 }, { bin: new Uint8Array(1) }] },
        /binary data at the top\.list\[1\]\.bin /,
      ],
    ];
    for (const [body, message] of cases) {
      assert.throws(
        () => newEvent("t", { body }),
        (e: Error) => e instanceof TypeError && message.test(e.message),
      );
    }
    // Shared (not cyclic) references and toJSON() are fine.
    const shared = { a: 1 };
    assert.equal(newEvent("t", { body: { x: shared, y: shared, at: new Date(0) } }).isJson, true);
    const row = [1, 2];
    assert.equal(newEvent("t", { body: { rows: [row, row], deep: [[row]] } }).isJson, true);
    // Inherited properties are not serialised, so they are not checked either.
    const child = Object.create({ inherited: new Map() });
    child.own = 1;
    assert.deepEqual(
      JSON.parse(new TextDecoder().decode(newEvent("t", { body: child }).data)),
      { own: 1 },
    );
  },
);

Deno.test("a refused body fails publishEvent() before anything is written", async () => {
  await using env = await openStore({ credentials: admin });
  await assert.rejects(
    env.client.publishEvent("bodies-2", "bad", { body: new Map() }),
    TypeError,
  );
  const metadata = await env.client.getStreamMetadata("bodies-2");
  assert.equal(metadata.metastreamVersion, -1n);
  await assert.rejects(env.client.get("bodies-2"), { name: "StreamNotFoundError" });
});

interface PlayerCreated {
  readonly name: string;
}

Deno.test("publishEvent<T>, newEvent<T> and json<T>() type the body", async () => {
  await using env = await openStore({ credentials: admin });
  const body: PlayerCreated = { name: "Gil" };
  await env.client.publishEvent<PlayerCreated>("adventure", "player_created", { body });
  await env.client.publish("adventure", [newEvent<PlayerCreated>("player_created", { body })]);
  const _typeCheckOnly = () => {
    // @ts-expect-error: the body must be a PlayerCreated
    newEvent<PlayerCreated>("player_created", { body: { nom: 1 } });
    // @ts-expect-error: the body must be a PlayerCreated
    env.client.publishEvent<PlayerCreated>("adventure", "player_created", { body: { nom: 1 } });
  };
  const [first] = await env.client.get("adventure");
  const player = first.event!.json<PlayerCreated>();
  assert.equal(player.name, "Gil");
});

Deno.test("JSON bodies are the UTF-8 of their JSON text, ASCII or not, short or long", unit, () => {
  const utf8 = new TextEncoder();
  const bodies: unknown[] = [
    { a: 1 },
    { name: "Gil", tags: ["x", "y"] },
    { text: "café 日本 😀", lone: "\ud800" },
    { long: "a".repeat(5000) },
    { longUnicode: "é".repeat(3000) },
    { edge: "x".repeat(1010) }, // around the hand-copied limit
    { edgeLate: "x".repeat(1000) + "é" },
    "plain text is JSON too".length,
  ];
  for (const body of bodies) {
    assert.deepEqual(serializeBody(body, "body").bytes, utf8.encode(JSON.stringify(body)));
  }
  for (const text of ['"ascii"', '"ü"', `"${"y".repeat(2000)}"`]) {
    assert.deepEqual(serializeBody(text, "body").bytes, utf8.encode(text));
  }
});
