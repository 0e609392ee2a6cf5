import assert from "node:assert/strict";
import {
  SubscriptionConfirmationSchema,
  SubscriptionDropped_SubscriptionDropReason as WireReason,
  SubscriptionDroppedSchema,
} from "../../../gen/client_messages_pb.ts";
import { AccessDeniedError, SubscriptionDroppedError } from "../../../lib/errors.ts";
import { encodeMessage } from "../../../lib/wire/proto_codec.ts";
import { TcpCommand } from "../../../lib/wire/tcp_command.ts";
import { connectFake } from "../support/fake_peer.ts";

async function confirmedSubscription() {
  const { client, peer } = await connectFake();
  const subscribing = client.subscribeTo("orders");
  const request = await peer.receive();
  assert.equal(request.command, TcpCommand.SubscribeToStream);
  await peer.reply(
    request,
    TcpCommand.SubscriptionConfirmation,
    encodeMessage(SubscriptionConfirmationSchema, { lastCommitPosition: 0n, lastEventNumber: -1n }),
  );
  return { client, peer, request, subscription: await subscribing };
}

for (
  const [wire, reason] of [
    [WireReason.PersistentSubscriptionDeleted, "persistent-subscription-deleted"],
    [WireReason.NotFound, "not-found"],
    [WireReason.SubscriberMaxCountReached, "subscriber-max-count-reached"],
    [WireReason.AccessDenied, "access-denied"],
  ] as const
) {
  Deno.test(`SubscriptionDropped(${WireReason[wire]}) from the server drops the subscription with ${reason}`, async () => {
    const { client, peer, request, subscription } = await confirmedSubscription();
    try {
      await peer.reply(
        request,
        TcpCommand.SubscriptionDropped,
        encodeMessage(SubscriptionDroppedSchema, { reason: wire }),
      );
      const drop = await subscription.dropped;
      assert.equal(drop.reason, reason);
      await assert.rejects(
        subscription.getReader().read(),
        // A refusal is the class reads use; every other drop keeps its reason on the drop error.
        (e) =>
          reason === "access-denied"
            ? e instanceof AccessDeniedError && e.dropReason === reason
            : e instanceof SubscriptionDroppedError && e.reason === reason,
      );
    } finally {
      await client.close();
      peer.close();
    }
  });
}

Deno.test("SubscriptionDropped(Unsubscribed) the client did not ask for ends the stream normally", async () => {
  const { client, peer, request, subscription } = await confirmedSubscription();
  try {
    await peer.reply(
      request,
      TcpCommand.SubscriptionDropped,
      encodeMessage(SubscriptionDroppedSchema, { reason: WireReason.Unsubscribed }),
    );
    assert.deepEqual(await subscription.dropped, { reason: "unsubscribed" });
    assert.equal((await subscription.getReader().read()).done, true);
  } finally {
    await client.close();
    peer.close();
  }
});

Deno.test("a BadRequest answer to a subscription drops it with server-error", async () => {
  const { client, peer } = await connectFake();
  try {
    const subscribing = client.subscribeTo("orders");
    const request = await peer.receive();
    await peer.reply(request, TcpCommand.BadRequest, new TextEncoder().encode("nope"));
    const error = await subscribing.then(() => assert.fail("expected a rejection"), (e) => e);
    assert.ok(error instanceof SubscriptionDroppedError);
    assert.equal(error.reason, "server-error");
    assert.match(error.message, /nope/);
  } finally {
    await client.close();
    peer.close();
  }
});

Deno.test("unsubscribe() sends UnsubscribeFromStream with the subscription's correlation id", async () => {
  const { client, peer, request, subscription } = await confirmedSubscription();
  try {
    const unsubscribing = subscription.unsubscribe();
    const unsubscribe = await peer.receive();
    assert.equal(unsubscribe.command, TcpCommand.UnsubscribeFromStream);
    assert.equal(unsubscribe.correlationId, request.correlationId);
    await peer.reply(
      request,
      TcpCommand.SubscriptionDropped,
      encodeMessage(SubscriptionDroppedSchema, { reason: WireReason.Unsubscribed }),
    );
    await unsubscribing;
    assert.equal((await subscription.dropped).reason, "unsubscribed");
  } finally {
    await client.close();
    peer.close();
  }
});
