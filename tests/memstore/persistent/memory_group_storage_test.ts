import assert from "node:assert/strict";
import { MemoryGroupStorage } from "../../../lib/memstore/persistent/memory_group_storage.ts";
import { MemoryStorage, utf8 } from "../../../lib/memstore/storage.ts";
import { bytesToGuid } from "../../../lib/wire/guid.ts";
import { ev, evs, meta } from "../support/events.ts";

const text = new TextDecoder();

function link(data: string) {
  return { eventId: crypto.randomUUID(), eventType: "$>", isJson: false, data: utf8(data) };
}

Deno.test("readStreamForward pages with the store's numbering and end-of-stream flag", () => {
  const storage = new MemoryStorage();
  storage.append("s", -2n, evs(5));
  const groups = new MemoryGroupStorage(storage);
  const page = groups.readStreamForward("s", 1n, 2, false);
  assert.deepEqual(page.events.map((e) => e.event!.eventNumber), [1n, 2n]);
  assert.equal(page.nextEventNumber, 3n);
  assert.equal(page.isEndOfStream, false);
  const rest = groups.readStreamForward("s", 3n, 10, false);
  assert.deepEqual(rest.events.map((e) => e.event!.eventNumber), [3n, 4n]);
  assert.equal(rest.isEndOfStream, true);
});

Deno.test("links resolve to {event, link} only when asked; unresolvable ones keep only the link", () => {
  const storage = new MemoryStorage();
  const targetId = crypto.randomUUID();
  storage.append("target", -2n, [ev(targetId)]);
  storage.append("s", -2n, [link("0@target"), link("7@target")]);
  const groups = new MemoryGroupStorage(storage);
  const [resolved, missing] = groups.readStreamForward("s", 0n, 10, true).events;
  assert.equal(bytesToGuid(resolved.event!.eventId), targetId);
  assert.equal(resolved.link!.eventStreamId, "s");
  assert.equal(missing.event, undefined);
  assert.equal(text.decode(missing.link!.data), "7@target");
  const [plain] = groups.readStreamForward("s", 0n, 10, false).events;
  assert.equal(plain.event!.eventType, "$>");
  assert.equal(plain.link, undefined);
});

Deno.test("truncated events are skipped; missing and deleted streams read as empty ends", () => {
  const storage = new MemoryStorage();
  storage.append("s", -2n, evs(4));
  storage.append("$$s", -2n, [meta({ $tb: 2 })]);
  const groups = new MemoryGroupStorage(storage);
  const page = groups.readStreamForward("s", 0n, 10, false);
  assert.deepEqual(page.events.map((e) => e.event!.eventNumber), [2n, 3n]);
  assert.deepEqual(groups.readStreamForward("none", 0n, 10, false), {
    events: [],
    nextEventNumber: 0n,
    isEndOfStream: true,
  });
  storage.deleteStream("s", -2n, true);
  assert.equal(groups.readStreamForward("s", 4n, 10, false).events.length, 0);
});

Deno.test("append writes as expected-version any; readLastEvent and deleteStream round-trip", () => {
  const storage = new MemoryStorage();
  const groups = new MemoryGroupStorage(storage);
  const cp = (n: string) => ({
    eventType: "SubscriptionCheckpoint",
    data: utf8(n),
    metadata: new Uint8Array(0),
    isJson: true,
  });
  groups.append("cp", [cp("1")]);
  groups.append("cp", [cp("5")]);
  assert.equal(groups.lastEventNumber("cp"), 1n);
  assert.equal(text.decode(groups.readLastEvent("cp")!.data), "5");
  groups.deleteStream("cp");
  assert.equal(groups.readLastEvent("cp"), undefined);
  groups.deleteStream("never-written");
  assert.equal(groups.lastEventNumber("never-written"), -1n);
});
