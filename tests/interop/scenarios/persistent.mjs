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
  until,
} from "./lib.mjs";

const { noStream, any } = es.expectedVersion;
const {
  PersistentSubscriptionSettings,
  PersistentSubscriptionNakEventAction: Nak,
} = es;

/** Group settings: start from event 0, 10 s message timeout, `maxRetryCount` retries. */
function settings(maxRetryCount = 10) {
  return new PersistentSubscriptionSettings(
    false, // resolveLinkTos
    0, // startFrom
    false, // extraStatistics
    10000, // messageTimeout (ms)
    maxRetryCount,
    500, // liveBufferSize
    20, // readBatchSize
    500, // historyBufferSize
    2000, // checkPointAfter (ms)
    10, // minCheckPointCount
    1000, // maxCheckPointCount
    0, // maxSubscriberCount
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
});
