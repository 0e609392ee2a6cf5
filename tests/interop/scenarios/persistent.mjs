// Persistent subscriptions (competing consumers): create, connect, ack, nak retry/park, delete.
// Run: node persistent.mjs <scenario> --host H --port P
import {
  close,
  connect,
  deferred,
  error,
  es,
  jsonEvents,
  main,
  num,
  outcome,
  slice,
  step,
  streamName,
  target,
  until,
} from "./lib.mjs";

const { noStream, any } = es.expectedVersion;
const {
  PersistentSubscriptionSettings,
  PersistentSubscriptionNakEventAction: Nak,
} = es;

/** Group settings: 10 s message timeout, `maxRetryCount` retries, start at `startFrom`. */
function settings(
  maxRetryCount = 10,
  { startFrom = 0, maxSubscriberCount = 0, messageTimeout = 10000 } = {},
) {
  return new PersistentSubscriptionSettings(
    false, // resolveLinkTos
    startFrom,
    false, // extraStatistics
    messageTimeout, // ms
    maxRetryCount,
    500, // liveBufferSize
    20, // readBatchSize
    500, // historyBufferSize
    2000, // checkPointAfter (ms)
    10, // minCheckPointCount
    1000, // maxCheckPointCount
    maxSubscriberCount,
    es.SystemConsumerStrategies.RoundRobin,
  );
}

function delivery(ev) {
  return {
    number: num(ev.originalEventNumber),
    id: ev.originalEvent.eventId,
    stream: ev.originalStreamId,
  };
}

