import * as protobuf from 'protobufjs';

/** Option keys as protobufjs records them. */
export const OPTION = {
  messageType: '(leap.message_type)',
  kind: '(leap.kind)',
  replyType: '(leap.reply_type)',
  required: '(leap.required)',
} as const;

/** Values of `leap.MessageKind`. */
export const PROTO_KIND = {
  MESSAGE_KIND_EVENT: 'event',
  MESSAGE_KIND_COMMAND: 'command',
  MESSAGE_KIND_QUERY: 'query',
  MESSAGE_KIND_REPLY: 'reply',
} as const;

export type ProtoKind = (typeof PROTO_KIND)[keyof typeof PROTO_KIND];

export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

export const SCALAR_TYPES: ReadonlySet<string> = new Set<ScalarType>([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

/** Well-known types with their own JSON mapping. */
export type WellKnownType =
  | 'Timestamp'
  | 'Duration'
  | 'Struct'
  | 'Value'
  | 'ListValue'
  | 'Empty'
  | 'FieldMask'
  | 'Any'
  | 'NullValue'
  | 'DoubleValue'
  | 'FloatValue'
  | 'Int64Value'
  | 'UInt64Value'
  | 'Int32Value'
  | 'UInt32Value'
  | 'BoolValue'
  | 'StringValue'
  | 'BytesValue';

const WRAPPED: Record<string, ScalarType> = {
  DoubleValue: 'double',
  FloatValue: 'float',
  Int64Value: 'int64',
  UInt64Value: 'uint64',
  Int32Value: 'int32',
  UInt32Value: 'uint32',
  BoolValue: 'bool',
  StringValue: 'string',
  BytesValue: 'bytes',
};

const WELL_KNOWN = new Set<string>(['Timestamp', 'Duration', 'Struct', 'Value', 'ListValue', 'NullValue', 'Empty', 'FieldMask', 'Any', ...Object.keys(WRAPPED)]);

/** The scalar a wrapper type wraps (`google.protobuf.Int64Value` → `int64`). */
export function wrappedScalar(wkt: WellKnownType): ScalarType | undefined {
  return WRAPPED[wkt];
}

/** The value part of a field: what one element (or one map value) is. */
export type ValueShape =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'enum'; enum: protobuf.Enum }
  | { kind: 'wkt'; wkt: WellKnownType; type: protobuf.Type | protobuf.Enum }
  | { kind: 'message'; type: protobuf.Type };

export interface FieldShape {
  field: protobuf.FieldBase;
  /** Name as parsed (as written with keepCase, else camelCase). */
  name: string;
  jsonName: string;
  number: number;
  repeated: boolean;
  /** Key scalar of a map field. */
  mapKey?: ScalarType;
  value: ValueShape;
  required: boolean;
  /** proto3 `optional`. */
  optional: boolean;
  /** The real oneof the field belongs to (not the synthetic one of a proto3 `optional`). */
  oneof?: string;
  comment: string;
}

/** The proto3 JSON name of a field: `json_name` when given, else protoc's lowerCamelCase rule. */
export function jsonNameOf(field: protobuf.FieldBase): string {
  const explicit = field.options?.json_name;
  if (typeof explicit === 'string') return explicit;
  return toJsonName(field.name);
}

/** protoc's `ToJsonName`: drop each underscore and upper-case the character after it. */
export function toJsonName(name: string): string {
  let out = '';
  let upper = false;
  for (const ch of name) {
    if (ch === '_') upper = true;
    else if (upper) {
      out += ch.toUpperCase();
      upper = false;
    } else out += ch;
  }
  return out;
}

export function commentOf(obj: { comment?: string | null }): string {
  return (obj.comment ?? '').trim();
}

export function isWellKnown(obj: protobuf.ReflectionObject): boolean {
  return obj.parent?.fullName === '.google.protobuf' && WELL_KNOWN.has(obj.name);
}

/** Full name without protobufjs's leading dot: `leap.media.v1.RecordingTrimmed`. */
export function fullNameOf(obj: protobuf.ReflectionObject): string {
  return obj.fullName.replace(/^\./, '');
}

function valueShape(field: protobuf.FieldBase): ValueShape {
  const resolved = field.resolvedType;
  if (!resolved) {
    if (!SCALAR_TYPES.has(field.type)) throw new Error(`${fullNameOf(field)}: type ${field.type} is not resolved`);
    return { kind: 'scalar', scalar: field.type as ScalarType };
  }
  if (isWellKnown(resolved)) return { kind: 'wkt', wkt: resolved.name as WellKnownType, type: resolved };
  if (resolved instanceof protobuf.Enum) return { kind: 'enum', enum: resolved };
  return { kind: 'message', type: resolved as protobuf.Type };
}

export function fieldShape(field: protobuf.FieldBase): FieldShape {
  field.resolve();
  const isMap = field instanceof protobuf.MapField;
  const partOf = field.partOf;
  const optional = field.options?.proto3_optional === true;
  return {
    field,
    name: field.name,
    jsonName: jsonNameOf(field),
    number: field.id,
    repeated: field.repeated,
    mapKey: isMap ? ((field as protobuf.MapField).keyType as ScalarType) : undefined,
    value: valueShape(field),
    required: field.options?.[OPTION.required] === true,
    optional,
    oneof: partOf && !optional ? partOf.name : undefined,
    comment: commentOf(field),
  };
}

/** The fields of a message in declaration order. */
export function fieldsOf(type: protobuf.Type): FieldShape[] {
  return type.fieldsArray.map(fieldShape);
}

/** Every message type under a namespace, depth first, in declaration order. */
export function allTypes(ns: protobuf.NamespaceBase): protobuf.Type[] {
  const out: protobuf.Type[] = [];
  const visit = (current: protobuf.NamespaceBase): void => {
    for (const nested of current.nestedArray) {
      if (nested instanceof protobuf.Type) out.push(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(ns);
  return out;
}

/** Every enum under a namespace, depth first. */
export function allEnums(ns: protobuf.NamespaceBase): protobuf.Enum[] {
  const out: protobuf.Enum[] = [];
  const visit = (current: protobuf.NamespaceBase): void => {
    for (const nested of current.nestedArray) {
      if (nested instanceof protobuf.Enum) out.push(nested);
      else if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(ns);
  return out;
}

/** The LEAP contract options of a message, as declared. */
export interface ContractOptions {
  messageType?: string;
  /** The raw `(leap.kind)` value, e.g. `MESSAGE_KIND_EVENT`. */
  kindValue?: string;
  kind?: ProtoKind;
  replyType?: string;
}

export function contractOptions(type: protobuf.Type): ContractOptions {
  const options = type.options ?? {};
  const messageType = options[OPTION.messageType];
  const kindValue = options[OPTION.kind];
  const replyType = options[OPTION.replyType];
  return {
    messageType: typeof messageType === 'string' ? messageType : undefined,
    kindValue: kindValue === undefined ? undefined : String(kindValue),
    kind: typeof kindValue === 'string' && kindValue in PROTO_KIND ? PROTO_KIND[kindValue as keyof typeof PROTO_KIND] : undefined,
    replyType: typeof replyType === 'string' ? replyType : undefined,
  };
}

/** How a field's type reads in proto: `repeated leap.common.v1.ObjectRef`, `map<string, string>`. */
export function protoTypeOf(shape: FieldShape): string {
  const value = shape.value.kind === 'scalar' ? shape.value.scalar : fullNameOf(shape.value.kind === 'enum' ? shape.value.enum : shape.value.type);
  if (shape.mapKey) return `map<${shape.mapKey}, ${value}>`;
  if (shape.repeated) return `repeated ${value}`;
  if (shape.optional) return `optional ${value}`;
  return value;
}

/** The value type of a shape as a proto type name (scalar, or full name). */
export function valueTypeName(value: ValueShape): string {
  switch (value.kind) {
    case 'scalar':
      return value.scalar;
    case 'enum':
      return fullNameOf(value.enum);
    default:
      return fullNameOf(value.type);
  }
}

/** Enum values whose name is the enum's zero value. */
export function zeroValueName(en: protobuf.Enum): string | undefined {
  return Object.keys(en.values).find((name) => en.values[name] === 0);
}
