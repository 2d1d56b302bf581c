import { fromJson, type DescEnum, type DescMessage, type JsonReadOptions, type JsonValue, type Registry } from '@bufbuild/protobuf';
import { isFieldError } from '@bufbuild/protobuf/reflect';
import { fieldsOf, zeroValueName, type FieldShape, type ScalarName } from '../descriptors/shapes';

/** Problems found in a proto3-JSON payload, each prefixed by its path; empty when valid. */
export type Validator = (data: unknown) => string[];

/*
 * A payload is valid when `@bufbuild/protobuf` parses it with `fromJson` (unknown fields
 * rejected) and it passes LEAP's own rules, which are stricter than a proto3 JSON parser has
 * to be. The parser accepts, as the proto3 JSON spec tells parsers to, several spellings that
 * LEAP producers never write and that would make the bus carry two shapes of one message:
 *
 * - proto field names (`size_bytes`) besides the JSON names: LEAP accepts JSON names only;
 * - `null` for "absent": LEAP payloads leave an absent field out (null only in google.protobuf.Value);
 * - numbers as strings (`"5"`, `"0.5"`) and enums as numbers: LEAP writes numbers and enum names;
 * - `"NaN"`, `"Infinity"` and `"-Infinity"` for float and double: LEAP payloads hold finite numbers;
 * - 64-bit integers as JSON numbers beyond 2^53, whose exact value JSON.parse has already lost;
 * - calendar-impossible timestamps (`2025-02-29`, `24:00:00`), which the parser rolls over.
 *
 * And one rule proto3 has no notion of: `(leap.required)`, a field that must be present and
 * not empty. JavaScript producers may also leave a property `undefined`; it is absent, as
 * JSON.stringify makes it on the wire.
 */

