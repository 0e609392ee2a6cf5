/**
 * The persistent-subscription commands (docs/protocol.md §4.14): Create/Update/Delete, Connect, Ack and
 * Nak. Unsubscribe and connection close reach a client through the connection's subscription map,
 * like volatile subscriptions. One {@linkcode GroupRegistry} per store, fed by its commits.
 *
 * @module
 */

import {
  ConnectToPersistentSubscriptionSchema,
  CreatePersistentSubscriptionCompleted_CreatePersistentSubscriptionResult as CreateResult,
  CreatePersistentSubscriptionCompletedSchema,
  CreatePersistentSubscriptionSchema,
  DeletePersistentSubscriptionCompleted_DeletePersistentSubscriptionResult as DeleteResult,
  DeletePersistentSubscriptionCompletedSchema,
  DeletePersistentSubscriptionSchema,
  PersistentSubscriptionAckEventsSchema,
  PersistentSubscriptionConfirmationSchema,
  type PersistentSubscriptionNakEvents_NakAction as NakAction,
  PersistentSubscriptionNakEventsSchema,
  PersistentSubscriptionStreamEventAppearedSchema,
  SubscriptionDropped_SubscriptionDropReason as DropReason,
  SubscriptionDroppedSchema,
  UpdatePersistentSubscriptionCompleted_UpdatePersistentSubscriptionResult as UpdateResult,
  UpdatePersistentSubscriptionCompletedSchema,
  UpdatePersistentSubscriptionSchema,
} from "../../../gen/client_messages_pb.ts";
import { bytesToGuid } from "../../wire/guid.ts";
import { decodeMessage, encodeMessage } from "../../wire/proto_codec.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import type { Principal } from "../auth.ts";
import {
  type CommandContext,
  type CommandRegistry,
  InvalidPackageError,
  type StoreServices,
} from "../command_registry.ts";
import type { MemoryStorage } from "../storage.ts";
import { GroupRegistry } from "./group_registry.ts";
import { type GroupSettings, settingsFromMessage } from "./group_settings.ts";
import { MemoryGroupStorage } from "./memory_group_storage.ts";
import { clientKey } from "./persistent_client.ts";

/** The 5.x reason of an AccessDenied create/update/delete. */
const ACCESS_DENIED_REASON = "You do not have permissions to create streams";

const registries = new WeakMap<MemoryStorage, GroupRegistry>();

/**
 * The store's groups: created on first use and fed by the store's commits. Groups hold timers only
 * while they have clients, so nothing outlives a closed store.
 */
export function groupRegistryOf(services: StoreServices): GroupRegistry {
  let registry = registries.get(services.storage);
  if (registry === undefined) {
    const created = new GroupRegistry({
      storage: new MemoryGroupStorage(services.storage),
      clock: services.clock,
    });
    services.storage.onCommit((events) => {
      for (const stream of new Set(events.map((e) => e.stream))) created.notifyAppended(stream);
    });
    registries.set(services.storage, created);
    registry = created;
  }
  return registry;
}

function userName(principal: Principal): string {
  if (principal.kind === "user") return principal.username;
  return principal.kind === "system" ? "$system" : "anonymous";
}

interface GroupRequest {
  readonly streamId: string;
  readonly groupName: string;
  readonly settings: GroupSettings;
}

interface ConnectRequest {
  readonly streamId: string;
  readonly groupName: string;
  readonly allowedInFlight: number;
}

interface AckRequest {
  readonly subscriptionId: string;
  readonly ids: string[];
  readonly action?: NakAction;
  readonly message?: string;
}

function guids(ids: readonly Uint8Array[]): string[] {
  return ids.map((bytes) => {
    if (bytes.length !== 16) {
      throw new InvalidPackageError(`Event id must be 16 bytes, got ${bytes.length}`);
    }
    return bytesToGuid(bytes);
  });
}

function dropped(reason: DropReason): Uint8Array {
  return encodeMessage(SubscriptionDroppedSchema, { reason });
}

