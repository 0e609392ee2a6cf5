import assert from "node:assert/strict";
import {
  DELETED_STREAM,
  EMPTY_METADATA,
  encodeMetadataJson,
  parseStreamMetadata,
  parseSystemSettings,
  withTruncateBefore,
} from "../../lib/memstore/stream_metadata.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("parseStreamMetadata reads $maxCount, $maxAge, $tb and $acl", () => {
  assert.deepEqual(
    parseStreamMetadata(
      bytes('{"$maxCount":3,"$maxAge":60,"$tb":2,"$acl":{"$r":"$all","$w":["a","b"]}}'),
    ),
    { maxCount: 3n, maxAge: 60n, truncateBefore: 2n, acl: { $r: ["$all"], $w: ["a", "b"] } },
  );
});

Deno.test("parseStreamMetadata keeps long.MaxValue exact and upgrades 3.x int.MaxValue", () => {
  assert.equal(
    parseStreamMetadata(bytes('{"$tb":9223372036854775807}')).truncateBefore,
    DELETED_STREAM,
  );
  assert.equal(parseStreamMetadata(bytes('{"$tb":2147483647}')).truncateBefore, DELETED_STREAM);
});

Deno.test("parseStreamMetadata ignores invalid JSON, wrong types and non-positive limits", () => {
  assert.equal(parseStreamMetadata(bytes("not json")), EMPTY_METADATA);
  assert.equal(parseStreamMetadata(bytes("[1]")), EMPTY_METADATA);
  assert.deepEqual(
    parseStreamMetadata(bytes('{"$maxCount":0,"$maxAge":-1,"$tb":-5,"$acl":{"$r":5}}')),
    { acl: {} },
  );
  assert.deepEqual(parseStreamMetadata(bytes('{"$maxCount":"3"}')), {});
});

Deno.test("parseSystemSettings overrides only the given ACL keys", () => {
  const settings = parseSystemSettings(bytes('{"$userStreamAcl":{"$w":"$admins"}}'));
  assert.deepEqual(settings.userStreamAcl.$w, ["$admins"]);
  assert.deepEqual(settings.userStreamAcl.$r, ["$all"]);
  assert.deepEqual(settings.systemStreamAcl.$r, ["$admins"]);
});

Deno.test("withTruncateBefore replaces $tb and keeps other keys; non-JSON gives null", () => {
  const out = withTruncateBefore(bytes('{"$tb":9223372036854775807,"x":[1]}'), 7n);
  assert.equal(new TextDecoder().decode(out!), '{"$tb":7,"x":[1]}');
  assert.equal(withTruncateBefore(bytes("nope"), 7n), null);
});

Deno.test("encodeMetadataJson writes bigints as plain integers", () => {
  assert.equal(
    new TextDecoder().decode(encodeMetadataJson({ $tb: DELETED_STREAM, s: "\u0000x" })),
    '{"$tb":9223372036854775807,"s":"\\u0000x"}',
  );
});
