import assert from "node:assert/strict";
import { newEvent } from "../../lib/client/new_event.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test({
  name: "newEvent() serialises plain values as JSON and marks them as JSON",
  permissions: "none",
  fn() {
    const event = newEvent("player_created", { body: { name: "Gil" }, metadata: { by: "me" } });
    assert.equal(event.isJson, true);
    assert.equal(text(event.data), '{"name":"Gil"}');
    assert.equal(text(event.metadata), '{"by":"me"}');
    assert.match(event.id, /^[0-9a-f-]{36}$/);
    assert.equal(newEvent("t", { data: '"x"' }).isJson, true);
    assert.notEqual(newEvent("t").id, newEvent("t").id);
  },
});

Deno.test({
  name: "newEvent() sends Uint8Array bodies as binary, unchanged",
  permissions: "none",
  fn() {
    const body = new Uint8Array([0, 1, 255]);
    const event = newEvent("bin", { data: body });
    assert.equal(event.isJson, false);
    assert.equal(event.data, body);
  },
});

Deno.test({
  name: "newEvent() rejects bad input before anything is sent",
  permissions: "none",
  fn() {
    assert.throws(() => newEvent(""), TypeError);
    assert.throws(() => newEvent("t", { body: { n: 1n } }), /Cannot serialise the body of "t"/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.throws(() => newEvent("t", { body: circular }), TypeError);
    assert.throws(() => newEvent("t", { body: () => 1 }), TypeError);
    assert.throws(() => newEvent("t", { body: 1, data: 2 }), /not both/);
    assert.throws(() => newEvent("t", { id: "nope" }), /Invalid event id/);
    assert.throws(() => newEvent("t", { id: "00000000-0000-0000-0000-000000000000" }), TypeError);
    assert.throws(() => newEvent("t", { bdy: 1 } as never), /Unknown newEvent option "bdy"/);
  },
});
