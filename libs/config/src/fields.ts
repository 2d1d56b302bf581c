import { z } from 'zod';
import { BYTE_SIZE_HINT, DURATION_HINT, parseByteSize, parseDuration } from './duration';

/**
 * What a configuration key carries besides its own parser. Attached to the field's schema object,
 * so it survives `baseConfigSchema.extend({...})` and is found again by `loadConfig`.
 */
export interface FieldMeta {
  /** The value is a secret: never echoed in messages, refused in production when weak. */
  secret?: { minLength: number };
  /** The key may be absent unless another key has one of the given values. */
  requiredWhen?: { key: string; values: readonly string[] };
  /** Computes the default from the other (already parsed) keys and the service name. */
  deriveDefault?: (config: Readonly<Record<string, unknown>>, context: { service: string }) => unknown;
}

const metaBySchema = new WeakMap<z.ZodTypeAny, FieldMeta>();

function mark<T extends z.ZodTypeAny>(schema: T, meta: FieldMeta): T {
  metaBySchema.set(schema, { ...metaBySchema.get(schema), ...meta });
  return schema;
}

function innerOf(schema: z.ZodTypeAny): z.ZodTypeAny | undefined {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return schema._def.innerType;
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodCatch || schema instanceof z.ZodReadonly) return schema._def.innerType;
  if (schema instanceof z.ZodEffects) return schema._def.schema;
  if (schema instanceof z.ZodBranded) return schema._def.type;
  if (schema instanceof z.ZodPipeline) return schema._def.in;
  return undefined;
}

/** The metadata of a field, looking through `.optional()`, `.default()` and similar wrappers (outer wins). */
export function fieldMeta(schema: z.ZodTypeAny): FieldMeta {
  const layers: FieldMeta[] = [];
  for (let current: z.ZodTypeAny | undefined = schema; current; current = innerOf(current)) {
    const meta = metaBySchema.get(current);
    if (meta) layers.unshift(meta);
  }
  return Object.assign({}, ...layers) as FieldMeta;
}

/** True when the field is marked with `secret()`. */
export function isSecretField(schema: z.ZodTypeAny): boolean {
  return fieldMeta(schema).secret !== undefined;
}

/**
 * Marks a key as a secret. Its value never appears in error messages or in `redactConfig`, and
 * with NODE_ENV=production it is refused when it still holds the `.env.example` placeholder
 * (anything containing `change-me`) or is shorter than `minLength`.
 */
export function secret<T extends z.ZodTypeAny>(schema: T, options: { minLength?: number } = {}): T {
  return mark(schema, { secret: { minLength: options.minLength ?? 0 } });
}

/**
 * An optional key that becomes required when `key` has one of `values`
 * (`RABBITMQ_URL` when `MESSAGING_TRANSPORT=amqp`).
 */
export function requiredWhen<T extends z.ZodTypeAny>(key: string, values: string | readonly string[], schema: T): z.ZodOptional<T> {
  return mark(schema.optional(), { requiredWhen: { key, values: typeof values === 'string' ? [values] : values } });
}

/**
 * A key whose default depends on other keys or on the service (`LOG_FORMAT` follows `NODE_ENV`,
 * `DATABASE_SCHEMA` follows the service name). The default is filled in by `loadConfig`.
 */
export function derivedDefault<T extends z.ZodTypeAny>(
  schema: T,
  derive: (config: Readonly<Record<string, unknown>>, context: { service: string }) => z.output<T>,
): z.ZodType<NonNullable<z.output<T>>, z.ZodTypeDef, z.input<T> | undefined> {
  return mark(schema.optional(), { deriveDefault: derive }) as unknown as z.ZodType<
    NonNullable<z.output<T>>,
    z.ZodTypeDef,
    z.input<T> | undefined
  >;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Issue parameters the loader reads: `missing` means the key is absent, `received` is the raw value. */
export interface FieldIssueParams {
  missing?: boolean;
  received?: unknown;
}

/**
 * A field parsed from an environment string. Its input is the string or an already-parsed value
 * (so `.default(10)` and `.default('10s')` both type-check); its output is `Out`.
 */
export type EnvField<Out> = z.ZodEffects<z.ZodType<string | Out, z.ZodTypeDef, string | Out>, Out, string | Out>;

function envField<Out>(parse: (raw: unknown) => Parsed<Out>): EnvField<Out> {
  return z.unknown().transform((raw, ctx) => {
    if (raw === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'required', params: { missing: true } satisfies FieldIssueParams });
      return z.NEVER;
    }
    const result = parse(raw);
    if (!result.ok) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: result.message, params: { received: raw } satisfies FieldIssueParams });
      return z.NEVER;
    }
    return result.value;
  }) as unknown as EnvField<Out>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

function parseNumber(raw: unknown, options: NumberOptions, integer: boolean): Parsed<number> {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(value)) return fail(integer ? 'expected a whole number' : 'expected a number');
  if (integer && !Number.isInteger(value)) return fail('expected a whole number');
  if (options.min !== undefined && value < options.min) return fail(`must be at least ${options.min}`);
  if (options.max !== undefined && value > options.max) return fail(`must be at most ${options.max}`);
  return ok(value);
}

export interface NumberOptions {
  min?: number;
  max?: number;
}

export interface StringOptions {
  /** The value must match this pattern; `patternHint` says what is expected. */
  pattern?: RegExp;
  patternHint?: string;
}

