import { ScalarType, type DescEnum, type DescEnumValue, type DescField, type DescMessage, type DescOneof, type Registry } from '@bufbuild/protobuf';
import { leapOptionReader, type LeapOptionReader } from './leap-options';

/**
 * The proto3 JSON view of `@bufbuild/protobuf` descriptors that the catalogue, the strict
 * checks and the document generators share: what one field carries, under which JSON name,
 * and whether the LEAP options require it.
 */

export type ScalarName =
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

const SCALAR_NAMES: Record<ScalarType, ScalarName> = {
  [ScalarType.DOUBLE]: 'double',
  [ScalarType.FLOAT]: 'float',
  [ScalarType.INT32]: 'int32',
  [ScalarType.UINT32]: 'uint32',
  [ScalarType.SINT32]: 'sint32',
  [ScalarType.FIXED32]: 'fixed32',
  [ScalarType.SFIXED32]: 'sfixed32',
  [ScalarType.INT64]: 'int64',
  [ScalarType.UINT64]: 'uint64',
  [ScalarType.SINT64]: 'sint64',
  [ScalarType.FIXED64]: 'fixed64',
  [ScalarType.SFIXED64]: 'sfixed64',
  [ScalarType.BOOL]: 'bool',
  [ScalarType.STRING]: 'string',
  [ScalarType.BYTES]: 'bytes',
};

export function scalarName(scalar: ScalarType): ScalarName {
  return SCALAR_NAMES[scalar];
}

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

