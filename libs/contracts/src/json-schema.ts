import type { DescEnum, DescMessage, Registry } from '@bufbuild/protobuf';
import type { JsonSchema } from './contract-types';
import { commentOf, fieldsOf, wrappedScalar, zeroValueName, type FieldShape, type ScalarName, type ValueShape, type WellKnownType } from './descriptors/shapes';

export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

const INT64_PATTERN = '^-?(0|[1-9][0-9]*)$';
const UINT64_PATTERN = '^(0|[1-9][0-9]*)$';

function scalarSchema(scalar: ScalarName): JsonSchema {
  switch (scalar) {
    case 'string':
      return { type: 'string' };
    case 'bool':
      return { type: 'boolean' };
    case 'bytes':
      return { type: 'string', contentEncoding: 'base64' };
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return { type: 'integer', format: 'int32', minimum: -2147483648, maximum: 2147483647 };
    case 'uint32':
    case 'fixed32':
      return { type: 'integer', format: 'uint32', minimum: 0, maximum: 4294967295 };
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return { type: ['string', 'integer'], format: 'int64', pattern: INT64_PATTERN };
    case 'uint64':
    case 'fixed64':
      return { type: ['string', 'integer'], format: 'uint64', pattern: UINT64_PATTERN, minimum: 0 };
    case 'float':
    case 'double':
      return { anyOf: [{ type: 'number', format: scalar }, { enum: ['NaN', 'Infinity', '-Infinity'] }] };
  }
}

function wellKnownSchema(wkt: WellKnownType): JsonSchema {
  const wrapped = wrappedScalar(wkt);
  if (wrapped) return scalarSchema(wrapped);
  switch (wkt) {
    case 'Timestamp':
      return { type: 'string', format: 'date-time' };
    case 'Duration':
      return { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]{1,9})?s$' };
    case 'FieldMask':
      return { type: 'string' };
    case 'Struct':
      return { type: 'object' };
    case 'ListValue':
      return { type: 'array' };
    case 'Value':
      return {};
    case 'NullValue':
      return { type: 'null' };
    case 'Empty':
      return { type: 'object', additionalProperties: false };
    case 'Any':
      return { type: 'object', required: ['@type'], properties: { '@type': { type: 'string' } } };
    default:
      throw new Error(`unsupported well-known type google.protobuf.${wkt as string}`);
  }
}

/**
 * Turns proto messages into JSON Schema (draft-07, which AsyncAPI schemas extend) describing
 * their proto3 JSON mapping, with the same rules the validator enforces. Message and enum
 * types are emitted once, as definitions referenced through `refPrefix`.
 */
export class JsonSchemaBuilder {
  /** Definitions by full proto name, in the order they were first needed. */
  readonly definitions = new Map<string, JsonSchema>();

  constructor(
    private readonly refPrefix: string,
    /** The registry the messages come from (it holds `leap/options.proto`). */
    private readonly registry: Registry,
  ) {}

  /** A `$ref` to the definition of a message or enum, adding the definition if needed. */
  ref(type: DescMessage | DescEnum): JsonSchema {
    const name = type.typeName;
    if (!this.definitions.has(name)) {
      this.definitions.set(name, {});
      this.definitions.set(name, type.kind === 'enum' ? this.enumSchema(type) : this.messageSchema(type));
    }
    return { $ref: `${this.refPrefix}${name}` };
  }

  enumSchema(en: DescEnum): JsonSchema {
    const schema: JsonSchema = { title: en.name, type: 'string', enum: en.values.map((v) => v.name) };
    const description = commentOf(en);
    if (description) schema.description = description;
    return schema;
  }

  messageSchema(type: DescMessage): JsonSchema {
    const fields = fieldsOf(type, this.registry);
    const properties: Record<string, JsonSchema> = {};
    for (const field of fields) properties[field.jsonName] = this.fieldSchema(field);
    const schema: JsonSchema = { title: type.name, type: 'object' };
    const description = commentOf(type);
    if (description) schema.description = description;
    schema.properties = properties;
    const required = fields.filter((f) => f.required).map((f) => f.jsonName);
    if (required.length > 0) schema.required = required;
    schema.additionalProperties = false;
    const exclusive: JsonSchema[] = [];
    const oneofs = [...new Set(fields.map((f) => f.oneof).filter((n): n is string => n !== undefined))];
    for (const oneof of oneofs) {
      const members = fields.filter((f) => f.oneof === oneof).map((f) => f.jsonName);
      for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j < members.length; j++) exclusive.push({ not: { required: [members[i], members[j]] } });
      }
    }
    if (exclusive.length > 0) schema.allOf = exclusive;
    return schema;
  }

  private valueSchema(value: ValueShape): JsonSchema {
    switch (value.kind) {
      case 'scalar':
        return scalarSchema(value.scalar);
      case 'wkt':
        return wellKnownSchema(value.wkt);
      case 'enum':
        return this.ref(value.enum);
      case 'message':
        return this.ref(value.type);
    }
  }

  private fieldSchema(field: FieldShape): JsonSchema {
    const value = this.valueSchema(field.value);
    let schema: JsonSchema;
    if (field.mapKey) {
      schema = { type: 'object', additionalProperties: value };
      if (field.mapKey !== 'string') {
        schema.propertyNames = field.mapKey === 'bool' ? { enum: ['true', 'false'] } : { pattern: INT64_PATTERN };
      }
      if (field.required) schema.minProperties = 1;
    } else if (field.repeated) {
      schema = { type: 'array', items: value };
      if (field.required) schema.minItems = 1;
    } else if ('$ref' in value) {
      schema = { allOf: [value] };
      if (field.required && field.value.kind === 'enum') {
        const zero = zeroValueName(field.value.enum);
        if (zero) schema.not = { const: zero };
      }
    } else {
      schema = { ...value };
      if (field.required && schema.type === 'string' && !('format' in schema)) schema.minLength = 1;
    }
    if (field.comment) return { description: field.comment, ...schema };
    return schema;
  }
}

/** A self-contained JSON Schema of a message: nested types under `definitions`. */
export function jsonSchemaOfType(type: DescMessage, registry: Registry, id?: string): JsonSchema {
  const builder = new JsonSchemaBuilder('#/definitions/', registry);
  const root = builder.messageSchema(type);
  const definitions = Object.fromEntries(builder.definitions);
  const schema: JsonSchema = { $schema: JSON_SCHEMA_DRAFT };
  if (id) schema.$comment = `Payload of ${id} (${type.typeName}), in the proto3 JSON mapping.`;
  Object.assign(schema, root);
  if (builder.definitions.size > 0) schema.definitions = definitions;
  return schema;
}