export interface UrlOptions {
  /** Accepted schemes without the colon, e.g. `['postgres', 'postgresql']`. Any scheme when absent. */
  protocols?: readonly string[];
}

function parseUrl(raw: unknown, options: UrlOptions): Parsed<string> {
  const expected = options.protocols?.length
    ? `expected a URL starting with ${options.protocols.map((p) => `${p}://`).join(' or ')}`
    : 'expected a URL';
  if (typeof raw !== 'string') return fail(expected);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(expected);
  }
  if (options.protocols?.length && !options.protocols.includes(url.protocol.replace(/:$/, ''))) return fail(expected);
  return ok(raw);
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/**
 * Builders for environment keys. Each parses a string into a typed value and reports what it
 * expected in words (`expected a number`); the loader adds the received value unless the key is a
 * secret. Chain `.default(value)` or `.optional()` as with any zod schema.
 */
export const field = {
  /** Any non-empty string (surrounding blanks are trimmed by the loader). */
  string(options: StringOptions = {}): EnvField<string> {
    return envField((raw) => {
      if (typeof raw !== 'string') return fail('expected a string');
      if (options.pattern && !options.pattern.test(raw)) return fail(`expected ${options.patternHint ?? `a value matching ${options.pattern}`}`);
      return ok(raw);
    });
  },

  /** A number, decimals allowed. */
  number(options: NumberOptions = {}): EnvField<number> {
    return envField((raw) => parseNumber(raw, options, false));
  },

  /** A whole number. */
  int(options: NumberOptions = {}): EnvField<number> {
    return envField((raw) => parseNumber(raw, options, true));
  },

  /** A TCP port, 1 to 65535. */
  port(): EnvField<number> {
    return envField((raw) => {
      const parsed = parseNumber(raw, { min: 1, max: 65535 }, true);
      return parsed.ok ? parsed : fail('expected a port number (1-65535)');
    });
  },

  /** true/false, 1/0, yes/no, on/off. */
  boolean(): EnvField<boolean> {
    return envField((raw) => {
      if (typeof raw === 'boolean') return ok(raw);
      const word = String(raw).trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return ok(true);
      if (FALSE_WORDS.has(word)) return ok(false);
      return fail('expected true or false');
    });
  },

  /** One of the given words. */
  enum<const T extends readonly [string, ...string[]]>(values: T): EnvField<T[number]> {
    return envField((raw) =>
      typeof raw === 'string' && (values as readonly string[]).includes(raw) ? ok(raw as T[number]) : fail(`expected one of ${values.join(', ')}`),
    );
  },

  /** An absolute URL, optionally limited to some schemes. Kept as the original string. */
  url(options: UrlOptions = {}): EnvField<string> {
    return envField((raw) => parseUrl(raw, options));
  },

  /** A duration (`250ms`, `10s`, `1m`, `2h`, `30d`) in milliseconds. */
  duration(options: NumberOptions = {}): EnvField<number> {
    return envField((raw) => {
      let ms: number;
      if (typeof raw === 'number') ms = raw;
      else {
        try {
          ms = parseDuration(String(raw));
        } catch {
          return fail(`expected ${DURATION_HINT}`);
        }
      }
      if (options.min !== undefined && ms < options.min) return fail(`must be at least ${options.min}ms`);
      if (options.max !== undefined && ms > options.max) return fail(`must be at most ${options.max}ms`);
      return ok(ms);
    });
  },

  /** A comma-separated list of durations (`10s,1m,10m`) in milliseconds, each above zero. */
  durationList(): EnvField<number[]> {
    return envField((raw) => {
      if (Array.isArray(raw)) return ok(raw as number[]);
      const parts = splitList(String(raw));
      if (parts.length === 0) return fail(`expected a comma-separated list of durations, e.g. 10s,1m,10m`);
      const values: number[] = [];
      for (const part of parts) {
        let ms: number;
        try {
          ms = parseDuration(part);
        } catch {
          return fail(`"${part}" is not ${DURATION_HINT}`);
        }
        if (ms <= 0) return fail(`"${part}" must be longer than zero`);
        values.push(ms);
      }
      return ok(values);
    });
  },

  /** A size in bytes (`5368709120`, `500MB`, `5GiB`). */
  byteSize(options: NumberOptions = {}): EnvField<number> {
    return envField((raw) => {
      let bytes: number;
      if (typeof raw === 'number') bytes = raw;
      else {
        try {
          bytes = parseByteSize(String(raw));
        } catch {
          return fail(`expected ${BYTE_SIZE_HINT}`);
        }
      }
      if (options.min !== undefined && bytes < options.min) return fail(`must be at least ${options.min} bytes`);
      if (options.max !== undefined && bytes > options.max) return fail(`must be at most ${options.max} bytes`);
      return ok(bytes);
    });
  },

  /**
   * A comma-separated list of strings (blanks trimmed, empty items dropped). `item` may check
   * each entry and return a message for a bad one.
   */
  list(options: { item?: (value: string) => string | undefined } = {}): EnvField<string[]> {
    return envField((raw) => {
      const items = Array.isArray(raw) ? (raw as string[]) : splitList(String(raw));
      for (const item of items) {
        const problem = options.item?.(item);
        if (problem) return fail(`"${item}" ${problem}`);
      }
      return ok(items);
    });
  },
};
