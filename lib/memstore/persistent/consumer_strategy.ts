/**
 * How a group picks the client for a message (docs/protocol.md §4.14): the interface the strategies
 * implement and the factory by name.
 *
 * @module
 */

import type { GroupEvent } from "./group_event.ts";
import type { ConsumerStrategyName } from "./group_settings.ts";
import type { PersistentClient } from "./persistent_client.ts";
import { DispatchToSingleStrategy } from "./dispatch_to_single_strategy.ts";
import { PinnedStrategy } from "./pinned_strategy.ts";
import { RoundRobinStrategy } from "./round_robin_strategy.ts";
import { correlationIdOf, sourceStreamId } from "./group_event.ts";

/**
 * The outcome of offering a message: `sent` (a client reserved it), `skipped` (its client is full;
 * try later messages), `no-capacity` (nobody can take anything now).
 */
export type PushResult =
  | { readonly kind: "sent"; readonly client: PersistentClient }
  | { readonly kind: "skipped" }
  | { readonly kind: "no-capacity" };

/** A consumer strategy. */
export interface ConsumerStrategy {
  /** The strategy's protocol name. */
  readonly name: ConsumerStrategyName;
  /** A client connected. */
  clientAdded(client: PersistentClient): void;
  /** A client left. */
  clientRemoved(client: PersistentClient): void;
  /** Offers a message; a `sent` result means the client reserved it. */
  push(entry: GroupEvent): PushResult;
}

/**
 * Creates the strategy called `name`.
 *
 * @example
 * ```ts
 * import { createConsumerStrategy } from "./consumer_strategy.ts";
 * createConsumerStrategy("RoundRobin").name; // "RoundRobin"
 * ```
 */
export function createConsumerStrategy(name: ConsumerStrategyName): ConsumerStrategy {
  switch (name) {
    case "RoundRobin":
      return new RoundRobinStrategy();
    case "DispatchToSingle":
      return new DispatchToSingleStrategy();
    case "Pinned":
      return new PinnedStrategy("Pinned", sourceStreamId);
    case "PinnedByCorrelation":
      return new PinnedStrategy(
        "PinnedByCorrelation",
        (entry) => correlationIdOf(entry) ?? sourceStreamId(entry),
      );
  }
}