const WRAPPED: Record<string, ScalarName> = {
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
export function wrappedScalar(wkt: WellKnownType): ScalarName | undefined {
  return WRAPPED[wkt];
}

function wellKnown(desc: DescMessage | DescEnum): WellKnownType | undefined {
  return desc.typeName.startsWith('google.protobuf.') && WELL_KNOWN.has(desc.name) ? (desc.name as WellKnownType) : undefined;
}

/** The value part of a field: what one element (or one map value) is. */
export type ValueShape =
  | { kind: 'scalar'; scalar: ScalarName }
  | { kind: 'enum'; enum: DescEnum }
  | { kind: 'wkt'; wkt: WellKnownType }
  | { kind: 'message'; type: DescMessage };

export interface FieldShape {
  field: DescField;
  /** Name as written in the proto: `size_bytes`. */
  name: string;
  /** Name in the proto3 JSON mapping: `sizeBytes`. */
  jsonName: string;
  number: number;
  /** A repeated field (not a map). */
  repeated: boolean;
  /** Key scalar of a map field. */
  mapKey?: ScalarName;
  value: ValueShape;
  /** Marked `(leap.required)`. */
  required: boolean;
  /** proto3 `optional`. */
  optional: boolean;
  /** The real oneof the field belongs to (not the synthetic one of a proto3 `optional`). */
  oneof?: string;
  comment: string;
}

function valueShape(value: { message?: DescMessage; enum?: DescEnum; scalar?: ScalarType }): ValueShape {
  const target = value.message ?? value.enum;
  if (target) {
    const wkt = wellKnown(target);
    if (wkt) return { kind: 'wkt', wkt };
    return target.kind === 'enum' ? { kind: 'enum', enum: target } : { kind: 'message', type: target };
  }
  return { kind: 'scalar', scalar: scalarName(value.scalar!) };
}

function shapeOf(field: DescField, read: LeapOptionReader): FieldShape {
  const optional = field.proto.proto3Optional === true;
  let value: ValueShape;
  let mapKey: ScalarName | undefined;
  switch (field.fieldKind) {
    case 'map':
      mapKey = scalarName(field.mapKey);
      value = valueShape({ message: field.message, enum: field.enum, scalar: field.scalar });
      break;
    case 'list':
      value = valueShape({ message: field.message, enum: field.enum, scalar: field.scalar });
      break;
    case 'message':
      value = valueShape({ message: field.message });
      break;
    case 'enum':
      value = valueShape({ enum: field.enum });
      break;
    case 'scalar':
      value = valueShape({ scalar: field.scalar });
      break;
  }
  return {
    field,
    name: field.name,
    jsonName: field.jsonName,
    number: field.number,
    repeated: field.fieldKind === 'list',
    mapKey,
    value,
    required: read.required(field),
    optional,
    oneof: field.oneof && !optional ? field.oneof.name : undefined,
    comment: commentOf(field),
  };
}

const shapes = new WeakMap<DescMessage, FieldShape[]>();

/**
 * The fields of a message in declaration order. `registry` must hold `leap/options.proto` for
 * `(leap.required)` to be read; it is the registry the message comes from.
 */
export function fieldsOf(type: DescMessage, registry: Registry): FieldShape[] {
  let cached = shapes.get(type);
  if (!cached) {
    const read = leapOptionReader(registry);
    cached = type.fields.map((field) => shapeOf(field, read));
    shapes.set(type, cached);
  }
  return cached;
}

/** How a field's type reads in proto: `repeated leap.common.v1.ObjectRef`, `map<string, string>`. */
export function protoTypeOf(shape: FieldShape): string {
  const value = shape.value.kind === 'scalar' ? shape.value.scalar : shape.value.kind === 'enum' ? shape.value.enum.typeName : shape.value.kind === 'wkt' ? `google.protobuf.${shape.value.wkt}` : shape.value.type.typeName;
  if (shape.mapKey) return `map<${shape.mapKey}, ${value}>`;
  if (shape.repeated) return `repeated ${value}`;
  if (shape.optional) return `optional ${value}`;
  return value;
}

/** The name of an enum's zero value. */
export function zeroValueName(en: DescEnum): string | undefined {
  return en.values.find((v) => v.number === 0)?.name;
}

/** The package a message or enum is declared in (`leap.media.v1`). */
export function packageOf(desc: DescMessage | DescEnum): string {
  return desc.file.proto.package;
}

type Commented = DescMessage | DescEnum | DescEnumValue | DescField | DescOneof;

function sourcePath(desc: Commented): { file: DescMessage['file']; path: number[] } {
  switch (desc.kind) {
    case 'message':
      return desc.parent
        ? { file: desc.file, path: [...sourcePath(desc.parent).path, 3, desc.parent.proto.nestedType.indexOf(desc.proto)] }
        : { file: desc.file, path: [4, desc.file.proto.messageType.indexOf(desc.proto)] };
    case 'enum':
      return desc.parent
        ? { file: desc.file, path: [...sourcePath(desc.parent).path, 4, desc.parent.proto.enumType.indexOf(desc.proto)] }
        : { file: desc.file, path: [5, desc.file.proto.enumType.indexOf(desc.proto)] };
    case 'enum_value':
      return { file: desc.parent.file, path: [...sourcePath(desc.parent).path, 2, desc.parent.proto.value.indexOf(desc.proto)] };
    case 'field':
      return { file: desc.parent.file, path: [...sourcePath(desc.parent).path, 2, desc.parent.proto.field.indexOf(desc.proto)] };
    case 'oneof':
      return { file: desc.parent.file, path: [...sourcePath(desc.parent).path, 8, desc.parent.proto.oneofDecl.indexOf(desc.proto)] };
  }
}

/**
 * The `//` comment directly above a declaration, one space of indentation removed from each
 * line. Empty when the descriptors carry no source info: `buf build` keeps it for the
 * generators, the descriptors embedded in the generated code leave it out.
 */
export function commentOf(desc: Commented): string {
  const { file, path } = sourcePath(desc);
  const location = file.proto.sourceCodeInfo?.location.find((l) => l.path.length === path.length && l.path.every((n, i) => n === path[i]));
  const text = location?.leadingComments ?? '';
  return text
    .split('\n')
    .map((line) => line.replace(/^ /, '').trimEnd())
    .join('\n')
    .trim();
}
