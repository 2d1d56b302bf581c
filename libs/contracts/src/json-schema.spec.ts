import Ajv from 'ajv';
import type { JsonSchema } from './contract-types';
import { catalog, jsonSchemaFor } from './default-catalog';

type Json = any;

/** Resolves `#/definitions/...` references of a self-contained schema. */
function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (typeof schema.$ref === 'string') return resolve((root.definitions as Record<string, JsonSchema>)[schema.$ref.replace('#/definitions/', '')], root);
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1 && !schema.properties) return resolve(schema.allOf[0] as JsonSchema, root);
  return schema;
}

/** A valid instance of a schema, every optional property filled in (one member per oneof). */
function sample(schema: JsonSchema, root: JsonSchema): Json {
  const s = resolve(schema, root);
  if (Array.isArray(s.enum)) return s.enum[s.enum.length - 1];
  if (Array.isArray(s.anyOf)) return 1.5;
  const type = s.type;
  if (Array.isArray(type)) return '42';
  switch (type) {
    case 'string':
      return s.format === 'date-time' ? '2025-01-31T12:00:00Z' : 'text';
    case 'integer':
      return 7;
    case 'boolean':
      return true;
    case 'array':
      return [sample(s.items as JsonSchema, root)];
    case 'object': {
      // A map has additionalProperties; a google.protobuf.Struct is any JSON object.
      if (!s.properties) return s.additionalProperties ? { key: sample(s.additionalProperties as JsonSchema, root) } : { key: 'any JSON' };
      const exclusive = new Set(((s.allOf as JsonSchema[] | undefined) ?? []).map((rule) => ((rule.not as JsonSchema).required as string[])[1]));
      const out: Record<string, Json> = {};
      for (const [name, child] of Object.entries(s.properties as Record<string, JsonSchema>)) if (!exclusive.has(name)) out[name] = sample(child, root);
      return out;
    }
    default:
      throw new Error(`no sample for ${JSON.stringify(s)}`);
  }
}

/** Wrong values for a property of the given schema. */
function wrongValues(schema: JsonSchema, root: JsonSchema): Json[] {
  const s = resolve(schema, root);
  if (Array.isArray(s.enum)) return ['NOT_A_VALUE', 3];
  if (Array.isArray(s.anyOf)) return ['1.5', true];
  if (Array.isArray(s.type)) return ['4.2', true, 1.5];
  switch (s.type) {
    case 'string':
      return s.format === 'date-time' ? [1738324800, '31.01.2025'] : [5, null];
    case 'integer':
      return ['7', 1.5, 2 ** 40];
    case 'boolean':
      return ['true', 0];
    case 'array':
      return ['x', [null]];
    default:
      return ['x', []];
  }
}

describe('JSON Schemas of the contracts', () => {
  const ajv = new Ajv({ allErrors: true, format: 'full' });
  // Width annotations of numbers; the ranges and patterns beside them do the checking.
  for (const format of ['int32', 'uint32', 'int64', 'uint64', 'float', 'double']) ajv.addFormat(format, () => true);

  it('agree with the validators on valid payloads and on each kind of mistake', () => {
    let cases = 0;
    for (const def of catalog.all()) {
      const schema = jsonSchemaFor(def.type);
      const check = ajv.compile(schema);
      const agree = (payload: Json, label: string): void => {
        cases++;
        const fromSchema = check(payload) === true;
        const fromValidator = def.validate(payload).length === 0;
        expect({ type: def.type, label, fromSchema }).toEqual({ type: def.type, label, fromSchema: fromValidator });
      };
      const valid = sample(schema, schema);
      agree(valid, 'every field set');
      expect(def.validate(valid)).toEqual([]);
      agree({ ...valid, notAField: 1 }, 'unknown field');
      for (const [name, property] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
        const { [name]: _removed, ...without } = valid;
        agree(without, `without ${name}`);
        for (const wrong of wrongValues(property, schema)) agree({ ...valid, [name]: wrong }, `${name} = ${JSON.stringify(wrong)}`);
      }
      const required = (schema.required as string[] | undefined) ?? [];
      agree(Object.fromEntries(Object.entries(valid).filter(([name]) => required.includes(name))), 'required fields only');
    }
    expect(cases).toBeGreaterThan(500);
  });

  it('reject the zero value of required enums and empty required strings, like the validators', () => {
    const def = catalog.getOrThrow('media.processing.failed.v1');
    const check = ajv.compile(jsonSchemaFor(def.type));
    const payload = { recordingId: 'r', userId: 'u', stage: 'PIPELINE_STAGE_UNSPECIFIED', error: { code: 'MEDIA.FFMPEG', message: '' } };
    expect(check(payload)).toBe(false);
    expect(def.validate(payload)).toEqual(['stage: required field must not be PIPELINE_STAGE_UNSPECIFIED', 'error.message: required field is empty']);
  });

  it('forbid both members of a oneof, like the validators', () => {
    const def = catalog.getOrThrow('publishing.recording.published.v1');
    const check = ajv.compile(jsonSchemaFor(def.type));
    const base = { recordingId: 'r', userId: 'u', targetId: 't', platform: 'PLATFORM_YOUTUBE', publishedAt: '2025-01-31T12:00:00Z' };
    expect([check({ ...base, url: 'u' }), def.validate({ ...base, url: 'u' })]).toEqual([true, []]);
    expect([check({ ...base, url: 'u', location: 'l' }), def.validate({ ...base, url: 'u', location: 'l' }).length]).toEqual([false, 1]);
  });
});
