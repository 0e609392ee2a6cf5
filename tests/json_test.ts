import assert from "node:assert/strict";
import { positionJson, recordedEventJson, withBigIntsAsStrings } from "../lib/json.ts";

const utf8 = new TextEncoder();

Deno.test(
  "positionJson() keeps every digit of positions beyond 2^53",
  { permissions: "none" },
  () => {
    assert.deepEqual(positionJson({ commit: 9223372036854775807n, prepare: -1n }), {
      commit: "9223372036854775807",
      prepare: "-1",
    });
  },
);

Deno.test("recordedEventJson() parses a JSON body and metadata and turns the rest into strings", {
  permissions: "none",
}, () => {
  const json = recordedEventJson({
    stream: "adventure",
    id: "00112233-4455-6677-8899-aabbccddeeff",
    eventNumber: 9223372036854775807n,
    type: "player_created",
    data: utf8.encode('{"name":"Gil"}'),
    metadata: utf8.encode('{"$correlationId":"c"}'),
    isJson: true,
    created: new Date(Date.UTC(2026, 11, 1)),
  });
  assert.deepEqual(json, {
    stream: "adventure",
    id: "00112233-4455-6677-8899-aabbccddeeff",
    eventNumber: "9223372036854775807",
    type: "player_created",
    isJson: true,
    data: { name: "Gil" },
    metadata: { $correlationId: "c" },
    created: "2026-12-01T00:00:00.000Z",
  });
  assert.equal(typeof JSON.stringify(json), "string");
});

Deno.test(
  "recordedEventJson() gives binary bodies and metadata as base64 and omits empty metadata",
  {
    permissions: "none",
  },
  () => {
    const json = recordedEventJson({
      stream: "s",
      id: "00112233-4455-6677-8899-aabbccddeeff",
      eventNumber: 0n,
      type: "blob",
      data: new Uint8Array([0, 255, 1]),
      metadata: new Uint8Array([0xff]),
      isJson: false,
      created: new Date(0),
    });
    assert.equal(json.data, "AP8B");
    assert.equal(json.metadata, "/w==");
    const bare = recordedEventJson({
      stream: "s",
      id: "00112233-4455-6677-8899-aabbccddeeff",
      eventNumber: 1n,
      type: "empty",
      data: new Uint8Array(0),
      metadata: new Uint8Array(0),
      isJson: false,
      created: new Date(0),
    });
    assert.equal(bare.data, "");
    assert.ok(!("metadata" in bare));
  },
);

Deno.test("a body flagged JSON that does not parse is given as base64 instead of throwing", {
  permissions: "none",
}, () => {
  const json = recordedEventJson({
    stream: "s",
    id: "00112233-4455-6677-8899-aabbccddeeff",
    eventNumber: 0n,
    type: "t",
    data: utf8.encode("{not json"),
    metadata: new Uint8Array(0),
    isJson: true,
    created: new Date(0),
  });
  assert.equal(json.data, btoa("{not json"));
});

Deno.test("withBigIntsAsStrings() converts bigints in nested plain objects and arrays only", {
  permissions: "none",
}, () => {
  class Opaque {
    toJSON(): string {
      return "opaque";
    }
  }
  const value = withBigIntsAsStrings({ a: 1n, b: [2n, { c: 3n }], d: "x", e: new Opaque() });
  assert.equal(JSON.stringify(value), '{"a":"1","b":["2",{"c":"3"}],"d":"x","e":"opaque"}');
});

Deno.test("results from a memstore serialise with JSON.stringify: writes, deletes, events, slices", async () => {
  const { connect, newEvent } = await import("../mod.ts");
  const { startMemoryStore } = await import("../lib/memstore/mod.ts");
  await using store = await startMemoryStore({ port: 0 });
  await using conn = await connect(store.url);
  const written = await conn.publish("adventure", [
    newEvent("player_created", { body: { name: "Gil" }, metadata: { by: "test" } }),
  ]);
  const parsed = JSON.parse(JSON.stringify(written));
  assert.equal(parsed.firstEventNumber, "0");
  assert.equal(parsed.lastEventNumber, "0");
  assert.match(parsed.position.commit, /^\d+$/);
  assert.deepEqual(Object.keys(written), ["firstEventNumber", "lastEventNumber", "position"]);

  const [event] = JSON.parse(JSON.stringify(await conn.get("adventure")));
  assert.equal(event.event.eventNumber, "0");
  assert.deepEqual(event.event.data, { name: "Gil" });
  assert.deepEqual(event.event.metadata, { by: "test" });
  assert.equal(event.retryCount, 0);

  const one = JSON.parse(JSON.stringify(await conn.getEvent("adventure", 0)));
  assert.equal(one.event.type, "player_created");

  const deleted = JSON.parse(JSON.stringify(await conn.deleteStream("adventure")));
  assert.match(deleted.position.prepare, /^\d+$/);
});
