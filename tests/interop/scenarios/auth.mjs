// Authentication failures and access control. Run: node auth.mjs <scenario> --host H --port P
import {
  close,
  connect,
  es,
  jsonEvents,
  main,
  outcome,
  slice,
  step,
  streamName,
  target,
  write,
} from "./lib.mjs";

const { any, noStream } = es.expectedVersion;

main({
  /** Per-operation wrong credentials: every operation fails with NotAuthenticated, nothing runs. */
  async wrong_password_per_operation() {
    const conn = await connect();
    const wrong = new es.UserCredentials(
      target.admin.username,
      "wrong-password",
    );
    const stream = streamName("authwrong");
    step("create the stream with the right credentials");
    await conn.appendToStream(stream, noStream, jsonEvents(1));
    const results = {};
    step("append with a wrong password");
    results.append = await outcome(
      conn.appendToStream(stream, any, jsonEvents(1), wrong),
      write,
    );
    step("read forward with a wrong password");
    results.readForward = await outcome(
      conn.readStreamEventsForward(stream, 0, 10, false, wrong),
      (s) => s.status,
    );
    step("readEvent with a wrong password");
    results.readEvent = await outcome(
      conn.readEvent(stream, 0, false, wrong),
      (r) => r.status,
    );
    step("read $all with a wrong password");
    results.readAll = await outcome(
      conn.readAllEventsForward(es.positions.start, 10, false, wrong),
      (s) => s.events.length,
    );
    step("delete with a wrong password");
    results.delete = await outcome(
      conn.deleteStream(stream, any, false, wrong),
      () => "deleted",
    );
    step("subscribe with a wrong password");
    results.subscribe = await outcome(
      conn.subscribeToStream(stream, false, () => {}, undefined, wrong),
      () => "subscribed",
    );
    step("read with the right credentials: the stream is unchanged");
    const read = slice(await conn.readStreamEventsForward(stream, 0, 10));
    await close(conn);
    return {
      results,
      numbers: read.numbers,
      status: read.status,
      connection: conn.stats,
    };
  },

  /** Wrong default credentials: the connection still opens; operations without own credentials fail. */
  async wrong_default_credentials() {
    const conn = await connect({
      defaultUserCredentials: new es.UserCredentials(
        target.admin.username,
        "wrong-password",
      ),
    });
    const stream = streamName("authdefault");
    step("append with the (wrong) default credentials");
    const withDefault = await outcome(
      conn.appendToStream(stream, noStream, jsonEvents(1)),
      write,
    );
    step("append with explicit right credentials");
    const withExplicit = await outcome(
      conn.appendToStream(stream, noStream, jsonEvents(1), target.admin),
      write,
    );
    await close(conn);
    return {
      withDefault,
      withExplicit,
      authenticationFailed: conn.stats.authenticationFailed,
    };
  },

  /** Valid users without the rights get AccessDenied, not NotAuthenticated. */
  async access_denied() {
    const conn = await connect({ defaultUserCredentials: null });
    const results = {};
    step("read $all as ops");
    results.readAllOps = await outcome(
      conn.readAllEventsForward(es.positions.start, 10, false, target.ops),
      (s) => s.events.length,
    );
    step("read $all anonymously");
    results.readAllAnonymous = await outcome(
      conn.readAllEventsForward(es.positions.start, 10, false),
      (s) => s.events.length,
    );
    step("read $all as admin");
    results.readAllAdmin = await outcome(
      conn.readAllEventsForward(es.positions.start, 10, false, target.admin),
      (s) => s.readDirection,
    );
    const system = `$${streamName("authsys")}`;
    step("write a system stream as ops");
    results.systemWriteOps = await outcome(
      conn.appendToStream(system, any, jsonEvents(1), target.ops),
      write,
    );
    step("write a system stream as admin");
    results.systemWriteAdmin = await outcome(
      conn.appendToStream(system, any, jsonEvents(1), target.admin),
      write,
    );
    step("append to $all as admin");
    results.allWriteAdmin = await outcome(
      conn.appendToStream("$all", any, jsonEvents(1), target.admin),
      write,
    );
    step("delete a metastream as admin");
    const metaOf = streamName("authmeta");
    await conn.appendToStream(metaOf, noStream, jsonEvents(1), target.admin);
    await conn.setStreamMetadataRaw(metaOf, -1, { custom: 1 }, target.admin);
    results.metastreamDeleteAdmin = await outcome(
      conn.deleteStream(`$$${metaOf}`, any, false, target.admin),
      () => "deleted",
    );
    const stream = streamName("authacl");
    step("create a user stream as ops");
    await conn.appendToStream(stream, noStream, jsonEvents(1), target.ops);
    step("restrict it to $admins");
    results.setAcl = await outcome(
      conn.setStreamMetadataRaw(stream, -1, {
        $acl: { $r: "$admins", $w: "$admins" },
      }, target.admin),
      write,
    );
    step("read as ops");
    results.aclReadOps = await outcome(
      conn.readStreamEventsForward(stream, 0, 10, false, target.ops),
      (s) => s.status,
    );
    step("write as ops");
    results.aclWriteOps = await outcome(
      conn.appendToStream(stream, any, jsonEvents(1), target.ops),
      write,
    );
    step("read as admin");
    results.aclReadAdmin = await outcome(
      conn.readStreamEventsForward(stream, 0, 10, false, target.admin),
      (s) => slice(s).numbers,
    );
    const named = streamName("authnamed");
    step("create a stream readable only by the user named ops");
    await conn.appendToStream(named, noStream, jsonEvents(1), target.admin);
    await conn.setStreamMetadataRaw(
      named,
      -1,
      { $acl: { $r: [target.ops.username] } },
      target.admin,
    );
    step("read it as ops (ACL entries may name users)");
    results.namedReadOps = await outcome(
      conn.readStreamEventsForward(named, 0, 10, false, target.ops),
      (s) => slice(s).numbers,
    );
    step("read it anonymously");
    results.namedReadAnonymous = await outcome(
      conn.readStreamEventsForward(named, 0, 10, false),
      (s) => s.status,
    );
    await close(conn);
    return { system, stream, named, metastream: `$$${metaOf}`, results };
  },
});