main({
  /** Create (twice), connect with auto-ack and 2 messages in flight: history and live, in order. */
  async create_connect_ack() {
    const conn = await connect();
    const stream = streamName("psub");
    const group = "group-a";
    step("write history 0..2");
    await conn.appendToStream(stream, noStream, jsonEvents(3));
    step("create the group");
    const created = await outcome(
      conn.createPersistentSubscription(stream, group, settings()),
      (r) => r.status,
    );
    step("create the group again");
    const again = await outcome(
      conn.createPersistentSubscription(stream, group, settings()),
      (r) => r.status,
    );
    const deliveries = [];
    const dropped = deferred();
    step("connect (auto-ack, buffer size 2)");
    const sub = await conn.connectToPersistentSubscription(
      stream,
      group,
      (_s, ev) => void deliveries.push(delivery(ev)),
      (_s, reason, err) => dropped.resolve({ reason, error: err ? String(err.message) : null }),
      undefined,
      2,
      true,
    );
    step("wait for the 3 history events");
    await until("3 deliveries", () => deliveries.length >= 3);
    step("write live 3..4");
    await conn.appendToStream(stream, any, jsonEvents(2, "e", 3));
    step("wait for 5 deliveries");
    await until("5 deliveries", () => deliveries.length >= 5);
    step("stop");
    sub.stop();
    const drop = await dropped.promise;
    step("delete the group");
    const deleted = await outcome(
      conn.deletePersistentSubscription(stream, group),
      (r) => r.status,
    );
    await close(conn);
    return { stream, created, again, deliveries, drop, deleted };
  },

  /** Nak retry redelivers the message; nak park moves it to the parked-messages stream. */
  async nak_retry_park() {
    const conn = await connect();
    const stream = streamName("pnak");
    const group = "group-nak";
    step("write events 0..1");
    const events = jsonEvents(2);
    await conn.appendToStream(stream, noStream, events);
    step("create the group");
    await conn.createPersistentSubscription(stream, group, settings(5));
    const deliveries = [];
    let zeroSeen = 0;
    step("connect (manual ack)");
    await conn.connectToPersistentSubscription(
      stream,
      group,
      (s, ev) => {
        deliveries.push(delivery(ev));
        if (num(ev.originalEventNumber) === 0) {
          zeroSeen++;
          s.fail(
            ev,
            zeroSeen === 1 ? Nak.Retry : Nak.Park,
            zeroSeen === 1 ? "retry it" : "park it",
          );
        } else {
          s.acknowledge(ev);
        }
      },
      undefined,
      undefined,
      10,
      false,
    );
    const parkedStream = `$persistentsubscription-${stream}::${group}-parked`;
    let parked = null;
    step("wait for the parked message");
    await until("a parked message", async () => {
      parked = slice(await conn.readStreamEventsForward(parkedStream, 0, 10));
      return parked.events.length > 0;
    });
    await close(conn);
    return {
      stream,
      ids: events.map((e) => e.eventId),
      deliveries,
      parkedStream,
      parked: {
        status: parked.status,
        events: parked.events.map((e) => ({
          type: e.event.type,
          data: e.event.data,
        })),
      },
    };
  },

  /** Connecting to a group that does not exist is refused. */
  async connect_missing_group() {
    const conn = await connect();
    const stream = streamName("pmissing");
    step("connect to a missing group");
    let result;
    try {
      await conn.connectToPersistentSubscription(stream, "nope", () => {});
      result = { connected: true };
    } catch (e) {
      result = { error: error(e) };
    }
    await close(conn);
    return result;
  },

  /** Delete succeeds once, then reports the group missing; connecting afterwards is refused. */
  async delete_group() {
    const conn = await connect();
    const stream = streamName("pdelete");
    const group = "group-del";
    step("create");
    await conn.createPersistentSubscription(stream, group, settings());
    step("delete");
    const first = await outcome(
      conn.deletePersistentSubscription(stream, group),
      (r) => r.status,
    );
    step("delete again");
    const second = await outcome(
      conn.deletePersistentSubscription(stream, group),
      (r) => r.status,
    );
    step("connect after delete");
    let connectAfter;
    try {
      await conn.connectToPersistentSubscription(stream, group, () => {});
      connectAfter = { connected: true };
    } catch (e) {
      connectAfter = { error: error(e) };
    }
    await close(conn);
    return { first, second, connectAfter };
  },
  /** With maxRetryCount 1 a message is delivered with retry counts 0 and 1, then parked. */
  async retry_limit_parks() {
    const conn = await connect();
    const stream = streamName("pretry");
    const group = "group-retry";
    step("write event 0");
    await conn.appendToStream(stream, noStream, jsonEvents(1));
    step("create the group (maxRetryCount 1)");
    await conn.createPersistentSubscription(stream, group, settings(1));
    const deliveries = [];
    step("connect; nak Retry every delivery of event 0, ack others");
    const sub = await conn.connectToPersistentSubscription(
      stream,
      group,
      (s, ev) => {
        deliveries.push(delivery(ev));
        if (num(ev.originalEventNumber) === 0) s.fail(ev, Nak.Retry, "again");
        else s.acknowledge(ev);
      },
      undefined,
      undefined,
      10,
      false,
    );
    const parkedStream = `$persistentsubscription-${stream}::${group}-parked`;
    let parked = null;
    step("wait for the parked message");
    await until("a parked message", async () => {
      parked = slice(await conn.readStreamEventsForward(parkedStream, 0, 10));
      return parked.events.length > 0;
    });
    const deliveriesWhenParked = deliveries.length;
    step("write event 1 (delivered next, proving event 0 is done with)");
    await conn.appendToStream(stream, 0, jsonEvents(1, "e", 1));
    await until("event 1", () => deliveries.some((d) => d.number === 1));
    sub.stop();
    await close(conn);
    return {
      stream,
      deliveries,
      deliveriesWhenParked,
      parked: parked.events.map((e) => ({ type: e.event.type, data: e.event.data })),
    };
  },

  /** Two consumers of one round-robin group share the events: each event goes to exactly one. */
  async competing_consumers() {
    const conn = await connect();
    const stream = streamName("pcompete");
    const group = "group-compete";
    step("create the group");
    await conn.createPersistentSubscription(stream, group, settings());
    const byConsumer = { one: [], two: [] };
    step("connect two consumers");
    for (const name of ["one", "two"]) {
      await conn.connectToPersistentSubscription(
        stream,
        group,
        (_s, ev) => void byConsumer[name].push(num(ev.originalEventNumber)),
        undefined,
        undefined,
        10,
        true,
      );
    }
    step("write events 0..9");
    await conn.appendToStream(stream, noStream, jsonEvents(10));
    step("wait for 10 deliveries");
    await until("10 deliveries", () => byConsumer.one.length + byConsumer.two.length >= 10);
    await close(conn);
    return byConsumer;
  },

  /** Creating or deleting a group needs $admins or $ops. */
  async create_access_denied() {
    const conn = await connect({ defaultUserCredentials: null });
    const stream = streamName("pdenied");
    step("create anonymously");
    const anonymous = await outcome(
      conn.createPersistentSubscription(stream, "g", settings()),
      (r) => r.status,
    );
    step("create as ops");
    const ops = await outcome(
      conn.createPersistentSubscription(stream, "g", settings(), target.ops),
      (r) => r.status,
    );
    step("delete anonymously");
    const deleteAnonymous = await outcome(
      conn.deletePersistentSubscription(stream, "g"),
      (r) => r.status,
    );
    await close(conn);
    return { anonymous, ops, deleteAnonymous };
  },
  /**
   * startFrom -1 delivers only new events; subscriber_max_count 1 refuses a second consumer; an
   * update drops connected consumers; update and delete of a missing group fail; deleting a group
   * drops its consumers.
   */
  async group_lifecycle() {
    const conn = await connect();
    const stream = streamName("plife");
    const group = "group-life";
    step("write events 0..1");
    await conn.appendToStream(stream, noStream, jsonEvents(2));
    step("create the group (live only, at most 1 consumer)");
    await conn.createPersistentSubscription(
      stream,
      group,
      settings(10, { startFrom: -1, maxSubscriberCount: 1 }),
    );
    const first = { numbers: [], dropped: deferred() };
    step("connect the first consumer");
    await conn.connectToPersistentSubscription(
      stream,
      group,
      (_s, ev) => void first.numbers.push(num(ev.originalEventNumber)),
      (_s, reason, err) =>
        first.dropped.resolve({ reason, error: err ? String(err.message) : null }),
    );
    step("write event 2");
    await conn.appendToStream(stream, 1, jsonEvents(1, "e", 2));
    await until("event 2", () => first.numbers.length >= 1);
    step("connect a second consumer");
    let second;
    try {
      await conn.connectToPersistentSubscription(stream, group, () => {});
      second = { connected: true };
    } catch (e) {
      second = { error: error(e) };
    }
    step("update the group");
    const updated = await outcome(
      conn.updatePersistentSubscription(stream, group, settings(10, { startFrom: 0 })),
      (r) => r.status,
    );
    step("wait for the first consumer's drop");
    const firstDrop = await first.dropped.promise;
    step("update a missing group");
    const updateMissing = await outcome(
      conn.updatePersistentSubscription(stream, "missing", settings()),
      (r) => r.status,
    );
    const third = { numbers: [], dropped: deferred() };
    step("connect a third consumer after the update");
    await conn.connectToPersistentSubscription(
      stream,
      group,
      (_s, ev) => void third.numbers.push(num(ev.originalEventNumber)),
      (_s, reason, err) =>
        third.dropped.resolve({ reason, error: err ? String(err.message) : null }),
    );
    step("delete the group");
    const deleted = await outcome(
      conn.deletePersistentSubscription(stream, group),
      (r) => r.status,
    );
    step("wait for the third consumer's drop");
    const thirdDrop = await third.dropped.promise;
    await close(conn);
    return {
      firstNumbers: first.numbers,
      second,
      updated,
      firstDrop,
      updateMissing,
      deleted,
      thirdDrop,
    };
  },
  /** A message neither acked nor nakked is redelivered after the message timeout. */
  async message_timeout() {
    const conn = await connect();
    const stream = streamName("ptimeout");
    const group = "group-timeout";
    step("write event 0");
    await conn.appendToStream(stream, noStream, jsonEvents(1));
    step("create the group (message timeout 500 ms)");
    await conn.createPersistentSubscription(stream, group, settings(10, { messageTimeout: 500 }));
    const deliveries = [];
    step("connect; leave the first delivery unanswered, ack the second");
    const sub = await conn.connectToPersistentSubscription(
      stream,
      group,
      (s, ev) => {
        deliveries.push(delivery(ev));
        if (deliveries.length > 1) s.acknowledge(ev);
      },
      undefined,
      undefined,
      10,
      false,
    );
    step("wait for the redelivery");
    await until("a redelivery after the message timeout", () => deliveries.length >= 2, 10000);
    sub.stop();
    await close(conn);
    return { deliveries };
  },
});
