import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { EventRecordSchema } from "../../../gen/client_messages_pb.ts";
import {
  correlationIdOf,
  messageId,
  originalEventNumber,
  parkedLinkData,
  parseLinkData,
  sourceStreamId,
} from "../../../lib/memstore/persistent/group_event.ts";
import { guidToBytes } from "../../../lib/wire/guid.ts";

const utf8 = new TextEncoder();
const TARGET_ID = "11111111-2222-4333-8444-555555555555";
const LINK_ID = "66666666-7777-4888-8999-aaaaaaaaaaaa";
const target = create(EventRecordSchema, {
  eventStreamId: "orders-1",
  eventNumber: 4n,
  eventId: guidToBytes(TARGET_ID),
  eventType: "Placed",
  metadata: utf8.encode('{"$correlationId":"c-1"}'),
});
const link = create(EventRecordSchema, {
  eventStreamId: "$ce-orders",
  eventNumber: 9n,
  eventId: guidToBytes(LINK_ID),
  eventType: "$>",
  data: utf8.encode("4@orders-1"),
});

Deno.test("a resolved link: the message id and number are the link's, the source is the target's", () => {
  const entry = { event: target, link };
  assert.equal(messageId(entry), LINK_ID);
  assert.equal(originalEventNumber(entry), 9n);
  assert.equal(sourceStreamId(entry), "orders-1");
  assert.equal(parkedLinkData(entry), "4@orders-1");
  assert.equal(correlationIdOf(entry), "c-1");
});

Deno.test("an unresolved link: source from its data; parking writes the link's own data", () => {
  assert.equal(sourceStreamId({ event: link }), "orders-1");
  assert.equal(parkedLinkData({ link }), "4@orders-1");
  assert.equal(parkedLinkData({ event: link }), "9@$ce-orders");
  assert.equal(messageId({ link }), LINK_ID);
});

Deno.test("a plain event is its own source; no correlation id without JSON metadata", () => {
  const plain = { event: create(EventRecordSchema, { eventStreamId: "s", eventNumber: 1n }) };
  assert.equal(sourceStreamId(plain), "s");
  assert.equal(correlationIdOf(plain), undefined);
  assert.equal(parkedLinkData(plain), "1@s");
});

Deno.test("parseLinkData accepts N@stream only", () => {
  assert.deepEqual(parseLinkData(utf8.encode("12@a@b")), { eventNumber: 12n, streamId: "a@b" });
  assert.equal(parseLinkData(utf8.encode("x@a")), undefined);
  assert.equal(parseLinkData(utf8.encode("12")), undefined);
});

Deno.test("an entry with neither event nor link is a TypeError", () => {
  assert.throws(() => messageId({}), TypeError);
});
