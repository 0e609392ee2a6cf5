import assert from "node:assert/strict";
import { IdentifyClientSchema, ReadEventSchema } from "../../gen/client_messages_pb.ts";
import { ProtocolError } from "../../lib/errors.ts";
import {
  decodePackage,
  encodePackage,
  HEADER_SIZE,
  type Package,
} from "../../lib/wire/package_codec.ts";
import { decodeMessage, encodeMessage } from "../../lib/wire/proto_codec.ts";
import { TcpCommand, TcpFlags } from "../../lib/wire/tcp_command.ts";
import { hex, toHex } from "../support/hex.ts";

const ID = "00112233-4455-6677-8899-aabbccddeeff";

// The byte-exact fixtures of docs/protocol.md §1.6.
const HEARTBEAT_REQUEST = hex(
  "12 00 00 00  01  00  33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff",
);
const IDENTIFY_CLIENT = hex(`1a 00 00 00  f5  00  33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff
  08 01 12 04 45 53 2d 78`);
const READ_EVENT_AUTHENTICATED = hex(
  `33 00 00 00  b0  01  33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff
  05 61 64 6d 69 6e  08 63 68 61 6e 67 65 69 74
  0a 01 73  10 ff ff ff ff ff ff ff ff ff 01  18 00  20 01`,
);

Deno.test("encodePackage() produces the HeartbeatRequest fixture of docs/protocol.md §1.6", () => {
  const bytes = encodePackage({
    command: TcpCommand.HeartbeatRequest,
    correlationId: ID,
    payload: new Uint8Array(0),
  });
  assert.equal(toHex(bytes), toHex(HEARTBEAT_REQUEST));
});

Deno.test("encodePackage() produces the IdentifyClient fixture of docs/protocol.md §1.6", () => {
  const payload = encodeMessage(IdentifyClientSchema, { version: 1, connectionName: "ES-x" });
  const bytes = encodePackage({ command: TcpCommand.IdentifyClient, correlationId: ID, payload });
  assert.equal(toHex(bytes), toHex(IDENTIFY_CLIENT));
});

Deno.test("encodePackage() produces the authenticated ReadEvent fixture of docs/protocol.md §1.6", () => {
  const payload = encodeMessage(ReadEventSchema, {
    eventStreamId: "s",
    eventNumber: -1n,
    resolveLinkTos: false,
    requireLeader: true,
  });
  const bytes = encodePackage({
    command: TcpCommand.ReadEvent,
    correlationId: ID,
    credentials: { username: "admin", password: "changeit" },
    payload,
  });
  assert.equal(toHex(bytes), toHex(READ_EVENT_AUTHENTICATED));
});

Deno.test("decodePackage() reads every field of the fixtures back", () => {
  const heartbeat = decodePackage(HEARTBEAT_REQUEST.subarray(4));
  assert.deepEqual(
    { ...heartbeat, payload: [...heartbeat.payload] },
    { command: 1, flags: 0, correlationId: ID, credentials: undefined, payload: [] },
  );

  const identify = decodePackage(IDENTIFY_CLIENT.subarray(4));
  assert.equal(identify.command, TcpCommand.IdentifyClient);
  const message = decodeMessage(IdentifyClientSchema, identify.payload);
  assert.equal(message.version, 1);
  assert.equal(message.connectionName, "ES-x");

  const read = decodePackage(READ_EVENT_AUTHENTICATED.subarray(4));
  assert.equal(read.flags, TcpFlags.Authenticated);
  assert.deepEqual(read.credentials, { username: "admin", password: "changeit" });
  const readEvent = decodeMessage(ReadEventSchema, read.payload);
  assert.equal(readEvent.eventStreamId, "s");
  assert.equal(readEvent.eventNumber, -1n);
  assert.equal(readEvent.resolveLinkTos, false);
  assert.equal(readEvent.requireLeader, true);
});

Deno.test("encodePackage() rejects a login or password over 255 UTF-8 bytes without naming it", () => {
  const base: Package = { command: TcpCommand.Ping, correlationId: ID, payload: new Uint8Array(0) };
  const secret = "é".repeat(128); // 256 bytes in UTF-8, 128 characters
  assert.throws(
    () => encodePackage({ ...base, credentials: { username: "admin", password: secret } }),
    (e: unknown) =>
      e instanceof RangeError && e.message.includes("password") && e.message.includes("256") &&
      !e.message.includes(secret),
  );
  assert.throws(
    () => encodePackage({ ...base, credentials: { username: "x".repeat(256), password: "p" } }),
    (e: unknown) => e instanceof RangeError && e.message.includes("login"),
  );
  // 255 bytes is the limit and still encodes.
  const ok = encodePackage({
    ...base,
    credentials: { username: "x".repeat(255), password: "y".repeat(255) },
  });
  assert.deepEqual(decodePackage(ok.subarray(4)).credentials, {
    username: "x".repeat(255),
    password: "y".repeat(255),
  });
});

Deno.test("encodePackage() rejects a package over the maximum size", () => {
  assert.throws(
    () =>
      encodePackage(
        { command: TcpCommand.Ping, correlationId: ID, payload: new Uint8Array(100) },
        117,
      ),
    (e: unknown) => e instanceof RangeError && e.message.includes("118"),
  );
});

Deno.test("decodePackage() raises ProtocolError for a package shorter than the header", () => {
  assert.throws(
    () => decodePackage(new Uint8Array(HEADER_SIZE - 1)),
    (e: unknown) => e instanceof ProtocolError && e.kind === "frame-too-small",
  );
});

Deno.test("decodePackage() raises ProtocolError for an auth block that does not fit", () => {
  const header = HEARTBEAT_REQUEST.slice(4);
  header[1] = TcpFlags.Authenticated;
  const cases = [
    new Uint8Array([...header]), // flag set, no auth block at all
    new Uint8Array([...header, 5, 0x61, 0x62]), // login longer than what follows
    new Uint8Array([...header, 1, 0x61]), // login fits, no password length byte
    new Uint8Array([...header, 1, 0x61, 3, 0x70]), // password longer than what follows
  ];
  for (const bytes of cases) {
    assert.throws(
      () => decodePackage(bytes),
      (e: unknown) => e instanceof ProtocolError && e.kind === "bad-auth-block",
      toHex(bytes),
    );
  }
});

Deno.test("decodePackage() keeps the payload as a view, not a copy", () => {
  const bytes = encodePackage({
    command: 3,
    correlationId: ID,
    payload: new Uint8Array([9, 8, 7]),
  });
  const pkg = decodePackage(bytes.subarray(4));
  assert.equal(pkg.payload.buffer, bytes.buffer);
  assert.deepEqual([...pkg.payload], [9, 8, 7]);
});

Deno.test({
  name:
    "each package carries its own credentials, also when one credentials object changes between packages",
  permissions: "none",
  fn() {
    const base = { command: 0x82, correlationId: "00112233-4455-6677-8899-aabbccddeeff" };
    const payload = new Uint8Array([9]);
    const credentials = { username: "admin", password: "changeit" };
    const read = (bytes: Uint8Array) => decodePackage(bytes.subarray(4)).credentials;
    assert.deepEqual(read(encodePackage({ ...base, payload, credentials })), credentials);
    const other = { username: "ops", password: "pw-2" };
    assert.deepEqual(read(encodePackage({ ...base, payload, credentials: other })), other);
    credentials.password = "rotated";
    assert.deepEqual(read(encodePackage({ ...base, payload, credentials })), {
      username: "admin",
      password: "rotated",
    });
    assert.equal(read(encodePackage({ ...base, payload })), undefined);
  },
});