function connect(ctx: CommandContext, request: ConnectRequest): void {
  const { storage, auth } = ctx.services;
  const { connection, pkg } = ctx;
  const correlationId = pkg.correlationId;
  if (!auth.canAccess(ctx.principal, request.streamId, "read")) {
    return ctx.reply(TcpCommand.SubscriptionDropped, dropped(DropReason.AccessDenied));
  }
  const group = groupRegistryOf(ctx.services).get(request.streamId, request.groupName);
  if (group === undefined) {
    return ctx.reply(TcpCommand.SubscriptionDropped, dropped(DropReason.NotFound));
  }
  if (group.isFull) {
    return ctx.reply(
      TcpCommand.SubscriptionDropped,
      dropped(DropReason.SubscriberMaxCountReached),
    );
  }
  // A second subscription with the same correlation id replaces the first.
  connection.subscriptions.get(correlationId)?.connectionClosed();
  ctx.reply(
    TcpCommand.PersistentSubscriptionConfirmation,
    encodeMessage(PersistentSubscriptionConfirmationSchema, {
      lastCommitPosition: BigInt(storage.lastCommitPosition),
      subscriptionId: group.subscriptionId,
      lastEventNumber: storage.lastEventNumber(request.streamId),
    }),
  );
  const key = clientKey(String(connection.id), correlationId);
  const forget = () => {
    if (connection.subscriptions.get(correlationId) === subscription) {
      connection.subscriptions.delete(correlationId);
    }
  };
  const subscription = {
    unsubscribe(): void {
      forget();
      group.removeClient(key, true);
    },
    connectionClosed(): void {
      forget();
      group.removeClient(key, false);
    },
  };
  connection.subscriptions.set(correlationId, subscription);
  group.addClient({
    connectionId: String(connection.id),
    correlationId,
    maxInFlight: request.allowedInFlight,
    username: userName(ctx.principal),
    connectionName: connection.connectionName,
    sink: {
      deliver(entry, retryCount) {
        connection.send({
          command: TcpCommand.PersistentSubscriptionStreamEventAppeared,
          correlationId,
          payload: encodeMessage(PersistentSubscriptionStreamEventAppearedSchema, {
            event: { event: entry.event, link: entry.link },
            retryCount,
          }),
        });
      },
      dropped() {
        forget();
        connection.send({
          command: TcpCommand.SubscriptionDropped,
          correlationId,
          payload: dropped(DropReason.Unsubscribed),
        });
      },
    },
  });
}

/**
 * Registers Create/Update/DeletePersistentSubscription, ConnectToPersistentSubscription and
 * PersistentSubscriptionAckEvents/NakEvents.
 *
 * @example
 * ```ts
 * import { CommandRegistry } from "../command_registry.ts";
 * import { registerPersistentSubscriptionHandlers } from "./persistent_handlers.ts";
 * registerPersistentSubscriptionHandlers(new CommandRegistry());
 * ```
 */
