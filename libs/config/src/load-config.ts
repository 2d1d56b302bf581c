import { z } from 'zod';
import { ConfigIssue, ConfigValidationError } from './errors';
import { FieldIssueParams, FieldMeta, fieldMeta } from './fields';

/** Where values come from: `process.env` or any plain record of strings. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** A check across several keys, run after each key has been parsed on its own. */
export interface ConfigRule {
  /** Keys the rule reads; it is skipped when any of them is already reported as bad. */
  keys: readonly string[];
  check(config: Readonly<Record<string, unknown>>, report: (key: string, message: string) => void, context: { service: string }): void;
}

export interface LoadConfigOptions {
  /** Extra cross-field checks. `requiredWhen` and `secret` markers need none. */
  rules?: readonly ConfigRule[];
}

/** Anything that marks a value as the `.env.example` placeholder. */
export const SECRET_PLACEHOLDER = 'change-me';

const MAX_SHOWN_VALUE = 80;

/**
 * Parses the environment against a service's schema, once, at start-up. Every key is parsed on
 * its own so that all problems are collected, then derived defaults are filled in and the
 * cross-key rules run (`requiredWhen`, production secret rules, `options.rules`). Empty values
 * count as absent. Throws `ConfigValidationError` listing every bad or missing key; returns a
 * frozen object holding only the schema's keys.
 */
export function loadConfig<S extends z.AnyZodObject>(
  service: string,
  schema: S,
  env: EnvSource = process.env,
  options: LoadConfigOptions = {},
): Readonly<z.output<S>> {
  const shape = schema.shape as Record<string, z.ZodTypeAny>;
  const keys = Object.keys(shape);
  const metas = new Map<string, FieldMeta>(keys.map((key) => [key, fieldMeta(shape[key]!)]));
  const values: Record<string, unknown> = {};
  const failed = new Set<string>();
  const issues: ConfigIssue[] = [];
  const report = (key: string, message: string) => {
    failed.add(key);
    issues.push({ key, message });
  };

  for (const key of keys) {
    const raw = normalize(env[key]);
    const isSecret = metas.get(key)!.secret !== undefined;
    const result = shape[key]!.safeParse(raw);
    if (result.success) values[key] = result.data;
    else report(key, describeIssues(result.error.issues, isSecret));
  }

  for (const key of keys) {
    const derive = metas.get(key)!.deriveDefault;
    if (derive && values[key] === undefined && !failed.has(key)) values[key] = derive(values, { service });
  }

  for (const key of keys) {
    const condition = metas.get(key)!.requiredWhen;
    if (!condition || failed.has(key) || failed.has(condition.key) || values[key] !== undefined) continue;
    const current = values[condition.key] ?? normalize(env[condition.key]);
    if (current !== undefined && condition.values.includes(String(current))) report(key, `required when ${condition.key}=${String(current)}`);
  }

  const nodeEnv = failed.has('NODE_ENV') ? undefined : (values.NODE_ENV ?? normalize(env.NODE_ENV));
  if (nodeEnv === 'production') {
    for (const key of keys) {
      const rule = metas.get(key)!.secret;
      const value = values[key];
      if (!rule || failed.has(key) || typeof value !== 'string') continue;
      if (value.toLowerCase().includes(SECRET_PLACEHOLDER)) {
        report(key, `still holds the ${SECRET_PLACEHOLDER} placeholder from .env.example; set a real secret in production`);
      } else if (value.length < rule.minLength) {
        report(key, `too weak for production: must be at least ${rule.minLength} characters (has ${value.length})`);
      }
    }
  }

  for (const rule of options.rules ?? []) {
    if (rule.keys.some((key) => failed.has(key))) continue;
    rule.check(values, report, { service });
  }

  if (issues.length > 0) {
    const order = (key: string) => {
      const index = keys.indexOf(key);
      return index === -1 ? keys.length : index;
    };
    const sorted = issues.map((issue, index) => ({ issue, index })).sort((a, b) => order(a.issue.key) - order(b.issue.key) || a.index - b.index);
    throw new ConfigValidationError(service, mergeByKey(sorted.map((entry) => entry.issue)));
  }
  return Object.freeze(values) as Readonly<z.output<S>>;
}

export interface ExitOptions {
  /** Where the list of problems goes; standard error by default. */
  stderr?: { write(text: string): unknown };
  /** Ends the process; `process.exit` by default. */
  exit?: (code: number) => never;
}

/**
 * `loadConfig` for a service's `main.ts`: on invalid configuration it writes the list of problems
 * to standard error and exits with code 1. Any other error is thrown as is.
 */
export function loadConfigOrExit<S extends z.AnyZodObject>(
  service: string,
  schema: S,
  env: EnvSource = process.env,
  options: LoadConfigOptions & ExitOptions = {},
): Readonly<z.output<S>> {
  try {
    return loadConfig(service, schema, env, options);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    (options.stderr ?? process.stderr).write(`${error.message}\n`);
    return (options.exit ?? ((code: number) => process.exit(code)))(1);
  }
}

/**
 * A copy of a loaded configuration that is safe to log: secret keys read `[REDACTED]` and
 * credentials inside URLs are masked.
 */
export function redactConfig<S extends z.AnyZodObject>(schema: S, config: Readonly<z.output<S>>): Record<string, unknown> {
  const shape = schema.shape as Record<string, z.ZodTypeAny>;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    const field = shape[key];
    if (field && fieldMeta(field).secret !== undefined && value !== undefined) copy[key] = '[REDACTED]';
    else copy[key] = typeof value === 'string' ? maskUrlPassword(value) : value;
  }
  return copy;
}

/** Masks the password part of `scheme://user:password@host` URLs inside a string. */
export function maskUrlPassword(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s@/]*@/gi, '$1:***@');
}

function normalize(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function describeIssues(zodIssues: readonly z.ZodIssue[], isSecret: boolean): string {
  const messages = zodIssues.map((issue) => describeIssue(issue, isSecret));
  return [...new Set(messages)].join('; ');
}

function describeIssue(issue: z.ZodIssue, isSecret: boolean): string {
  let message: string;
  let received: unknown;
  if (issue.code === z.ZodIssueCode.custom) {
    const params = (issue.params ?? {}) as FieldIssueParams;
    if (params.missing) return 'required';
    message = issue.message;
    received = params.received;
  } else if (issue.code === z.ZodIssueCode.invalid_type && issue.received === 'undefined') {
    return 'required';
  } else if (issue.code === z.ZodIssueCode.invalid_enum_value) {
    message = `expected one of ${issue.options.join(', ')}`;
    received = issue.received;
  } else {
    message = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
  if (isSecret) return message.replace(/"[^"]*"/g, '"[REDACTED]"');
  return received === undefined ? message : `${message}, got ${showValue(received)}`;
}

function showValue(value: unknown): string {
  let text = maskUrlPassword(typeof value === 'string' ? value : String(value));
  if (text.length > MAX_SHOWN_VALUE) text = `${text.slice(0, MAX_SHOWN_VALUE)}...`;
  return JSON.stringify(text);
}

function mergeByKey(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const merged: ConfigIssue[] = [];
  for (const issue of issues) {
    const previous = merged.find((entry) => entry.key === issue.key);
    if (previous) previous.message = `${previous.message}; ${issue.message}`;
    else merged.push({ ...issue });
  }
  return merged;
}
