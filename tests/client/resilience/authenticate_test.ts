/** Default credentials are checked at connect with the protocol's Authenticate command. */
import assert from "node:assert/strict";
import { connect } from "../../../lib/client/client.ts";
import { AuthenticationError, NotAuthenticatedError } from "../../../lib/errors.ts";
import { startMemoryStore } from "../../../lib/memstore/mod.ts";
import { TcpCommand } from "../../../lib/wire/tcp_command.ts";
import { FakePeer } from "../support/fake_peer.ts";
import { createPipe } from "../../../lib/wire/duplex.ts";
import { encodeMessage } from "../../../lib/wire/proto_codec.ts";
import { NotHandled_NotHandledReason, NotHandledSchema } from "../../../gen/client_messages_pb.ts";

Deno.test("a wrong password fails connect() with AuthenticationError naming the login, never the password", async () => {
  await using store = await startMemoryStore({ listen: false });
  let dials = 0;
  const error = await connect({
    credentials: { username: "admin", password: "s3cret-wrong" },
    transport: () => (dials++, Promise.resolve(store.connectPipe())),
  }).then(() => assert.fail("connected"), (e: Error) => e);
  assert.ok(error instanceof AuthenticationError, String(error));
  assert.ok(error instanceof NotAuthenticatedError);
  assert.equal(error.login, "admin");
  assert.match(error.message, /user "admin"/);
  assert.ok(!error.message.includes("s3cret-wrong"));
  assert.ok(!String(error.stack).includes("s3cret-wrong"));
  assert.equal(dials, 1, "not retried");
});

Deno.test("the right password connects, and calls use it", async () => {
  await using store = await startMemoryStore({ listen: false });
  await using client = await connect({
    credentials: { username: "admin", password: "changeit" },
    transport: () => Promise.resolve(store.connectPipe()),
  });
  const all = await client.getAll({ maxCount: 1 });
  assert.ok(Array.isArray(all));
});

Deno.test("Authenticate answered NotHandled TooBusy is retried like any NotHandled, not taken for a wrong password", async () => {
  const peers: FakePeer[] = [];
  const connecting = connect({
    credentials: { username: "admin", password: "changeit" },
    reconnection: { delay: 0 },
    transport: () => {
      const [client, server] = createPipe();
      peers.push(new FakePeer(server));
      return Promise.resolve(client);
    },
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    // The retry dials after a 0 ms reconnection delay: yield until it has.
    for (let i = 0; i < 1000 && peers.length <= attempt; i++) {
      await new Promise<void>((resolve) => queueMicrotask(resolve));
    }
    if (peers.length <= attempt) await new Promise((resolve) => setTimeout(resolve, 0));
    const peer = peers[attempt];
    const identify = await peer.receive();
    await peer.reply(identify, TcpCommand.ClientIdentified);
    const authenticate = await peer.receive();
    assert.equal(authenticate.command, TcpCommand.Authenticate);
    assert.equal(authenticate.credentials?.username, "admin");
    if (attempt === 0) {
      await peer.reply(
        authenticate,
        TcpCommand.NotHandled,
        encodeMessage(NotHandledSchema, { reason: NotHandled_NotHandledReason.TooBusy }),
      );
    } else {
      await peer.reply(authenticate, TcpCommand.Authenticated);
    }
  }
  const client = await connecting;
  assert.equal(client.state.status, "connected");
  await client.close();
  for (const peer of peers) peer.close();
});
