import type * as protobuf from 'protobufjs';
import { fieldsOf, fullNameOf, wrappedScalar, zeroValueName, type FieldShape, type ScalarType, type ValueShape, type WellKnownType } from '../proto/reflect';

/** Problems found in a proto3-JSON payload, each prefixed by its path; empty when valid. */
export type Validator = (data: unknown) => string[];

/** Checks one value; returns what is wrong with it (without the path), or undefined. */
type ValueCheck = (value: unknown) => string | undefined;
/** Checks one value that has structure inside, reporting problems at `path` and below. */
type DeepCheck = (value: unknown, path: string, out: string[]) => void;

const INT_SIGNED = /^-?(0|[1-9][0-9]*)$/;
const INT_UNSIGNED = /^(0|[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const FLOAT_MAX = 3.4028234663852886e38;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_URL = /^[A-Za-z0-9_-]*$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
const DURATION = /^-?(\d+)(?:\.\d{1,9})?s$/;
const DURATION_MAX_SECONDS = 315_576_000_000;
const FIELD_MASK = /^(?:[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*(?:,[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*)*)?$/;
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

function expected(what: string): ValueCheck {
  return (value) => `expected ${what}, got ${describeValue(value)}`;
}

function int32Check(scalar: ScalarType, min: number, max: number): ValueCheck {
  const wrong = expected(`${scalar} integer`);
  return (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return wrong(value);
    if (value < min || value > max) return `${scalar} out of range [${min}, ${max}], got ${value}`;
    return undefined;
  };
}

function int64Check(scalar: ScalarType, signed: boolean): ValueCheck {
  const pattern = signed ? INT_SIGNED : INT_UNSIGNED;
  const min = signed ? INT64_MIN : 0n;
  const max = signed ? INT64_MAX : UINT64_MAX;
  const wrong = expected(signed ? `${scalar} string or integer` : `${scalar} string or non-negative integer`);
  return (value) => {
    if (typeof value === 'string') {
      if (!pattern.test(value)) return wrong(value);
      if (value.length >= 19) {
        const big = BigInt(value);
        if (big < min || big > max) return `${scalar} out of range, got ${describeValue(value)}`;
      }
      return undefined;
    }
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || (!signed && value < 0)) return wrong(value);
      if (!Number.isSafeInteger(value)) return `${scalar} beyond 2^53 must be a string, got ${value}`;
      return undefined;
    }
    return wrong(value);
  };
}

function floatCheck(scalar: 'float' | 'double'): ValueCheck {
  const wrong = expected(`${scalar} number (or "NaN", "Infinity", "-Infinity")`);
  return (value) => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return wrong(value);
      if (scalar === 'float' && Math.abs(value) > FLOAT_MAX) return `float out of range, got ${value}`;
      return undefined;
    }
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return undefined;
    return wrong(value);
  };
}

const SCALAR_CHECKS: Record<ScalarType, ValueCheck> = {
  string: (value) => (typeof value === 'string' ? undefined : `expected string, got ${describeValue(value)}`),
  bool: (value) => (typeof value === 'boolean' ? undefined : `expected boolean, got ${describeValue(value)}`),
  bytes: (value) =>
    typeof value === 'string' && (BASE64.test(value) || (BASE64_URL.test(value) && value.length % 4 !== 1))
      ? undefined
      : `expected base64 string, got ${describeValue(value)}`,
  int32: int32Check('int32', -2147483648, 2147483647),
  sint32: int32Check('sint32', -2147483648, 2147483647),
  sfixed32: int32Check('sfixed32', -2147483648, 2147483647),
  uint32: int32Check('uint32', 0, 4294967295),
  fixed32: int32Check('fixed32', 0, 4294967295),
  int64: int64Check('int64', true),
  sint64: int64Check('sint64', true),
  sfixed64: int64Check('sfixed64', true),
  uint64: int64Check('uint64', false),
  fixed64: int64Check('fixed64', false),
  float: floatCheck('float'),
  double: floatCheck('double'),
};

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const TIMESTAMP_WRONG = 'expected RFC 3339 timestamp string such as "2025-01-31T12:00:00Z"';

function checkTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return `${TIMESTAMP_WRONG}, got ${describeValue(value)}`;
  const m = TIMESTAMP.exec(value);
  if (!m) return `${TIMESTAMP_WRONG}, got ${describeValue(value)}`;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const valid =
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    Number(m[4]) < 24 &&
    Number(m[5]) < 60 &&
    Number(m[6]) < 60 &&
    (m[7] === undefined || (Number(m[7]) < 24 && Number(m[8]) < 60));
  return valid ? undefined : `${TIMESTAMP_WRONG}, got the impossible time ${describeValue(value)}`;
}

function checkDuration(value: unknown): string | undefined {
  const wrong = `expected duration string such as "1.5s", got ${describeValue(value)}`;
  if (typeof value !== 'string') return wrong;
  const m = DURATION.exec(value);
  if (!m) return wrong;
  return Number(m[1]) > DURATION_MAX_SECONDS ? `duration out of range, got ${describeValue(value)}` : undefined;
}

/** A value that JSON can carry: no undefined, functions, non-finite numbers or class instances. */
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wellKnownCheck(wkt: WellKnownType): ValueCheck {
  const wrapped = wrappedScalar(wkt);
  if (wrapped) return SCALAR_CHECKS[wrapped];
  switch (wkt) {
    case 'Timestamp':
      return checkTimestamp;
    case 'Duration':
      return checkDuration;
    case 'FieldMask':
      return (value) =>
        typeof value === 'string' && FIELD_MASK.test(value) ? undefined : `expected field mask string such as "title,sizeBytes", got ${describeValue(value)}`;
    case 'Struct':
      return (value) => (isPlainObject(value) ? jsonProblem(value) : `expected object, got ${describeValue(value)}`);
    case 'ListValue':
      return (value) => (Array.isArray(value) ? jsonProblem(value) : `expected array, got ${describeValue(value)}`);
    case 'Value':
      return (value) => (value === undefined ? 'expected a JSON value, got undefined' : jsonProblem(value));
    case 'NullValue':
      return (value) => (value === null ? undefined : `expected null, got ${describeValue(value)}`);
    case 'Empty':
      return (value) => {
        if (!isPlainObject(value)) return `expected empty object, got ${describeValue(value)}`;
        for (const key in value) return `expected empty object, got field ${JSON.stringify(key)}`;
        return undefined;
      };
    case 'Any':
      return (value) =>
        isPlainObject(value) && typeof value['@type'] === 'string' ? undefined : `expected object with an "@type" string, got ${describeValue(value)}`;
    default:
      throw new Error(`unsupported well-known type google.protobuf.${wkt as string}`);
  }
}

function enumCheck(en: protobuf.Enum): ValueCheck {
  const names = Object.keys(en.values);
  const known = new Set(names);
  const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
  const wrong = `expected ${fullNameOf(en)} value name (${shown})`;
  return (value) => (typeof value === 'string' && known.has(value) ? undefined : `${wrong}, got ${describeValue(value)}`);
}

function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function mapKeyPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function mapKeyCheck(key: ScalarType): ValueCheck | undefined {
  switch (key) {
    case 'string':
      return undefined;
    case 'bool':
      return (k) => (k === 'true' || k === 'false' ? undefined : `map key must be "true" or "false", got ${describeValue(k)}`);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return (k) => SCALAR_CHECKS[key](k) && `map key must be a ${key} in decimal, got ${describeValue(k)}`;
    default: {
      const check = SCALAR_CHECKS[key];
      return (k) => {
        const s = k as string;
        const n = INT_SIGNED.test(s) ? Number(s) : NaN;
        return Number.isNaN(n) || check(n) ? `map key must be a ${key} in decimal, got ${describeValue(k)}` : undefined;
      };
    }
  }
}

