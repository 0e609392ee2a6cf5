/**
 * A node's view of the command registry: every handler of the single-node memstore, wrapped so
 * that the node's current role decides first whether to serve the request or answer NotHandled
 * (see {@linkcode routeRequest}).
 *
 * @module
 */

import { TcpCommand } from "../../wire/tcp_command.ts";
import { type CommandHandler, CommandRegistry } from "../command_registry.ts";
import {
  type LeaderEndpoints,
  type NodeRole,
  notLeaderPayload,
  notReadyPayload,
  routeRequest,
} from "./leader_policy.ts";

/** What the wrapper needs to know about its node, read at the time of each request. */
export interface RoleSource {
  /** The node's current role. */
  role(): NodeRole;
  /** The current leader's endpoints, or null while there is none. */
  leader(): LeaderEndpoints | null;
}

interface Wrapped {
  readonly request: unknown;
  readonly payload: Uint8Array;
}

function wrap(
  command: number,
  inner: CommandHandler<unknown>,
  node: RoleSource,
): CommandHandler<Wrapped> {
  return {
    // The inner unwrap validates first, so a bad payload is a BadRequest on every node.
    unwrap: (payload) => ({ request: inner.unwrap(payload), payload }),
    handle(context, wrapped) {
      let routing = routeRequest(node.role(), command, wrapped.payload);
      const leader = routing === "not-leader" ? node.leader() : null;
      if (routing === "not-leader" && leader === null) routing = "not-ready";
      if (routing === "serve") return inner.handle(context, wrapped.request);
      context.reply(
        TcpCommand.NotHandled,
        leader !== null ? notLeaderPayload(leader) : notReadyPayload(),
      );
    },
  };
}

/**
 * Builds a registry whose handlers consult `node` before running the handlers of `base`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CommandRegistry } from "../command_registry.ts";
 * import { roleAwareRegistry } from "./role_registry.ts";
 * const base = new CommandRegistry();
 * base.register(0x03, { unwrap: (p) => p, handle: (ctx, p) => ctx.reply(0x04, p) });
 * const registry = roleAwareRegistry(base, { role: () => "Follower", leader: () => null });
 * assert.deepEqual(registry.get(0x03) !== undefined, true);
 * ```
 */
export function roleAwareRegistry(base: CommandRegistry, node: RoleSource): CommandRegistry {
  const registry = new CommandRegistry();
  for (let command = 0; command <= 0xff; command++) {
    const inner = base.get(command);
    if (inner !== undefined) registry.register(command, wrap(command, inner, node));
  }
  return registry;
}
