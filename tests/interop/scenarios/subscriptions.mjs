// Volatile subscriptions to a stream and to $all. Run: node subscriptions.mjs <scenario> --host H --port P
import {
  allSlice,
  clientLog,
  close,
  connect,
  deferred,
  error,
  es,
  jsonEvents,
  main,
  num,
  pos,
  randomUUID,
  resolved,
  step,
  streamName,
  target,
  until,
} from "./lib.mjs";

const { noStream, any } = es.expectedVersion;

main({
  /** A stream subscription gets only events written after it started, then unsubscribes. */
  async stream() {
    const conn = await connect();
    const stream = streamName("sub");
    const other = streamName("sub-other");
    step("write history events 0..1");
    await conn.appendToStream(stream, noStream, jsonEvents(2));
    const received = [];
    const dropped = deferred();
    step("subscribe");
    const sub = await conn.subscribeToStream(
      stream,
      false,
      (_s, ev) => void received.push(resolved(ev)),
      (_s, reason, err) => dropped.resolve({ reason, error: err ? String(err.message) : null }),
    );
    const confirmation = {
      isSubscribedToAll: sub.isSubscribedToAll,
      streamId: sub.streamId,
      lastEventNumber: num(sub.lastEventNumber),
      lastCommitPosition: num(sub.lastCommitPosition),
    };
    step("write 1 event to another stream and 3 to the subscribed stream");
    await conn.appendToStream(other, noStream, jsonEvents(1, "other"));
    const live = jsonEvents(3, "live", 2);
    await conn.appendToStream(stream, any, live.slice(0, 2));
    await conn.appendToStream(stream, any, live.slice(2));
    step("wait for 3 pushed events");
    await until("3 pushed events", () => received.length >= 3);
    step("unsubscribe");
    const logBefore = clientLog().length;
    sub.unsubscribe();
    const drop = await dropped.promise;
    step("wait for the server's SubscriptionDropped reply");
    await until(
      "a SubscriptionDropped package from the server",
      () => clientLog().slice(logBefore).some((l) => l.includes("package SubscriptionDropped")),
      3000,
    );
    step("write after unsubscribing");
    await conn.appendToStream(stream, any, jsonEvents(1, "late", 5));
    await close(conn);
    return {
      stream,
      confirmation,
      received,
      liveIds: live.map((e) => e.eventId),
      drop,
    };
  },

  /** A $all subscription (admin) gets every new event, with the positions $all reads report. */
  async all() {
    const conn = await connect();
    const a = streamName("suball-a");
    const b = streamName("suball-b");
    const received = [];
    step("subscribe to $all");
    const sub = await conn.subscribeToAll(
      false,
      (_s, ev) => void received.push(resolved(ev)),
    );
    const confirmation = {
      isSubscribedToAll: sub.isSubscribedToAll,
      streamId: sub.streamId,
      lastCommitPosition: num(sub.lastCommitPosition),
      lastEventNumber: num(sub.lastEventNumber),
    };
    step("write a0 a1, b0, a2");
    await conn.appendToStream(a, noStream, jsonEvents(2, "a"));
    await conn.appendToStream(b, noStream, jsonEvents(1, "b"));
    await conn.appendToStream(a, any, jsonEvents(1, "a", 2));
    const mine = () => received.filter((e) => e.originalStreamId === a || e.originalStreamId === b);
    step("wait for 4 pushed events");
    await until("4 pushed events of this run", () => mine().length >= 4);
    step("read $all backward for the same events");
    const all = allSlice(
      await conn.readAllEventsBackward(es.positions.end, 50),
    );
    const read = all.events
      .filter((e) => e.originalStreamId === a || e.originalStreamId === b)
      .reverse();
    sub.unsubscribe();
    await close(conn);
    return {
      streams: [a, b],
      confirmation,
      received: mine(),
      read: read.map((e) => ({
        stream: e.originalStreamId,
        number: e.originalEventNumber,
        position: e.position,
        id: e.event.id,
      })),
    };
  },

  /** A $all subscription without admin rights is refused. */
  async all_access_denied() {
    const conn = await connect({ defaultUserCredentials: null });
    const results = {};
    for (
      const [label, credentials] of [["anonymous", undefined], [
        "ops",
        target.ops,
      ]]
    ) {
      step(`subscribe to $all as ${label}`);
      try {
        await conn.subscribeToAll(
          false,
          () => {},
          undefined,
          credentials,
        );
        results[label] = { subscribed: true };
      } catch (e) {
        results[label] = { error: error(e) };
      }
    }
    await close(conn);
    return results;
  },

  /** A stream subscription's confirmation reports position data a catch-up subscription relies on. */
  async confirmation_positions() {
    const conn = await connect();
    const stream = streamName("subpos");
    step("write 3 events");
    const written = await conn.appendToStream(stream, noStream, jsonEvents(3));
    step("subscribe");
    const sub = await conn.subscribeToStream(stream, false, () => {});
    const result = {
      lastEventNumber: num(sub.lastEventNumber),
      lastCommitPosition: num(sub.lastCommitPosition),
      writePosition: pos(written.logPosition),
    };
    sub.unsubscribe();
    await close(conn);
    return result;
  },
  /** A stream subscription with resolveLinkTos pushes links resolved to their targets. */
  async resolve_links() {
    const conn = await connect();
    const target = streamName("subtarget");
    const links = streamName("sublinks");
    step("write target events 0..1");
    const targetEvents = jsonEvents(2, "t");
    await conn.appendToStream(target, noStream, targetEvents);
    const received = [];
    step("subscribe to the link stream, resolving links");
    const sub = await conn.subscribeToStream(
      links,
      true,
      (_s, ev) => void received.push(resolved(ev)),
    );
    step("write a link to 1@target");
    const link = es.createEventData(randomUUID(), "$>", false, Buffer.from(`1@${target}`));
    await conn.appendToStream(links, noStream, [link]);
    await until("the pushed link", () => received.length >= 1);
    sub.unsubscribe();
    await close(conn);
    return {
      target,
      links,
      targetIds: targetEvents.map((e) => e.eventId),
      linkId: link.eventId,
      received,
    };
  },

  /** A $all subscription also receives metadata events ($$stream), e.g. of a soft delete. */
  async all_metadata_events() {
    const conn = await connect();
    const stream = streamName("suballmeta");
    step("write event 0");
    await conn.appendToStream(stream, noStream, jsonEvents(1));
    const received = [];
    step("subscribe to $all");
    const sub = await conn.subscribeToAll(false, (_s, ev) => void received.push(resolved(ev)));
    step("set metadata, then soft delete");
    await conn.setStreamMetadataRaw(stream, -1, { custom: 1 });
    await conn.deleteStream(stream, 0, false);
    const mine = () => received.filter((e) => e.originalStreamId === `$$${stream}`);
    await until("2 metadata events", () => mine().length >= 2);
    sub.unsubscribe();
    await close(conn);
    return {
      stream,
      received: mine().map((e) => ({
        stream: e.originalStreamId,
        number: e.originalEventNumber,
        type: e.event.type,
        data: e.event.data,
      })),
    };
  },
});