/** Compiles validators, once per message type; recursive types share one entry. */
class ValidatorCompiler {
  private readonly messages = new Map<protobuf.Type, DeepCheck>();

  messageCheck(type: protobuf.Type): DeepCheck {
    const cached = this.messages.get(type);
    if (cached) return cached;
    let compiled: DeepCheck | undefined;
    // Registered before compiling so a self-referencing type finds itself.
    const trampoline: DeepCheck = (value, path, out) => compiled!(value, path, out);
    this.messages.set(type, trampoline);
    compiled = this.compileMessage(type);
    this.messages.set(type, compiled);
    return compiled;
  }

  private valueCheck(shape: ValueShape): DeepCheck {
    switch (shape.kind) {
      case 'message':
        return this.messageCheck(shape.type);
      case 'scalar':
        return leaf(SCALAR_CHECKS[shape.scalar]);
      case 'enum':
        return leaf(enumCheck(shape.enum));
      case 'wkt':
        return leaf(wellKnownCheck(shape.wkt));
    }
  }

  private fieldCheck(field: FieldShape): DeepCheck {
    const value = this.valueCheck(field.value);
    if (field.mapKey) {
      const keyCheck = mapKeyCheck(field.mapKey);
      return (map, path, out) => {
        if (!isPlainObject(map)) {
          out.push(`${path}: expected object (map), got ${describeValue(map)}`);
          return;
        }
        for (const key in map) {
          const entryPath = mapKeyPath(path, key);
          const keyProblem = keyCheck?.(key);
          if (keyProblem) out.push(`${entryPath}: ${keyProblem}`);
          value(map[key], entryPath, out);
        }
      };
    }
    if (field.repeated) {
      return (list, path, out) => {
        if (!Array.isArray(list)) {
          out.push(`${path}: expected array, got ${describeValue(list)}`);
          return;
        }
        for (let i = 0; i < list.length; i++) value(list[i], `${path}[${i}]`, out);
      };
    }
    return value;
  }

  private leafCheck(field: FieldShape): ValueCheck | undefined {
    if (field.mapKey || field.repeated) return undefined;
    switch (field.value.kind) {
      case 'scalar':
        return SCALAR_CHECKS[field.value.scalar];
      case 'enum':
        return enumCheck(field.value.enum);
      case 'wkt':
        return wellKnownCheck(field.value.wkt);
      default:
        return undefined;
    }
  }

  private requiredCheck(field: FieldShape): ValueCheck | undefined {
    if (!field.required) return undefined;
    if (field.mapKey) return (v) => (Object.keys(v as object).length === 0 ? 'required field has no entries' : undefined);
    if (field.repeated) return (v) => ((v as unknown[]).length === 0 ? 'required field has no entries' : undefined);
    if (field.value.kind === 'scalar' && (field.value.scalar === 'string' || field.value.scalar === 'bytes')) {
      return (v) => (v === '' ? 'required field is empty' : undefined);
    }
    if (field.value.kind === 'wkt' && (field.value.wkt === 'StringValue' || field.value.wkt === 'BytesValue')) {
      return (v) => (v === '' ? 'required field is empty' : undefined);
    }
    if (field.value.kind === 'enum') {
      const zero = zeroValueName(field.value.enum);
      if (zero) return (v) => (v === zero ? `required field must not be ${zero}` : undefined);
    }
    return undefined;
  }

