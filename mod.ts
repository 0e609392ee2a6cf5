/**
 * photonpump: a Deno-first client for EventStore's TCP protocol, in the spirit of the Python
 * photon-pump.
 *
 * One connection multiplexes any number of concurrent operations. Writes take an expected version
 * for optimistic concurrency; reads return arrays of events with paging fields; `iter()` and
 * `iterAll()` page lazily as `ReadableStream`s. Failures are typed errors naming the stream and
 * what was expected.
 *
 * @example
 * ```ts
 * import { connect } from "@photonpump/client";
 * import { startMemoryStore } from "@photonpump/client/memstore";
 *
 * // An in-process EventStore; against a real one: `await connect("localhost")`.
 * await using store = await startMemoryStore({ port: 0 });
 * await using conn = await connect(store.url);
 * await conn.publishEvent("adventure", "player_created", { body: { name: "Gil" } });
 * for (const record of await conn.get("adventure")) {
 *   console.log(record.event?.type, record.event?.json()); // player_created { name: "Gil" }
 * }
 * ```
 *
 * @module
 */

export { connect } from "./lib/client/client.ts";
export { newEvent } from "./lib/client/new_event.ts";
export { ExpectedVersion } from "./lib/client/expected_version.ts";
export { Position } from "./lib/client/position.ts";
export {
  AccessDeniedError,
  AuthenticationError,
  BadRequestError,
  CannotConnectError,
  ConnectionClosedError,
  DiscoveryError,
  EventNotFoundError,
  NotAuthenticatedError,
  NotHandledError,
  OperationTimeoutError,
  PersistentSubscriptionError,
  PhotonPumpError,
  ProtocolError,
  RetriesExhaustedError,
  ServerError,
  StreamDeletedError,
  StreamNotFoundError,
  SubscriptionDroppedError,
  TlsCertificateError,
  WrongExpectedVersionError,
  WrongPortError,
} from "./lib/errors.ts";
export { constantBackoff, exponentialBackoff } from "./lib/client/backoff.ts";

export type { Client } from "./lib/client/client.ts";
export type {
  GetAllOptions,
  GetEventOptions,
  GetOptions,
  IterAllOptions,
  IterOptions,
} from "./lib/client/reads.ts";
export type {
  DeleteStreamOptions,
  PublishEventOptions,
  PublishOptions,
  SetStreamMetadataOptions,
  Transaction,
} from "./lib/client/writes.ts";
export type { CallOptions, Direction } from "./lib/client/call_options.ts";
export type { ConnectionState } from "./lib/client/connection_state.ts";
export type { ReconnectionOptions } from "./lib/client/reconnection_policy.ts";
export type { TlsSettings } from "./lib/client/tls.ts";
export type { Backoff, ExponentialBackoffOptions } from "./lib/client/backoff.ts";
export type { ExpectedVersionValue } from "./lib/client/expected_version.ts";
export type { EventBody, EventData, NewEventOptions } from "./lib/client/new_event.ts";
export type { AllFilter, AllSlice, StreamSlice } from "./lib/client/read_operations.ts";
export type { RecordedEvent, ResolvedEvent } from "./lib/client/resolved_event.ts";
export type { ConnectOptions, DiscoveryOptions } from "./lib/client/settings.ts";
export type { NodePreference } from "./lib/client/discovery/node_selection.ts";
export type {
  StreamAcl,
  StreamMetadata,
  StreamMetadataResult,
} from "./lib/client/stream_metadata.ts";
export type { Dialer, DialOptions, Endpoint, TlsOptions } from "./lib/client/transport.ts";
export type { DeleteResult, WriteResult } from "./lib/client/write_operations.ts";
export type { SubscriptionDrop } from "./lib/client/subscriptions/drop.ts";
export type { Subscription } from "./lib/client/subscriptions/subscription.ts";
export type { EventSource, EventStream } from "./lib/client/event_stream.ts";
export type { SubscriptionGap } from "./lib/client/subscriptions/subscribe_operation.ts";
export type {
  CatchUpPhase,
  CatchUpSubscription,
} from "./lib/client/subscriptions/catch_up_subscription.ts";
export type {
  ConsumerStrategy,
  PersistentSubscriptionSettings,
} from "./lib/client/subscriptions/persistent_group_operations.ts";
export type {
  NakAction,
  PersistentSubscription,
} from "./lib/client/subscriptions/persistent_subscription.ts";
export type {
  ConnectSubscriptionOptions,
  PersistentSubscriptionOptions,
  SubscribeToAllOptions,
  SubscribeToOptions,
  SubscriptionOptions,
} from "./lib/client/subscriptions/subscription_api.ts";
export type { Credentials } from "./lib/wire/package_codec.ts";
export type { Duplex } from "./lib/wire/duplex.ts";
export type { Logger, LogLevel } from "./lib/logger.ts";
export type {
  DeleteResultJson,
  PositionJson,
  RecordedEventJson,
  ResolvedEventJson,
  WriteResultJson,
} from "./lib/json.ts";
export type {
  DropReason,
  PeerProtocol,
  PhotonPumpErrorOptions,
  ProtocolErrorKind,
} from "./lib/errors.ts";
