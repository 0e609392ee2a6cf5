/**
 * Registers every command the memstore serves, persistent subscriptions included.
 *
 * @module
 */

import type { CommandRegistry } from "../command_registry.ts";
import { registerPersistentSubscriptionHandlers } from "../persistent/persistent_handlers.ts";
import { registerControlHandlers } from "./control_handlers.ts";
import { registerReadHandlers } from "./read_handlers.ts";
import { registerSubscriptionHandlers } from "./subscription_handlers.ts";
import { registerWriteHandlers } from "./write_handlers.ts";

/** Registers writes, deletes, transactions, reads, volatile subscriptions, ping and scavenge. */
export function registerCoreHandlers(registry: CommandRegistry): void {
  registerControlHandlers(registry);
  registerWriteHandlers(registry);
  registerReadHandlers(registry);
  registerSubscriptionHandlers(registry);
  registerPersistentSubscriptionHandlers(registry);
}
