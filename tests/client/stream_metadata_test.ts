import assert from "node:assert/strict";
import { parseStreamMetadata, serializeStreamMetadata } from "../../lib/client/stream_metadata.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

Deno.test({
  name: "serializeStreamMetadata() writes the server's $ keys, ACL role arrays and custom keys",
  permissions: "none",
  fn() {
    const json = serializeStreamMetadata({
      maxCount: 10,
      maxAge: 60,
      truncateBefore: 9223372036854775807n,
      cacheControl: 5,
      acl: { readRoles: ["$all"], metaWriteRoles: ["$admins"] },
      custom: { owner: "gil" },
    });
    assert.equal(
      text(json),
      '{"$maxCount":10,"$maxAge":60,"$tb":9223372036854775807,"$cacheControl":5,' +
        '"$acl":{"$r":["$all"],"$mw":["$admins"]},"owner":"gil"}',
    );
  },
});

Deno.test({
  name: "parseStreamMetadata() keeps 64-bit integers exact and accepts single-role ACL strings",
  permissions: "none",
  fn() {
    const metadata = parseStreamMetadata(
      bytes(
        '{"$tb":9223372036854775807,"$maxCount":3,"$acl":{"$r":"$all","$w":["a","b"]},"big":9007199254740993,"n":1.5}',
      ),
    );
    assert.deepEqual(metadata, {
      truncateBefore: 9223372036854775807n,
      maxCount: 3n,
      acl: { readRoles: ["$all"], writeRoles: ["a", "b"] },
      custom: { big: 9007199254740993n, n: 1.5 },
    });
  },
});

Deno.test({
  name:
    "parseStreamMetadata() reads anything but a JSON object as empty metadata, as the server does",
  permissions: "none",
  fn() {
    assert.deepEqual(parseStreamMetadata(bytes("not json")), {});
    assert.deepEqual(parseStreamMetadata(bytes("[1]")), {});
    assert.deepEqual(parseStreamMetadata(new Uint8Array(0)), {});
  },
});

Deno.test({
  name: "serializeStreamMetadata() rejects unknown fields, reserved custom keys and bad ACLs",
  permissions: "none",
  fn() {
    assert.throws(
      () => serializeStreamMetadata({ maxcount: 1 } as never),
      /Unknown stream metadata field "maxcount"/,
    );
    assert.throws(() => serializeStreamMetadata({ custom: { $tb: 1 } }), /reserved/);
    assert.throws(
      () => serializeStreamMetadata({ acl: { readRoles: "$all" as never } }),
      TypeError,
    );
    assert.throws(() => serializeStreamMetadata({ maxCount: 1.5 }), RangeError);
  },
});