const NUMBER_SCALARS = new Set<ScalarName>(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'float', 'double']);
const INT64_SCALARS = new Set<ScalarName>(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const WRAPPED_NUMBERS: Record<string, ScalarName> = { DoubleValue: 'double', FloatValue: 'float', Int32Value: 'int32', UInt32Value: 'uint32', Int64Value: 'int64', UInt64Value: 'uint64' };
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A short rendering of a value for problem messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function mapKeyPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A timestamp the parser would accept but that names no real instant. */
function impossibleTimestamp(value: string): boolean {
  const m = TIMESTAMP.exec(value);
  if (!m) return false; // the parser reports the format
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    (m[7] === undefined || (Number(m[7]) < 24 && Number(m[8]) < 60));
  return !valid;
}

/** JSON.stringify would drop or rewrite it: undefined, NaN, Infinity, functions. */
function jsonProblem(value: unknown, depth = 0): string | undefined {
  if (depth > 64) return 'nested too deeply';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `expected a JSON value, got ${value}`;
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonProblem(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    for (const key in value) {
      const problem = jsonProblem((value as Record<string, unknown>)[key], depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return `expected a JSON value, got ${describeValue(value)}`;
}

function enumProblem(en: DescEnum, value: unknown): string | undefined {
  if (typeof value === 'string' && en.values.some((v) => v.name === value)) return undefined;
  const names = en.values.map((v) => v.name);
  const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
  return `expected ${en.typeName} value name (${shown}), got ${describeValue(value)}`;
}

function scalarProblem(scalar: ScalarName, value: unknown): string | undefined {
  if (NUMBER_SCALARS.has(scalar) && typeof value === 'string') {
    const finite = scalar === 'float' || scalar === 'double' ? ' (a finite one: LEAP payloads never hold "NaN" or "Infinity")' : '';
    return `expected ${scalar} as a JSON number${finite}, got ${describeValue(value)}`;
  }
  if (INT64_SCALARS.has(scalar) && typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return `${scalar} beyond 2^53 must be a decimal string, got ${value}`;
  }
  return undefined;
}

/** LEAP's rule for one element (or the single value) of a field whose value is not a message of ours. */
function valueProblem(field: FieldShape, value: unknown): string | undefined {
  const shape = field.value;
  switch (shape.kind) {
    case 'scalar':
      return scalarProblem(shape.scalar, value);
    case 'enum':
      return enumProblem(shape.enum, value);
    case 'wkt':
      if (shape.wkt in WRAPPED_NUMBERS) return scalarProblem(WRAPPED_NUMBERS[shape.wkt], value);
      if (shape.wkt === 'Timestamp' && typeof value === 'string' && impossibleTimestamp(value)) {
        return `expected RFC 3339 timestamp string such as "2025-01-31T12:00:00Z", got the impossible time ${describeValue(value)}`;
      }
      if (shape.wkt === 'Struct' || shape.wkt === 'ListValue' || shape.wkt === 'Value') return value === undefined ? 'expected a JSON value, got undefined' : jsonProblem(value);
      return undefined;
    case 'message':
      return undefined;
  }
}

function requiredProblem(field: FieldShape, value: unknown): string | undefined {
  if (field.mapKey) return isPlainObject(value) && Object.keys(value).length === 0 ? 'required field has no entries' : undefined;
  if (field.repeated) return Array.isArray(value) && value.length === 0 ? 'required field has no entries' : undefined;
  const shape = field.value;
  if (value === '' && (shape.kind === 'scalar' || (shape.kind === 'wkt' && (shape.wkt === 'StringValue' || shape.wkt === 'BytesValue')))) return 'required field is empty';
  if (shape.kind === 'enum') {
    const zero = zeroValueName(shape.enum);
    if (zero !== undefined && value === zero) return `required field must not be ${zero}`;
  }
  return undefined;
}

/** What one message type needs for the walk, prepared once. */
interface Prepared {
  type: DescMessage;
  fields: FieldShape[];
  byJsonName: Map<string, FieldShape>;
  /** Proto names (`size_bytes`) that are not also JSON names, to point to the JSON name. */
  protoNames: Map<string, string>;
}

class Walker {
  private readonly prepared = new Map<DescMessage, Prepared>();
  private readonly options: Partial<JsonReadOptions>;

  constructor(private readonly registry: Registry) {
    this.options = { ignoreUnknownFields: false, registry };
  }

  prepare(type: DescMessage): Prepared {
    let p = this.prepared.get(type);
    if (!p) {
      const fields = fieldsOf(type, this.registry);
      p = {
        type,
        fields,
        byJsonName: new Map(fields.map((f) => [f.jsonName, f])),
        protoNames: new Map(fields.filter((f) => f.name !== f.jsonName).map((f) => [f.name, f.jsonName])),
      };
      this.prepared.set(type, p);
    }
    return p;
  }

  /** The parser's words for part of a message, when it refuses it; used to put a parse error under its path. */
  parseProblem(type: DescMessage, part: Record<string, unknown>): string | undefined {
    try {
      fromJson(type, part as JsonValue, this.options);
      return undefined;
    } catch (error) {
      return parserWords(error as Error);
    }
  }

  /**
   * LEAP's rules over a message object at `path`. With `diagnose`, also parses each field
   * that is not a message of ours on its own, so a parse error is reported under its field's path.
   */
  walk(type: DescMessage, value: unknown, path: string, out: string[], diagnose: boolean): void {
    const p = this.prepare(type);
    if (!isPlainObject(value)) {
      out.push(`${path === '' ? 'payload' : path}: expected object (${type.typeName}), got ${describeValue(value)}`);
      return;
    }
    for (const field of p.fields) {
      const v = value[field.jsonName];
      const at = childPath(path, field.jsonName);
      if (v === undefined) {
        if (field.required) out.push(`${at}: required field is missing`);
        continue;
      }
      if (v === null && !(field.value.kind === 'wkt' && (field.value.wkt === 'Value' || field.value.wkt === 'NullValue') && !field.repeated && !field.mapKey)) {
        out.push(`${at}: null is not a value here; leave an absent field out`);
        continue;
      }
      const before = out.length;
      this.fieldValue(p, field, v, at, out, diagnose);
      if (field.required && out.length === before) {
        const problem = requiredProblem(field, v);
        if (problem) out.push(`${at}: ${problem}`);
      }
    }
    if (diagnose) {
      // Each field was parsed alone; members of one oneof are parsed together.
      for (const oneof of type.oneofs) {
        const set = p.fields.filter((f) => f.field.oneof === oneof && value[f.jsonName] !== undefined);
        if (set.length < 2) continue;
        const problem = this.parseProblem(type, Object.fromEntries(set.map((f) => [f.jsonName, value[f.jsonName]])));
        if (problem) out.push(`${childPath(path, oneof.name)}: ${problem}`);
      }
    }
    for (const key in value) {
      if (p.byJsonName.has(key) || value[key] === undefined) continue;
      const jsonName = p.protoNames.get(key);
      out.push(`${childPath(path, key)}: unknown field${jsonName ? ` (the JSON name is ${jsonName})` : ` in ${type.typeName}`}`);
    }
  }

  private fieldValue(p: Prepared, field: FieldShape, v: unknown, at: string, out: string[], diagnose: boolean): void {
    const nested = field.value.kind === 'message' ? field.value.type : undefined;
    if (field.mapKey || field.repeated) {
      const entries: Array<[string, unknown]> | undefined = field.mapKey
        ? isPlainObject(v)
          ? Object.entries(v).map(([key, item]) => [mapKeyPath(at, key), item])
          : undefined
        : Array.isArray(v)
          ? v.map((item, i) => [`${at}[${i}]`, item])
          : undefined;
      if (!entries) {
        out.push(`${at}: expected ${field.mapKey ? 'object (map)' : 'array'}, got ${describeValue(v)}`);
        return;
      }
      const before = out.length;
      for (const [itemPath, item] of entries) {
        if (nested) this.walk(nested, item, itemPath, out, diagnose);
        else if (item === null || item === undefined) out.push(`${itemPath}: expected a value, got ${describeValue(item)}`);
        else {
          const problem = valueProblem(field, item);
          if (problem) out.push(`${itemPath}: ${problem}`);
        }
      }
      // Map keys and the elements' own values are the parser's: it reads them with the field
      // (messages emptied, as they were walked above).
      if (diagnose && (nested || out.length === before)) this.parse(p, field, nested ? emptied(field, v) : v, at, out);
      return;
    }
    if (nested) {
      this.walk(nested, v, at, out, diagnose);
      return;
    }
    const problem = valueProblem(field, v);
    if (problem) out.push(`${at}: ${problem}`);
    else if (diagnose) this.parse(p, field, v, at, out);
  }

  private parse(p: Prepared, field: FieldShape, v: unknown, at: string, out: string[]): void {
    const problem = this.parseProblem(p.type, { [field.jsonName]: v });
    if (!problem) return;
    // The parser numbers list items from 1 and quotes map keys; the path says them as JSON does.
    const item = /^list item #(\d+): ([\s\S]*)$/.exec(problem);
    const entry = /^map entry ("(?:[^"\\]|\\.)*"): ([\s\S]*)$/.exec(problem);
    if (item) {
      const index = Number(item[1]) - 1;
      out.push(`${at}[${index}]: ${int64Words(item[2], (v as unknown[])[index])}`);
    } else if (entry) {
      const key = JSON.parse(entry[1]) as string;
      out.push(`${mapKeyPath(at, key)}: ${int64Words(entry[2], (v as Record<string, unknown>)[key])}`);
    } else out.push(`${at}: ${int64Words(problem, v)}`);
  }
}

/** What the parser says: its field errors name the field, which the path already does. */
function parserWords(error: Error): string {
  const cause = error.cause;
  return isFieldError(cause) ? cause.message : error.message.replace(/^cannot decode (?:message |enum )?(\S+) from JSON:? /, 'invalid $1: ');
}

/** The parser calls a 64-bit integer a bigint, which JSON has not, and shows the value without quotes. */
function int64Words(words: string, value: unknown): string {
  return words
    .replace(/expected bigint \((\w+)\): (.*) out of range$/, (_, type: string, shown: string) =>
      /^-?[0-9]+$/.test(shown) ? `${type} out of range, got ${shown}` : `expected ${type} as a decimal string, got ${describeValue(value)}`,
    )
    .replace(/expected bigint \((\w+)\)/, 'expected $1 as a decimal string');
}

/** A list or map of messages with each message emptied: the parser then checks only the container and its keys. */
function emptied(field: FieldShape, v: unknown): unknown {
  if (field.mapKey) return Object.fromEntries(Object.keys(v as object).map((key) => [key, {}]));
  return (v as unknown[]).map(() => ({}));
}

/** Whether JSON.stringify would drop something, so the parser must see the payload as it travels. */
function hasUndefined(value: unknown, depth = 0): boolean {
  if (depth > 64 || value === null || typeof value !== 'object') return value === undefined;
  if (Array.isArray(value)) return value.some((item) => hasUndefined(item, depth + 1));
  for (const key in value) if (hasUndefined((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/**
 * A validator factory over the descriptors of `registry` (which must hold `leap/options.proto`
 * for `(leap.required)`). Each validator parses a payload with `@bufbuild/protobuf`'s strict
 * `fromJson` and applies LEAP's rules (see above). A valid payload costs one walk and one
 * parse; only a refused payload is parsed field by field, so that every problem is reported
 * at once under its path.
 */
export function createValidatorFactory(registry: Registry): (type: DescMessage) => Validator {
  const walker = new Walker(registry);
  const options: Partial<JsonReadOptions> = { ignoreUnknownFields: false, registry };
  return (type) => (data) => {
    const out: string[] = [];
    walker.walk(type, data, '', out, false);
    if (out.length > 0) {
      const all: string[] = [];
      walker.walk(type, data, '', all, true);
      return all;
    }
    try {
      fromJson(type, (hasUndefined(data) ? JSON.parse(JSON.stringify(data)) : data) as JsonValue, options);
      return out;
    } catch (error) {
      walker.walk(type, data, '', out, true);
      if (out.length === 0) out.push(`payload: ${parserWords(error as Error)}`);
      return out;
    }
  };
}