  private compileMessage(type: protobuf.Type): DeepCheck {
    const typeName = fullNameOf(type);
    interface Compiled {
      jsonName: string;
      /** A single value with nothing inside: checked without building its path first. */
      leaf?: ValueCheck;
      check: DeepCheck;
      missing?: string;
      required?: ValueCheck;
      oneof?: number;
    }
    const shapes = fieldsOf(type);
    const oneofNames = [...new Set(shapes.map((f) => f.oneof).filter((n): n is string => n !== undefined))];
    const oneofMembers = oneofNames.map((name) => shapes.filter((f) => f.oneof === name).map((f) => f.jsonName));
    const fields: Compiled[] = shapes.map((shape) => {
      const leafCheck = this.leafCheck(shape);
      return {
        jsonName: shape.jsonName,
        leaf: leafCheck,
        check: leafCheck ? NO_CHECK : this.fieldCheck(shape),
        missing: shape.required ? 'required field is missing' : undefined,
        required: this.requiredCheck(shape),
        oneof: shape.oneof === undefined ? undefined : oneofNames.indexOf(shape.oneof),
      };
    });
    const known: Record<string, true> = Object.create(null);
    for (const f of fields) known[f.jsonName] = true;
    // Proto names (`size_bytes`) are rejected with a pointer to the JSON name.
    const hints: Record<string, string> = Object.create(null);
    for (const shape of shapes) {
      const snake = shape.name.includes('_') ? shape.name : shape.jsonName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      if (snake !== shape.jsonName) hints[snake] = shape.jsonName;
    }
    const notObject = `expected object (${typeName})`;
    const oneofCount = oneofNames.length;

    return (value, path, out) => {
      if (!isPlainObject(value)) {
        out.push(`${path === '' ? 'payload' : path}: ${notObject}, got ${describeValue(value)}`);
        return;
      }
      let seen: number[] | undefined;
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i];
        const v = value[field.jsonName];
        if (v === undefined) {
          if (field.missing) out.push(`${childPath(path, field.jsonName)}: ${field.missing}`);
          continue;
        }
        const before = out.length;
        if (field.leaf) {
          const problem = field.leaf(v);
          if (problem !== undefined) out.push(`${childPath(path, field.jsonName)}: ${problem}`);
        } else field.check(v, childPath(path, field.jsonName), out);
        if (field.required && out.length === before) {
          const problem = field.required(v);
          if (problem) out.push(`${childPath(path, field.jsonName)}: ${problem}`);
        }
        if (field.oneof !== undefined) {
          seen ??= new Array<number>(oneofCount).fill(0);
          seen[field.oneof]++;
        }
      }
      if (seen) {
        for (let o = 0; o < oneofCount; o++) {
          if (seen[o] > 1) {
            const set = oneofMembers[o].filter((name) => value[name] !== undefined);
            out.push(`${childPath(path, oneofNames[o])}: only one of ${set.join(', ')} may be set`);
          }
        }
      }
      for (const key in value) {
        if (known[key] === true) continue;
        if (value[key] === undefined) continue;
        const hint = hints[key];
        out.push(`${childPath(path, key)}: unknown field${hint ? ` (the JSON name is ${hint})` : ` in ${typeName}`}`);
      }
    };
  }
}

const NO_CHECK: DeepCheck = () => undefined;

function leaf(check: ValueCheck): DeepCheck {
  return (value, path, out) => {
    const problem = check(value);
    if (problem !== undefined) out.push(`${path}: ${problem}`);
  };
}

/**
 * Builds the validator of a message type: a tree of closures prepared once, so validating a
 * payload walks the payload, never the proto reflection. Checks the proto3 JSON mapping
 * strictly: JSON (lowerCamelCase) names only, unknown fields rejected, enums by name, 64-bit
 * integers as decimal strings (or safe integers), Timestamps as RFC 3339 strings, at most one
 * member of a oneof, and `(leap.required)` fields present and not empty.
 */
export function compileValidator(type: protobuf.Type): Validator {
  return createValidatorFactory()(type);
}

/** A validator factory whose compiled types are shared between the validators it builds. */
export function createValidatorFactory(): (type: protobuf.Type) => Validator {
  const compiler = new ValidatorCompiler();
  return (type) => {
    const check = compiler.messageCheck(type);
    return (data) => {
      const out: string[] = [];
      check(data, '', out);
      return out;
    };
  };
}
