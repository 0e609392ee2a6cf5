/**
 * The package codec: one TCP package is `[int32 LE length][command][flags][16-byte correlation id]
 * [auth block if flags & 0x01][payload]` (docs/protocol.md §1.2-1.4). These are the plain functions;
 * the decoding stage lives in `frame_decoder_stream.ts`; `outgoing_queue.ts` writes encoded packages.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import { bytesToGuid, writeGuid } from "./guid.ts";
import { TcpFlags } from "./tcp_command.ts";

/** Login and password sent with a package. */
export interface Credentials {
  /** The login name. */
  readonly username: string;
  /** The password. */
  readonly password: string;
}

/** One decoded package. */
export interface Package {
  /** The command byte (see `TcpCommand`). */
  readonly command: number;
  /** The flags byte as received; for encoding, `Authenticated` is derived from `credentials`. */
  readonly flags?: number;
  /** The correlation id as an RFC 4122 string. */
  readonly correlationId: string;
  /** The credentials of the auth block, if any. */
  readonly credentials?: Credentials;
  /** The payload bytes (may be a view into a larger buffer). */
  readonly payload: Uint8Array;
}

/**
 * A payload that writes itself into the package being encoded (so its bytes are copied once,
 * straight into the package), e.g. `write_events_encoder.ts`.
 */
export interface PayloadWriter {
  /** The payload's size in bytes. */
  readonly byteLength: number;
  /** Writes the `byteLength` bytes into `target` at `offset`; may be called once per send. */
  writeTo(target: Uint8Array, offset: number): void;
}

/** A package to encode: a {@linkcode Package} whose payload may also write itself. */
export interface OutgoingPackage {
  /** The command byte (see `TcpCommand`). */
  readonly command: number;
  /** The correlation id as an RFC 4122 string. */
  readonly correlationId: string;
  /** The credentials for the auth block, if any. */
  readonly credentials?: Credentials;
  /** The payload bytes, or a writer of them. */
  readonly payload: Uint8Array | PayloadWriter;
}

/** Size of the length prefix. */
export const LENGTH_PREFIX_SIZE = 4;
/** Size of command + flags + correlation id: the smallest valid package. */
export const HEADER_SIZE = 18;
/** Default maximum package size of servers and official clients: 64 MiB. */
export const DEFAULT_MAX_PACKAGE_SIZE = 64 * 1024 * 1024;
/** Longest login or password the auth block can carry, in UTF-8 bytes. */
export const MAX_CREDENTIAL_BYTES = 255;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Encodes the UTF-8 bytes of a login or password, rejecting ones the auth block cannot carry.
 *
 * @throws {RangeError} when longer than 255 bytes
 */
function credentialBytes(value: string, what: "login" | "password"): Uint8Array {
  const bytes = encoder.encode(value);
  if (bytes.length > MAX_CREDENTIAL_BYTES) {
    // Never echo the value itself: it may be a secret.
    throw new RangeError(
      `The ${what} is ${bytes.length} bytes long in UTF-8; the protocol allows at most ${MAX_CREDENTIAL_BYTES}`,
    );
  }
  return bytes;
}

/** The last auth block built: calls mostly reuse one credentials object. */
let lastCredentials: Credentials | undefined;
let lastUsername = "";
let lastPassword = "";
let lastAuthBlock: Uint8Array = EMPTY;

/**
 * The auth block of `credentials`: login length, login, password length, password.
 *
 * @throws {RangeError} when the login or password is longer than 255 bytes
 */
function authBlock(credentials: Credentials): Uint8Array {
  const { username, password } = credentials;
  if (
    credentials === lastCredentials && username === lastUsername && password === lastPassword
  ) return lastAuthBlock;
  const login = credentialBytes(username, "login");
  const secret = credentialBytes(password, "password");
  const block = new Uint8Array(2 + login.length + secret.length);
  block[0] = login.length;
  block.set(login, 1);
  block[1 + login.length] = secret.length;
  block.set(secret, 2 + login.length);
  lastCredentials = credentials;
  lastUsername = username;
  lastPassword = password;
  lastAuthBlock = block;
  return block;
}

