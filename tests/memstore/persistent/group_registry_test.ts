import assert from "node:assert/strict";
import { GroupRegistry } from "../../../lib/memstore/persistent/group_registry.ts";
import { DEFAULT_GROUP_SETTINGS } from "../../../lib/memstore/persistent/group_settings.ts";
import { bytesToGuid } from "../../../lib/wire/guid.ts";
import { FakeGroupStorage } from "./fake_group_storage.ts";
import { ManualClock } from "../../support/manual_clock.ts";

function setup() {
  const storage = new FakeGroupStorage();
  const clock = new ManualClock();
  const registry = new GroupRegistry({
    storage,
    clock,
    now: () => new Date("2026-01-02T00:00:00.000Z"),
  });
  return { storage, clock, registry };
}

const settings = { ...DEFAULT_GROUP_SETTINGS, startFrom: 0n };

function sink() {
  const log = { delivered: 0, dropped: 0 };
  return {
    log,
    sink: { deliver: () => void log.delivered++, dropped: () => void log.dropped++ },
  };
}

Deno.test("create runs the group and writes the whole definition list to the config stream", () => {
  const { registry, storage } = setup();
  assert.deepEqual(registry.create("s", "g", settings, "admin"), { result: "success" });
  assert.deepEqual(registry.create("t", "h", settings, "ops"), { result: "success" });
  assert.equal(registry.get("s", "g")?.subscriptionId, "s::g");
  assert.equal(registry.bySubscriptionId("t::h")?.groupName, "h");
  const configs = storage.appends.filter((a) => a.streamId === "$persistentSubscriptionConfig");
  assert.equal(configs.length, 2);
  assert.equal(configs[1].event.eventType, "$PersistentConfig");
  const last = JSON.parse(new TextDecoder().decode(configs[1].event.data));
  assert.equal(last.version, "2");
  assert.equal(last.updatedBy, "ops");
  assert.deepEqual(last.entries.map((e: { stream: string }) => e.stream), ["s", "t"]);
  assert.deepEqual(
    Object.keys(last.entries[0]).sort(),
    [
      "checkPointAfter",
      "createdBy",
      "createdDate",
      "extraStatistics",
      "group",
      "historyBufferSize",
      "liveBufferSize",
      "maxCheckPointCount",
      "maxRetryCount",
      "maxSubscriberCount",
      "messageTimeout",
      "minCheckPointCount",
      "namedConsumerStrategy",
      "preferRoundRobin",
      "readBatchSize",
      "resolveLinkTos",
      "startFrom",
      "stream",
    ],
  );
  registry.close();
});

Deno.test("the same group name on another stream is a different group", () => {
  const { registry } = setup();
  registry.create("s", "g", settings, "admin");
  assert.deepEqual(registry.create("s2", "g", settings, "admin"), { result: "success" });
  assert.equal(registry.create("s", "g", settings, "admin").result, "already-exists");
  registry.close();
});

Deno.test("update replaces the running group, drops its clients and keeps the checkpoint", () => {
  const { registry, storage } = setup();
  storage.writeMany("s", 3);
  registry.create("s", "g", { ...settings, checkpointMaxCount: 1 }, "admin");
  const old = registry.get("s", "g")!;
  const { log, sink: s } = sink();
  old.addClient({ connectionId: "c", correlationId: "x", maxInFlight: 10, sink: s });
  assert.equal(log.delivered, 3);
  const ids = storage.streams.get("s")!.slice(0, 2).map((r) => r.eventId);
  old.acknowledge("c/x", ids.map((b) => bytesToGuid(b)));
  assert.equal(
    registry.update("s", "g", { ...settings, maxRetryCount: 1 }, "admin").result,
    "success",
  );
  assert.equal(log.dropped, 1);
  assert.equal(old.closed, true);
  const fresh = registry.get("s", "g")!;
  assert.notEqual(fresh, old);
  assert.equal(fresh.settings.maxRetryCount, 1);
  assert.equal(fresh.nextEventNumber, 3n, "resumed after checkpoint 1: event 2 re-read");
  assert.equal(fresh.bufferedCount, 1);
  registry.close();
});

Deno.test("update of a missing group is DoesNotExist; invalid settings are Fail", () => {
  const { registry } = setup();
  assert.deepEqual(registry.update("s", "g", settings, "admin"), {
    result: "does-not-exist",
    reason: "Group 'g' does not exist.",
  });
  registry.create("s", "g", settings, "admin");
  assert.deepEqual(registry.update("s", "g", { ...settings, namedConsumerStrategy: "Nope" }, "a"), {
    result: "fail",
    reason: "Consumer strategy Nope does not exist.",
  });
  assert.equal(registry.update("$all", "g", settings, "admin").result, "fail");
  registry.close();
});

Deno.test("delete drops clients, deletes checkpoint and parked streams, then DoesNotExist", () => {
  const { registry, storage } = setup();
  registry.create("s", "g", settings, "admin");
  const { log, sink: s } = sink();
  registry.get("s", "g")!.addClient({
    connectionId: "c",
    correlationId: "x",
    maxInFlight: 1,
    sink: s,
  });
  assert.deepEqual(registry.delete("s", "g", "admin"), { result: "success" });
  assert.equal(log.dropped, 1);
  assert.equal(registry.get("s", "g"), undefined);
  assert.deepEqual(storage.deleted, [
    "$persistentsubscription-s::g-checkpoint",
    "$persistentsubscription-s::g-parked",
  ]);
  assert.equal(registry.delete("s", "g", "admin").result, "does-not-exist");
  registry.close();
});

Deno.test("notifyAppended and connectionClosed reach only the groups concerned", () => {
  const { registry, storage } = setup();
  registry.create("s", "g", settings, "admin");
  registry.create("t", "g", settings, "admin");
  const s1 = sink();
  const t1 = sink();
  registry.get("s", "g")!.addClient({
    connectionId: "1",
    correlationId: "a",
    maxInFlight: 9,
    sink: s1.sink,
  });
  registry.get("t", "g")!.addClient({
    connectionId: "2",
    correlationId: "b",
    maxInFlight: 9,
    sink: t1.sink,
  });
  storage.writeMany("s", 2);
  registry.notifyAppended("s");
  assert.deepEqual([s1.log.delivered, t1.log.delivered], [2, 0]);
  registry.connectionClosed("1");
  assert.deepEqual([registry.get("s", "g")!.clientCount, registry.get("t", "g")!.clientCount], [
    0,
    1,
  ]);
  assert.equal(s1.log.dropped, 0);
  registry.close();
});