export function registerPersistentSubscriptionHandlers(registry: CommandRegistry): void {
  registry.register<GroupRequest>(TcpCommand.CreatePersistentSubscription, {
    unwrap(payload) {
      const m = decodeMessage(
        CreatePersistentSubscriptionSchema,
        payload,
        TcpCommand.CreatePersistentSubscription,
      );
      return {
        streamId: m.eventStreamId,
        groupName: m.subscriptionGroupName,
        settings: settingsFromMessage(m),
      };
    },
    handle(ctx, request) {
      const reply = (result: CreateResult, reason?: string) =>
        ctx.reply(
          TcpCommand.CreatePersistentSubscriptionCompleted,
          encodeMessage(CreatePersistentSubscriptionCompletedSchema, { result, reason }),
        );
      if (!ctx.services.auth.isAdminOrOps(ctx.principal)) {
        return reply(CreateResult.AccessDenied, ACCESS_DENIED_REASON);
      }
      const outcome = groupRegistryOf(ctx.services).create(
        request.streamId,
        request.groupName,
        request.settings,
        userName(ctx.principal),
      );
      if (outcome.result === "success") return reply(CreateResult.Success);
      reply(
        outcome.result === "already-exists" ? CreateResult.AlreadyExists : CreateResult.Fail,
        outcome.reason,
      );
    },
  });

  registry.register<GroupRequest>(TcpCommand.UpdatePersistentSubscription, {
    unwrap(payload) {
      const m = decodeMessage(
        UpdatePersistentSubscriptionSchema,
        payload,
        TcpCommand.UpdatePersistentSubscription,
      );
      return {
        streamId: m.eventStreamId,
        groupName: m.subscriptionGroupName,
        settings: settingsFromMessage(m),
      };
    },
    handle(ctx, request) {
      const reply = (result: UpdateResult, reason?: string) =>
        ctx.reply(
          TcpCommand.UpdatePersistentSubscriptionCompleted,
          encodeMessage(UpdatePersistentSubscriptionCompletedSchema, { result, reason }),
        );
      if (!ctx.services.auth.isAdminOrOps(ctx.principal)) {
        return reply(UpdateResult.AccessDenied, ACCESS_DENIED_REASON);
      }
      const outcome = groupRegistryOf(ctx.services).update(
        request.streamId,
        request.groupName,
        request.settings,
        userName(ctx.principal),
      );
      if (outcome.result === "success") return reply(UpdateResult.Success);
      reply(
        outcome.result === "does-not-exist" ? UpdateResult.DoesNotExist : UpdateResult.Fail,
        outcome.reason,
      );
    },
  });

  registry.register<{ streamId: string; groupName: string }>(
    TcpCommand.DeletePersistentSubscription,
    {
      unwrap(payload) {
        const m = decodeMessage(
          DeletePersistentSubscriptionSchema,
          payload,
          TcpCommand.DeletePersistentSubscription,
        );
        return { streamId: m.eventStreamId, groupName: m.subscriptionGroupName };
      },
      handle(ctx, request) {
        const reply = (result: DeleteResult, reason?: string) =>
          ctx.reply(
            TcpCommand.DeletePersistentSubscriptionCompleted,
            encodeMessage(DeletePersistentSubscriptionCompletedSchema, { result, reason }),
          );
        if (!ctx.services.auth.isAdminOrOps(ctx.principal)) {
          return reply(DeleteResult.AccessDenied, ACCESS_DENIED_REASON);
        }
        const outcome = groupRegistryOf(ctx.services).delete(
          request.streamId,
          request.groupName,
          userName(ctx.principal),
        );
        if (outcome.result === "success") return reply(DeleteResult.Success);
        reply(DeleteResult.DoesNotExist, outcome.reason);
      },
    },
  );

  registry.register<ConnectRequest>(TcpCommand.ConnectToPersistentSubscription, {
    unwrap(payload) {
      const m = decodeMessage(
        ConnectToPersistentSubscriptionSchema,
        payload,
        TcpCommand.ConnectToPersistentSubscription,
      );
      return {
        streamId: m.eventStreamId,
        groupName: m.subscriptionId,
        allowedInFlight: m.allowedInFlightMessages,
      };
    },
    handle: connect,
  });

  registry.register<AckRequest>(TcpCommand.PersistentSubscriptionAckEvents, {
    unwrap(payload) {
      const m = decodeMessage(
        PersistentSubscriptionAckEventsSchema,
        payload,
        TcpCommand.PersistentSubscriptionAckEvents,
      );
      return { subscriptionId: m.subscriptionId, ids: guids(m.processedEventIds) };
    },
    handle(ctx, request) {
      const group = groupRegistryOf(ctx.services).bySubscriptionId(request.subscriptionId);
      group?.acknowledge(clientKey(String(ctx.connection.id), ctx.pkg.correlationId), request.ids);
    },
  });

  registry.register<AckRequest>(TcpCommand.PersistentSubscriptionNakEvents, {
    unwrap(payload) {
      const m = decodeMessage(
        PersistentSubscriptionNakEventsSchema,
        payload,
        TcpCommand.PersistentSubscriptionNakEvents,
      );
      return {
        subscriptionId: m.subscriptionId,
        ids: guids(m.processedEventIds),
        action: m.action,
        message: m.message ?? "",
      };
    },
    handle(ctx, request) {
      const group = groupRegistryOf(ctx.services).bySubscriptionId(request.subscriptionId);
      group?.notAcknowledge(
        clientKey(String(ctx.connection.id), ctx.pkg.correlationId),
        request.ids,
        request.action!,
        request.message ?? "",
      );
    },
  });
}
