import assert from "node:assert/strict";
import { openClient } from "../../../lib/client/client.ts";
import { resolveSettings } from "../../../lib/client/settings.ts";
import { ConnectionClosedError, OperationQueueFullError } from "../../../lib/errors.ts";
import { createPipe } from "../../../lib/wire/duplex.ts";
import { TcpCommand } from "../../../lib/wire/tcp_command.ts";
import { ManualClock } from "../../support/manual_clock.ts";
import { FakePeer } from "../support/fake_peer.ts";

Deno.test("while reconnecting, 5,000 operations wait for the connection and the next one fails with OperationQueueFullError", async () => {
  const clock = new ManualClock();
  const [clientEnd, serverEnd] = createPipe();
  const peer = new FakePeer(serverEnd);
  let dials = 0;
  const handshake = (async () => {
    const identify = await peer.receive();
    await peer.reply(identify, TcpCommand.ClientIdentified);
  })();
  const client = await openClient(resolveSettings(
    {
      reconnection: { delay: 1000, maxAttempts: 3 },
      // The first dial reaches the fake peer; later ones never get an answer.
      transport: (_endpoint, { signal }) =>
        dials++ === 0 ? Promise.resolve(clientEnd) : new Promise((_, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
    },
    undefined,
    { clock },
  ));
  await handshake;
  peer.close();
  while (client.state.status !== "reconnecting") {
    await new Promise((r) => queueMicrotask(r as () => void));
  }
  const waiting = Array.from({ length: 5000 }, () => client.ping().then(() => "ok", (e) => e));
  const refused = await client.ping().then(() => "ok", (e) => e);
  assert.ok(refused instanceof OperationQueueFullError, String(refused));
  assert.equal(refused.limit, 5000);
  assert.equal(refused.operation, "Ping");
  assert.match(refused.message, /Cannot queue Ping: 5000 operations are already waiting/);
  await client.close();
  const outcomes = await Promise.all(waiting);
  assert.ok(
    outcomes.every((e) => e instanceof ConnectionClosedError),
    "the queued ones end with the client",
  );
});
