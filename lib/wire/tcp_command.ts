/**
 * Command bytes of the TCP client protocol (docs/protocol.md §2.1, 23.x names).
 *
 * @module
 */

/** Every command byte of the client protocol, by its 23.x name. */
export const TcpCommand = {
  HeartbeatRequest: 0x01,
  HeartbeatResponse: 0x02,
  Ping: 0x03,
  Pong: 0x04,
  WriteEvents: 0x82,
  WriteEventsCompleted: 0x83,
  TransactionStart: 0x84,
  TransactionStartCompleted: 0x85,
  TransactionWrite: 0x86,
  TransactionWriteCompleted: 0x87,
  TransactionCommit: 0x88,
  TransactionCommitCompleted: 0x89,
  DeleteStream: 0x8a,
  DeleteStreamCompleted: 0x8b,
  ReadEvent: 0xb0,
  ReadEventCompleted: 0xb1,
  ReadStreamEventsForward: 0xb2,
  ReadStreamEventsForwardCompleted: 0xb3,
  ReadStreamEventsBackward: 0xb4,
  ReadStreamEventsBackwardCompleted: 0xb5,
  ReadAllEventsForward: 0xb6,
  ReadAllEventsForwardCompleted: 0xb7,
  ReadAllEventsBackward: 0xb8,
  ReadAllEventsBackwardCompleted: 0xb9,
  FilteredReadAllEventsForward: 0xba,
  FilteredReadAllEventsForwardCompleted: 0xbb,
  FilteredReadAllEventsBackward: 0xbc,
  FilteredReadAllEventsBackwardCompleted: 0xbe,
  SubscribeToStream: 0xc0,
  SubscriptionConfirmation: 0xc1,
  StreamEventAppeared: 0xc2,
  UnsubscribeFromStream: 0xc3,
  SubscriptionDropped: 0xc4,
  ConnectToPersistentSubscription: 0xc5,
  PersistentSubscriptionConfirmation: 0xc6,
  PersistentSubscriptionStreamEventAppeared: 0xc7,
  CreatePersistentSubscription: 0xc8,
  CreatePersistentSubscriptionCompleted: 0xc9,
  DeletePersistentSubscription: 0xca,
  DeletePersistentSubscriptionCompleted: 0xcb,
  PersistentSubscriptionAckEvents: 0xcc,
  PersistentSubscriptionNakEvents: 0xcd,
  UpdatePersistentSubscription: 0xce,
  UpdatePersistentSubscriptionCompleted: 0xcf,
  ScavengeDatabase: 0xd0,
  ScavengeDatabaseResponse: 0xd1,
  FilteredSubscribeToStream: 0xd2,
  CheckpointReached: 0xd3,
  BadRequest: 0xf0,
  NotHandled: 0xf1,
  Authenticate: 0xf2,
  Authenticated: 0xf3,
  NotAuthenticated: 0xf4,
  IdentifyClient: 0xf5,
  ClientIdentified: 0xf6,
} as const;

/** A command byte of the client protocol. */
export type TcpCommand = (typeof TcpCommand)[keyof typeof TcpCommand];

const NAMES = new Map<number, string>(
  Object.entries(TcpCommand).map(([name, code]) => [code, name]),
);

/** Returns the name of a command byte, or `"Unknown(0x..)"` for bytes outside the protocol. */
export function commandName(command: number): string {
  return NAMES.get(command) ?? `Unknown(0x${command.toString(16).padStart(2, "0")})`;
}

const EVENT_CARRIERS = new Set<number>([
  TcpCommand.WriteEvents,
  TcpCommand.TransactionWrite,
  TcpCommand.ReadEventCompleted,
  TcpCommand.ReadStreamEventsForwardCompleted,
  TcpCommand.ReadStreamEventsBackwardCompleted,
  TcpCommand.ReadAllEventsForwardCompleted,
  TcpCommand.ReadAllEventsBackwardCompleted,
  TcpCommand.FilteredReadAllEventsForwardCompleted,
  TcpCommand.FilteredReadAllEventsBackwardCompleted,
  TcpCommand.StreamEventAppeared,
  TcpCommand.PersistentSubscriptionStreamEventAppeared,
]);

/**
 * Whether packages of this command carry event data and metadata, bytes a receiver may keep
 * after decoding: the writes' requests, the reads' replies and the subscriptions' events. Every
 * other package decodes to numbers and strings.
 */
export function carriesEvents(command: number): boolean {
  return EVENT_CARRIERS.has(command);
}

/** Package flags (docs/protocol.md §1.3). */
export const TcpFlags = {
  None: 0x00,
  Authenticated: 0x01,
  TrustedWrite: 0x02,
} as const;
