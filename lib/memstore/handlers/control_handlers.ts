/**
 * Ping and ScavengeDatabase (docs/protocol.md §4.16).
 *
 * @module
 */

import {
  ScavengeDatabaseResponse_ScavengeResult,
  ScavengeDatabaseResponseSchema,
} from "../../../gen/client_messages_pb.ts";
import { encodeMessage } from "../../wire/proto_codec.ts";
import { TcpCommand } from "../../wire/tcp_command.ts";
import type { CommandRegistry } from "../command_registry.ts";

/** Registers Ping and ScavengeDatabase. */
export function registerControlHandlers(registry: CommandRegistry): void {
  registry.register<Uint8Array>(TcpCommand.Ping, {
    // Ping carries arbitrary bytes; Pong echoes them. Copy: the payload is a view into a chunk.
    unwrap: (payload) => payload.slice(),
    handle: (ctx, payload) => ctx.reply(TcpCommand.Pong, payload),
  });
  registry.register(TcpCommand.ScavengeDatabase, {
    unwrap: () => undefined,
    handle(ctx) {
      // There is nothing to scavenge in memory: the scavenge "starts" and is done at once.
      const allowed = ctx.services.auth.isAdminOrOps(ctx.principal);
      ctx.reply(
        TcpCommand.ScavengeDatabaseResponse,
        encodeMessage(
          ScavengeDatabaseResponseSchema,
          allowed
            ? {
              result: ScavengeDatabaseResponse_ScavengeResult.Started,
              scavengeId: crypto.randomUUID(),
            }
            : { result: ScavengeDatabaseResponse_ScavengeResult.Unauthorized },
        ),
      );
    },
  });
}
