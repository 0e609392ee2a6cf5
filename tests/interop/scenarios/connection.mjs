// Connection open/close and heartbeats. Run: node connection.mjs <scenario> --host H --port P
import {
  clientLog,
  close,
  connect,
  es,
  jsonEvents,
  main,
  step,
  streamName,
  write,
} from "./lib.mjs";

const { noStream } = es.expectedVersion;

main({
  /** Connect (Authenticate + IdentifyClient handshake), one round trip, close; then again. */
  async open_close() {
    const rounds = [];
    for (let i = 0; i < 2; i++) {
      step(`connect #${i}`);
      const conn = await connect({}, `interop-conn-${i}`);
      step(`append on connection #${i}`);
      const written = write(
        await conn.appendToStream(streamName("conn"), noStream, jsonEvents(1)),
      );
      step(`close #${i}`);
      await close(conn);
      rounds.push({
        connectionName: conn.connectionName,
        written,
        connected: conn.stats.connected,
        disconnected: conn.stats.disconnected,
        reconnecting: conn.stats.reconnecting,
        closed: conn.stats.closed,
        authenticationFailed: conn.stats.authenticationFailed,
        errors: conn.stats.errors,
      });
    }
    const identified = clientLog().filter((l) => l.includes("package ClientIdentified")).length;
    const authenticated = clientLog().filter((l) => l.includes("package Authenticated")).length;
    return { rounds, identified, authenticated };
  },

  /**
   * Two connections stay idle for 5.5 s: one with NEC's default heartbeats (750 ms), answered by
   * the server; one that never sends its own (interval 60 s). The server checks every 2 s whether
   * anything arrived since its previous check (docs/protocol.md §4.2): the handshake lands in the first
   * interval, so its first request to the silent client comes at about 4 s, and its 1 s timeout
   * check at about 5 s must see the client's answer. Neither connection is dropped.
   */
  async heartbeats() {
    step("connect both");
    const chatty = await connect({}, "interop-heartbeat-default");
    const quiet = await connect({
      heartbeatInterval: 60000,
      heartbeatTimeout: 60000,
    }, "interop-heartbeat-quiet");
    step("idle for 5500 ms");
    await new Promise((r) => setTimeout(r, 5500));
    step("append on both after the idle time");
    const afterChatty = write(
      await chatty.appendToStream(streamName("hb"), noStream, jsonEvents(1)),
    );
    const afterQuiet = write(
      await quiet.appendToStream(streamName("hb"), noStream, jsonEvents(1)),
    );
    const serverRequestsToQuiet = clientLog().filter((l) =>
      l.includes("'interop-heartbeat-quiet': HandleTcpPackage") &&
      l.includes("package HeartbeatRequestCommand")
    ).length;
    const stats = (c) => ({
      connected: c.stats.connected,
      disconnected: c.stats.disconnected,
      reconnecting: c.stats.reconnecting,
      closed: [...c.stats.closed],
      heartbeatInfo: c.stats.heartbeatInfo,
    });
    const result = {
      chatty: stats(chatty),
      quiet: {
        ...stats(quiet),
        serverHeartbeatRequests: serverRequestsToQuiet,
      },
      afterChatty,
      afterQuiet,
    };
    await close(chatty);
    await close(quiet);
    return result;
  },
});
