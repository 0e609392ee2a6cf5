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

/**
 * Encodes a package with its length prefix, ready to write to a socket.
 *
 * @throws {RangeError} if a credential is too long or the package exceeds `maxPackageSize`
 */
export function encodePackage(pkg: Package, maxPackageSize = DEFAULT_MAX_PACKAGE_SIZE): Uint8Array {
  let login = EMPTY;
  let password = EMPTY;
  let authSize = 0;
  if (pkg.credentials) {
    login = credentialBytes(pkg.credentials.username, "login");
    password = credentialBytes(pkg.credentials.password, "password");
    authSize = 2 + login.length + password.length;
  }
  const size = HEADER_SIZE + authSize + pkg.payload.length;
  if (size > maxPackageSize) {
    throw new RangeError(
      `Package of ${size} bytes exceeds the maximum package size of ${maxPackageSize} bytes`,
    );
  }
  const out = new Uint8Array(LENGTH_PREFIX_SIZE + size);
  new DataView(out.buffer).setInt32(0, size, true);
  out[4] = pkg.command;
  out[5] = pkg.credentials ? TcpFlags.Authenticated : TcpFlags.None;
  writeGuid(pkg.correlationId, out, 6);
  let offset = LENGTH_PREFIX_SIZE + HEADER_SIZE;
  if (pkg.credentials) {
    out[offset++] = login.length;
    out.set(login, offset);
    offset += login.length;
    out[offset++] = password.length;
    out.set(password, offset);
    offset += password.length;
  }
  out.set(pkg.payload, offset);
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
