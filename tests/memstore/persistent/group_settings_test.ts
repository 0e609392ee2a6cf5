import assert from "node:assert/strict";
import {
  DEFAULT_GROUP_SETTINGS,
  resolveStrategyName,
  settingsFromMessage,
  validateGroupRequest,
} from "../../../lib/memstore/persistent/group_settings.ts";

Deno.test("DEFAULT_GROUP_SETTINGS are the .NET client's PersistentSubscriptionSettings.Create()", () => {
  assert.deepEqual({ ...DEFAULT_GROUP_SETTINGS }, {
    resolveLinkTos: false,
    startFrom: -1n,
    messageTimeoutMs: 30_000,
    recordStatistics: false,
    liveBufferSize: 500,
    readBatchSize: 20,
    bufferSize: 500,
    maxRetryCount: 10,
    preferRoundRobin: true,
    checkpointAfterMs: 2_000,
    checkpointMinCount: 10,
    checkpointMaxCount: 1_000,
    subscriberMaxCount: 0,
    namedConsumerStrategy: "RoundRobin",
  });
});

Deno.test("settingsFromMessage maps every protocol field; an absent strategy reads as empty", () => {
  const s = settingsFromMessage({
    resolveLinkTos: true,
    startFrom: 7n,
    messageTimeoutMilliseconds: 1,
    recordStatistics: true,
    liveBufferSize: 2,
    readBatchSize: 3,
    bufferSize: 4,
    maxRetryCount: 5,
    preferRoundRobin: false,
    checkpointAfterTime: 6,
    checkpointMaxCount: 8,
    checkpointMinCount: 9,
    subscriberMaxCount: 10,
  });
  assert.deepEqual(s, {
    resolveLinkTos: true,
    startFrom: 7n,
    messageTimeoutMs: 1,
    recordStatistics: true,
    liveBufferSize: 2,
    readBatchSize: 3,
    bufferSize: 4,
    maxRetryCount: 5,
    preferRoundRobin: false,
    checkpointAfterMs: 6,
    checkpointMaxCount: 8,
    checkpointMinCount: 9,
    subscriberMaxCount: 10,
    namedConsumerStrategy: "",
  });
});

Deno.test("resolveStrategyName: named wins; empty follows prefer_round_robin; unknown is undefined", () => {
  const s = DEFAULT_GROUP_SETTINGS;
  assert.equal(resolveStrategyName({ ...s, namedConsumerStrategy: "Pinned" }), "Pinned");
  assert.equal(
    resolveStrategyName({
      ...s,
      namedConsumerStrategy: "DispatchToSingle",
      preferRoundRobin: true,
    }),
    "DispatchToSingle",
  );
  assert.equal(resolveStrategyName({ ...s, namedConsumerStrategy: "" }), "RoundRobin");
  assert.equal(
    resolveStrategyName({ ...s, namedConsumerStrategy: "", preferRoundRobin: false }),
    "DispatchToSingle",
  );
  assert.equal(
    resolveStrategyName({ ...s, namedConsumerStrategy: "PinnedByCorrelation" }),
    "PinnedByCorrelation",
  );
  assert.equal(resolveStrategyName({ ...s, namedConsumerStrategy: "roundrobin" }), undefined);
});

Deno.test("validateGroupRequest gives the server's Fail reasons in its order", () => {
  const s = DEFAULT_GROUP_SETTINGS;
  assert.equal(validateGroupRequest("s", s), undefined);
  assert.equal(validateGroupRequest("s", { ...s, startFrom: -1n }), undefined);
  assert.equal(validateGroupRequest("", { ...s, startFrom: -5n }), "Bad stream name.");
  assert.equal(
    validateGroupRequest("s", { ...s, namedConsumerStrategy: "X", startFrom: -5n }),
    "Consumer strategy X does not exist.",
  );
  assert.equal(
    validateGroupRequest("s", { ...s, startFrom: -2n }),
    "Invalid Start From position: -2",
  );
  assert.equal(
    validateGroupRequest("$all", s),
    "Persistent subscriptions to $all are only supported over gRPC through gRPC clients",
  );
});
