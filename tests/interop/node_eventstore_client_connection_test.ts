/**
 * The independent referee: node-eventstore-client 23.10.1 (a port of the official .NET TCP
 * client) under Node.js against the memstore, and against a real EventStore when EVENTSTORE_URL
 * is set. This file: authentication, access control, connection lifecycle, heartbeats and
 * server-side faults.
 * Expected values come from docs/protocol.md §4 (server semantics) and §6 (client behaviour), never
 * from what the memstore happens to answer.
 */

import assert from "node:assert/strict";
import { assertAccessDenied } from "./assertions.ts";
import { interopTest } from "./harness.ts";

// ---------------------------------------------------------------------------------------------
// Authentication and access (docs/protocol.md §4.3, §4.4)

interopTest(
  "a wrong password fails append, reads, $all read, delete and subscribe with NotAuthenticated and changes nothing",
  "auth.mjs",
  "wrong_password_per_operation",
  (r) => {
    for (
      const op of ["append", "readForward", "readEvent", "readAll", "delete"]
    ) {
      assert.equal(r.results[op].value, undefined, `${op} must fail`);
      assert.equal(
        r.results[op].error.message,
        "Authentication error: Not Authenticated",
        op,
      );
    }
    assert.equal(r.results.subscribe.value, undefined, "subscribe must fail");
    assert.match(r.results.subscribe.error.message, /Not Authenticated/);
    assert.equal(r.status, "success");
    assert.deepEqual(r.numbers, [0], "the stream is unchanged");
    assert.equal(r.connection.disconnected, 0, "the connection stays open");
    assert.equal(r.connection.reconnecting, 0);
  },
);

interopTest(
  "wrong default credentials: the connection opens, operations without own credentials fail with NotAuthenticated",
  "auth.mjs",
  "wrong_default_credentials",
  (r) => {
    assert.equal(
      r.authenticationFailed,
      1,
      "Authenticate answered NotAuthenticated",
    );
    assert.equal(
      r.withDefault.error?.message,
      "Authentication error: Not Authenticated",
      JSON.stringify(r.withDefault),
    );
    assert.equal(
      r.withExplicit.value?.nextExpectedVersion,
      0,
      JSON.stringify(r.withExplicit),
    );
  },
);

interopTest(
  "users without rights get AccessDeniedError: $all reads by ops/anonymous, system streams, $all writes, metastream deletes, stream $acl",
  "auth.mjs",
  "access_denied",
  (r) => {
    assertAccessDenied(r.results.readAllOps, "Read", "$all");
    assertAccessDenied(r.results.readAllAnonymous, "Read", "$all");
    assert.deepEqual(r.results.readAllAdmin, { value: "forward" });
    assertAccessDenied(r.results.systemWriteOps, "Write", r.system);
    assertAccessDenied(r.results.allWriteAdmin, "Write", "$all");
    assertAccessDenied(r.results.metastreamDeleteAdmin, "Delete", r.metastream);
    assert.equal(r.results.systemWriteAdmin.value?.nextExpectedVersion, 0);
    assert.equal(r.results.setAcl.value?.nextExpectedVersion, 0);
    assertAccessDenied(r.results.aclReadOps, "Read", r.stream);
    assertAccessDenied(r.results.aclWriteOps, "Write", r.stream);
    assert.deepEqual(r.results.aclReadAdmin, { value: [0] });
    assert.deepEqual(
      r.results.namedReadOps,
      { value: [0] },
      "a user's roles include its login name",
    );
    assertAccessDenied(r.results.namedReadAnonymous, "Read", r.named);
  },
);

// ---------------------------------------------------------------------------------------------
// Connection (docs/protocol.md §4.1, §4.2, §6.2)

interopTest(
  "connect authenticates and identifies the client, serves an append and closes cleanly, twice",
  "connection.mjs",
  "open_close",
  (r) => {
    assert.equal(r.rounds.length, 2);
    for (const round of r.rounds) {
      assert.equal(round.connected, 1);
      assert.equal(round.reconnecting, 0);
      assert.equal(round.authenticationFailed, 0);
      assert.deepEqual(round.errors, []);
      assert.deepEqual(round.closed, ["Connection close requested by client."]);
      assert.equal(round.written.nextExpectedVersion, 0);
    }
    assert.equal(r.identified, 2, "ClientIdentified per connection");
    assert.equal(r.authenticated, 2, "Authenticated per connection");
  },
);

interopTest(
  "idle connections survive 5.5 s of heartbeats: the server answers client heartbeats and sends its own",
  "connection.mjs",
  "heartbeats",
  (r) => {
    for (const which of ["chatty", "quiet"]) {
      const c = r[which];
      assert.equal(c.connected, 1, which);
      assert.equal(c.disconnected, 0, `${which} was dropped`);
      assert.equal(c.reconnecting, 0, `${which} reconnected`);
      assert.deepEqual(c.closed, [], which);
    }
    assert.ok(
      r.chatty.heartbeatInfo >= 1,
      "the server answered the client's heartbeat requests",
    );
    assert.ok(
      r.quiet.serverHeartbeatRequests >= 1,
      "the server sent heartbeat requests to a silent client",
    );
    assert.equal(r.afterChatty.nextExpectedVersion, 0);
    assert.equal(r.afterQuiet.nextExpectedVersion, 0);
  },
);

// ---------------------------------------------------------------------------------------------
// Server-side faults (memstore only: a real server cannot be told to misbehave)

interopTest(
  "when the server drops the connection NEC reconnects, drops the subscription with connectionClosed and keeps working",
  "faults.mjs",
  "reconnect_after_drop",
  (r) => {
    assert.equal(r.reason, "connectionClosed");
    assert.equal(r.stats.connected, 2, "connected, then reconnected");
    assert.equal(r.stats.disconnected, 1);
    assert.ok(r.stats.reconnecting >= 1);
    assert.deepEqual(r.stats.closed, [], "the client connection itself stays open");
    assert.equal(r.after.nextExpectedVersion, 1);
    assert.deepEqual(r.numbers, [0, 1]);
  },
  { signals: (store) => ({ drop: () => store.dropConnections() }) },
);

interopTest(
  "while the server answers NotHandled(NotReady) NEC retries the append, which lands exactly once afterwards",
  "faults.mjs",
  "not_ready_retry",
  (r) => {
    assert.ok(r.notHandledReplies >= 1, "NEC decoded at least one NotHandled reply");
    assert.equal(r.result.nextExpectedVersion, 0);
    assert.deepEqual(r.numbers, [0]);
  },
  {
    signals: (store) => ({
      "not-ready": () => store.setNotHandled("NotReady"),
      ready: () => store.setNotHandled(null),
    }),
  },
);
