import assert from "node:assert/strict";
import { bytesToGuid, guidToBytes, isGuid, newGuid, writeGuid } from "../../lib/wire/guid.ts";
import { hex, toHex } from "../support/hex.ts";

const RFC = "00112233-4455-6677-8899-aabbccddeeff";

Deno.test("guidToBytes() writes the .NET byte order given in docs/protocol.md §1.5", () => {
  assert.equal(toHex(guidToBytes(RFC)), "33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff");
});

Deno.test("bytesToGuid() reads the .NET byte order back to the RFC string", () => {
  assert.equal(bytesToGuid(hex("33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff")), RFC);
});

Deno.test("GUIDs round-trip through wire bytes, upper case input reads back lower case", () => {
  for (let i = 0; i < 200; i++) {
    const id = newGuid();
    assert.ok(isGuid(id));
    assert.equal(bytesToGuid(guidToBytes(id)), id);
  }
  assert.equal(bytesToGuid(guidToBytes(RFC.toUpperCase())), RFC);
});

Deno.test("bytesToGuid() reads at an offset and writeGuid() writes at one", () => {
  const buffer = new Uint8Array(20);
  writeGuid(RFC, buffer, 3);
  assert.equal(buffer[3], 0x33);
  assert.equal(bytesToGuid(buffer, 3), RFC);
});

Deno.test("guidToBytes() rejects strings that are not GUIDs with a TypeError naming them", () => {
  for (
    const bad of [
      "",
      "not-a-guid",
      "00112233445566778899aabbccddeeff",
      RFC + "0",
      RFC.replace("0", "g"),
    ]
  ) {
    assert.throws(
      () => guidToBytes(bad),
      (e: unknown) => e instanceof TypeError && e.message.includes(`"${bad}"`),
    );
  }
});

Deno.test("bytesToGuid() rejects fewer than 16 bytes with a RangeError", () => {
  assert.throws(() => bytesToGuid(new Uint8Array(15)), RangeError);
  assert.throws(() => bytesToGuid(new Uint8Array(16), 1), RangeError);
});

Deno.test("writeGuid() rejects a non-hex code unit or a misplaced dash at every position, writing nothing", () => {
  const target = new Uint8Array(16).fill(0xaa);
  for (let i = 0; i < RFC.length; i++) {
    const replacements = RFC[i] === "-" ? ["0", "a"] : ["g", "G", "-", " ", "\u0660", "\uff10"];
    for (const c of replacements) {
      const bad = RFC.slice(0, i) + c + RFC.slice(i + 1);
      assert.throws(() => writeGuid(bad, target), TypeError, `accepted ${JSON.stringify(bad)}`);
    }
  }
  assert.deepEqual(target, new Uint8Array(16).fill(0xaa));
});

Deno.test("GUIDs with every hex digit in upper and lower case round-trip", () => {
  for (const digit of "0123456789abcdefABCDEF") {
    const guid = `${digit.repeat(8)}-${digit.repeat(4)}-${digit.repeat(4)}-${digit.repeat(4)}-${
      digit.repeat(12)
    }`;
    assert.equal(bytesToGuid(guidToBytes(guid)), guid.toLowerCase());
  }
});
