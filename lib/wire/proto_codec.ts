/**
 * The one module that touches the generated protobuf code: encoding and decoding of payloads.
 *
 * The schema keeps the server's `required` fields, and protobuf-es refuses to encode a proto2
 * message whose required field was never set, so {@linkcode encodeMessage} sets each unset required
 * field to its default explicitly: it is then always written on the wire, as the official clients
 * do. Decoding never insists on required fields (22.x servers omit zero values, older ones do not
 * enforce `required`): an absent scalar reads as its default.
 *
 * @module
 */

import {
  create,
  type DescField,
  type DescMessage,
  fromBinary,
  isFieldSet,
  type MessageInitShape,
  type MessageShape,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { ProtocolError } from "../errors.ts";

const requiredFieldsCache = new WeakMap<DescMessage, readonly DescField[]>();
const messageFieldsCache = new WeakMap<DescMessage, readonly DescField[]>();

/** Presence value of a proto2 `required` field (`FeatureSet_FieldPresence.LEGACY_REQUIRED`). */
const LEGACY_REQUIRED = 3;

function requiredFields(schema: DescMessage): readonly DescField[] {
  let fields = requiredFieldsCache.get(schema);
  if (!fields) {
    fields = schema.fields.filter((f) => f.fieldKind !== "list" && f.presence === LEGACY_REQUIRED);
    requiredFieldsCache.set(schema, fields);
  }
  return fields;
}

function messageFields(schema: DescMessage): readonly DescField[] {
  let fields = messageFieldsCache.get(schema);
  if (!fields) {
    fields = schema.fields.filter((f) =>
      f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")
    );
    messageFieldsCache.set(schema, fields);
  }
  return fields;
}

function zeroValue(scalar: ScalarType): unknown {
  switch (scalar) {
    case ScalarType.STRING:
      return "";
    case ScalarType.BYTES:
      return new Uint8Array(0);
    case ScalarType.BOOL:
      return false;
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 0n;
    default:
      return 0;
  }
}

function defaultValue(field: DescField): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return field.getDefaultValue() ?? zeroValue(field.scalar);
    case "enum":
      return field.getDefaultValue() ?? field.enum.values[0].number;
    case "message":
      return create(field.message);
    default:
      return undefined;
  }
}

/** Sets every unset required field of `message` (and of its sub-messages) to its default. */
function setRequiredFields(schema: DescMessage, message: Record<string, unknown>): void {
  for (const field of requiredFields(schema)) {
    if (!isFieldSet(message as MessageShape<DescMessage>, field)) {
      message[field.localName] = defaultValue(field);
    }
  }
  for (const field of messageFields(schema)) {
    const value = message[field.localName];
    if (field.fieldKind === "list") {
      for (const item of value as Record<string, unknown>[]) {
        setRequiredFields(field.message!, item);
      }
    } else if (field.fieldKind === "message" && value !== undefined) {
      setRequiredFields(field.message, value as Record<string, unknown>);
    }
  }
}

/**
 * Builds a message from `init`, sets every unset required field to its default, and encodes it.
 *
 * @example
 * ```ts
 * import { encodeMessage } from "./proto_codec.ts";
 * import { ReadEventSchema } from "../../gen/client_messages_pb.ts";
 * const bytes = encodeMessage(ReadEventSchema, { eventStreamId: "s", eventNumber: -1n });
 * ```
 */
export function encodeMessage<Desc extends DescMessage>(
  schema: Desc,
  init: MessageInitShape<Desc>,
): Uint8Array {
  const message = create(schema, init);
  setRequiredFields(schema, message as unknown as Record<string, unknown>);
  return toBinary(schema, message);
}

/**
 * Decodes a payload; absent fields read as their defaults.
 *
 * @throws {ProtocolError} `bad-payload` when the bytes are not a valid encoding of the message
 */
export function decodeMessage<Desc extends DescMessage>(
  schema: Desc,
  payload: Uint8Array,
  command?: number,
): MessageShape<Desc> {
  try {
    return fromBinary(schema, payload);
  } catch (cause) {
    throw new ProtocolError(
      "bad-payload",
      `Cannot decode ${schema.name} payload of ${payload.length} bytes: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause, command },
    );
  }
}