/**
 * Encodes a package with its length prefix, ready to write to a socket, into one new buffer (a
 * {@linkcode PayloadWriter} payload writes itself into it).
 *
 * @throws {RangeError} if a credential is too long or the package exceeds `maxPackageSize`
 */
export function encodePackage(
  pkg: Package | OutgoingPackage,
  maxPackageSize = DEFAULT_MAX_PACKAGE_SIZE,
): Uint8Array {
  const auth = pkg.credentials ? authBlock(pkg.credentials) : EMPTY;
  const payload = pkg.payload;
  const size = HEADER_SIZE + auth.length + payload.byteLength;
  if (size > maxPackageSize) {
    throw new RangeError(
      `Package of ${size} bytes exceeds the maximum package size of ${maxPackageSize} bytes`,
    );
  }
  const out = new Uint8Array(LENGTH_PREFIX_SIZE + size);
  out[0] = size & 0xff;
  out[1] = (size >>> 8) & 0xff;
  out[2] = (size >>> 16) & 0xff;
  out[3] = size >>> 24;
  out[4] = pkg.command;
  out[5] = pkg.credentials ? TcpFlags.Authenticated : TcpFlags.None;
  writeGuid(pkg.correlationId, out, 6);
  const offset = LENGTH_PREFIX_SIZE + HEADER_SIZE;
  if (auth.length > 0) out.set(auth, offset);
  if (payload instanceof Uint8Array) out.set(payload, offset + auth.length);
  else payload.writeTo(out, offset + auth.length);
  return out;
}

/**
 * Decodes one package from its bytes (without the length prefix). The payload is a view into
 * `bytes`, not a copy.
 *
 * @throws {ProtocolError} `frame-too-small` or `bad-auth-block`
 */
export function decodePackage(bytes: Uint8Array): Package {
  if (bytes.length < HEADER_SIZE) {
    throw new ProtocolError(
      "frame-too-small",
      `Package of ${bytes.length} bytes is shorter than the ${HEADER_SIZE}-byte header`,
    );
  }
  const command = bytes[0];
  const flags = bytes[1];
  const correlationId = bytesToGuid(bytes, 2);
  let offset = HEADER_SIZE;
  let credentials: Credentials | undefined;
  if (flags & TcpFlags.Authenticated) {
    if (offset >= bytes.length) {
      throw new ProtocolError(
        "bad-auth-block",
        "Auth block missing: the Authenticated flag is set but the package ends after the header",
        { command },
      );
    }
    const loginLength = bytes[offset];
    // The login, its length byte and the password length byte must all fit (docs/protocol.md §1.4).
    if (offset + 1 + loginLength + 1 > bytes.length) {
      throw new ProtocolError(
        "bad-auth-block",
        `Auth block does not fit: login of ${loginLength} bytes in a package of ${bytes.length} bytes`,
        { command },
      );
    }
    const loginBytes = bytes.subarray(offset + 1, offset + 1 + loginLength);
    offset += 1 + loginLength;
    const passwordLength = bytes[offset];
    if (offset + 1 + passwordLength > bytes.length) {
      throw new ProtocolError(
        "bad-auth-block",
        `Auth block does not fit: password of ${passwordLength} bytes in a package of ${bytes.length} bytes`,
        { command },
      );
    }
    const passwordBytes = bytes.subarray(offset + 1, offset + 1 + passwordLength);
    offset += 1 + passwordLength;
    try {
      credentials = {
        username: decoder.decode(loginBytes),
        password: decoder.decode(passwordBytes),
      };
    } catch (cause) {
      throw new ProtocolError("bad-auth-block", "Auth block is not valid UTF-8", {
        command,
        cause,
      });
    }
  }
  return { command, flags, correlationId, credentials, payload: bytes.subarray(offset) };
}
