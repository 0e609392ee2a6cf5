// Server-side faults injected by the harness through signals: dropped connections, NotHandled.
// Run by the Deno harness only (it answers the `@@signal` lines on stdin).
import {
  clientLog,
  close,
  connect,
  deferred,
  es,
  jsonEvents,
  main,
  signal,
  slice,
  step,
  streamName,
  until,
  write,
} from "./lib.mjs";

const { noStream } = es.expectedVersion;

main({
  /**
   * The server drops the connection: NEC reconnects by itself, a confirmed subscription is dropped
   * with connectionClosed (docs/protocol.md §6.2), and the store still has the stream afterwards.
   */
  async reconnect_after_drop() {
    const conn = await connect({ reconnectionDelay: 100 });
    const stream = streamName("drop");
    step("append event 0");
    await conn.appendToStream(stream, noStream, jsonEvents(1));
    const dropped = deferred();
    step("subscribe to the stream");
    await conn.subscribeToStream(
      stream,
      false,
      () => {},
      (_s, reason) => dropped.resolve(reason),
    );
    await signal("drop");
    step("wait for the subscription drop");
    const reason = await dropped.promise;
    step("wait for the reconnection");
    await until("a second connected event", () => conn.stats.connected >= 2);
    step("append event 1 on the new connection");
    const after = write(await conn.appendToStream(stream, 0, jsonEvents(1, "e", 1)));
    const read = slice(await conn.readStreamEventsForward(stream, 0, 10));
    const stats = { ...conn.stats, closed: [...conn.stats.closed] };
    await close(conn);
    return { reason, stats, after, numbers: read.numbers };
  },

  /** While the server answers NotHandled(NotReady) NEC retries; the append lands once after. */
  async not_ready_retry() {
    const conn = await connect();
    const stream = streamName("notready");
    await signal("not-ready");
    const logStart = clientLog().length;
    const notHandled = () =>
      clientLog().slice(logStart).filter((l) => l.includes("package NotHandled")).length;
    step("append while not ready");
    const pending = conn.appendToStream(stream, noStream, jsonEvents(1));
    pending.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
    step("wait for a NotHandled reply");
    await until("a NotHandled reply", () => notHandled() >= 1);
    await signal("ready");
    step("wait for the append");
    const result = write(await pending);
    const replies = notHandled();
    const read = slice(await conn.readStreamEventsForward(stream, 0, 10));
    await close(conn);
    return { notHandledReplies: replies, result, numbers: read.numbers };
  },
});
