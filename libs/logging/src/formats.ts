import { format, Logform } from 'winston';
import { LOG_CONTEXT_FIELDS, currentLogFields } from './context';
import { isSensitiveKey, isSerializedError, redact, REDACTED, redactString, SerializedError, serializeError } from './redact';

/** Symbols winston keeps on every entry (see the triple-beam package). */
export const LEVEL = Symbol.for('level');
export const MESSAGE = Symbol.for('message');
export const SPLAT = Symbol.for('splat');

type Info = Logform.TransformableInfo & Record<string | symbol, unknown>;

/** Fields written first, in this order; everything else follows. */
const LEADING_FIELDS = ['timestamp', 'level', 'message', 'service', 'version', 'env', 'context', ...LOG_CONTEXT_FIELDS] as const;

/**
 * Errors logged as `logger.error(err)` or `logger.error('text', err)` become an `error` field
 * (name, message, stack, code and the error's own fields) and the message is the text given, or
 * the error's message. `baseFields` names the logger's base fields (service, version, env), which
 * winston copies onto a logged error and which stay at the top of the entry.
 */
export const errorsFormat = format((info, options?: unknown) => {
  const baseFields = (options as { baseFields?: readonly string[] } | undefined)?.baseFields ?? [];
  const entry = info as Info;
  if (entry instanceof Error) {
    const error = serializeError(entry);
    const next = { level: entry.level, message: entry.message } as Info;
    for (const key of ['level', ...baseFields]) {
      if (key in error) {
        next[key] = error[key];
        delete error[key];
      }
    }
    next[LEVEL] = entry[LEVEL];
    next[SPLAT] = entry[SPLAT];
    next.error = error;
    return next;
  }
  const splat = entry[SPLAT];
  const first = Array.isArray(splat) ? splat[0] : undefined;
  if (first instanceof Error && entry.error === undefined) {
    entry.error = first;
    for (const key of Object.keys(first)) if (entry[key] === (first as unknown as Record<string, unknown>)[key] && key !== 'level') delete entry[key];
    if (entry.stack === first.stack) delete entry.stack;
    if (entry.cause === first.cause) delete entry.cause;
    const suffix = ` ${first.message}`;
    if (typeof entry.message === 'string' && first.message && entry.message.endsWith(suffix)) {
      entry.message = entry.message.slice(0, -suffix.length);
    }
  }
  if (entry.message instanceof Error) {
    const error = entry.message;
    entry.message = error.message;
    entry.error ??= error;
  }
  return entry;
});

/** Adds the fields of the current log context (and of the active span) that the entry does not set. */
export const contextFormat = format((info) => {
  const entry = info as Info;
  for (const [key, value] of Object.entries(currentLogFields())) {
    if (value !== undefined && entry[key] === undefined) entry[key] = value;
  }
  return entry;
});

/** Redacts every field of the entry and its message (see `redact`). */
export const redactFormat = format((info) => {
  const entry = info as Info;
  for (const key of Object.keys(entry)) {
    if (key === 'level') continue;
    const value = entry[key];
    if (key === 'message') entry.message = typeof value === 'string' ? redactString(value) : redact(value);
    else entry[key] = value !== undefined && value !== null && isSensitiveKey(key) ? REDACTED : redact(value);
  }
  return entry;
});

function ordered(entry: Info): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of LEADING_FIELDS) if (entry[key] !== undefined) result[key] = entry[key];
  for (const key of Object.keys(entry)) if (!(key in result) && entry[key] !== undefined) result[key] = entry[key];
  return result;
}

/** One JSON object per line: timestamp, level, message, service, version, env, context, then the rest. */
export const jsonLineFormat = format((info) => {
  const entry = info as Info;
  entry[MESSAGE] = JSON.stringify(ordered(entry));
  return entry;
});

const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const LEVEL_COLOURS: Record<string, string> = {
  error: '\x1b[31m',
  warn: '\x1b[33m',
  info: '\x1b[32m',
  http: '\x1b[35m',
  verbose: '\x1b[36m',
  debug: '\x1b[34m',
  silly: '\x1b[90m',
};

/** Fields the pretty format shows in its own place or leaves out. */
const PRETTY_SKIPPED = new Set(['timestamp', 'level', 'message', 'service', 'version', 'env', 'context']);

function showValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (isSerializedError(value)) return describeError(value);
  return JSON.stringify(value) ?? String(value);
}

function describeError(error: SerializedError): string {
  const code = error.code !== undefined ? ` [${error.code}]` : '';
  return JSON.stringify(`${error.name}: ${error.message}${code}`);
}

function stacksOf(entry: Info): string[] {
  const stacks: string[] = [];
  for (const value of Object.values(entry)) {
    let error: unknown = value;
    while (isSerializedError(error)) {
      if (error.stack) stacks.push(error.stack);
      error = error.cause;
    }
  }
  return stacks;
}

/**
 * Readable text for development: `12:00:00.123 INFO  gateway [Context] message key=value ...`,
 * the level coloured unless `colors` is false. Error stacks follow on indented lines.
 */
export const prettyLineFormat = format((info, options?: unknown) => {
  const entry = info as Info;
  const colors = (options as { colors?: boolean } | undefined)?.colors !== false;
  const paint = (code: string | undefined, text: string) => (colors && code ? `${code}${text}${RESET}` : text);
  const time = typeof entry.timestamp === 'string' ? entry.timestamp.slice(11, 23) : '';
  const level = String(entry.level);
  const parts = [paint(DIM, time), paint(LEVEL_COLOURS[level], level.toUpperCase().padEnd(5)), paint(DIM, String(entry.service ?? ''))];
  if (entry.context !== undefined) parts.push(paint('\x1b[33m', `[${String(entry.context)}]`));
  parts.push(typeof entry.message === 'string' ? entry.message : showValue(entry.message));
  const fields = ordered(entry);
  for (const [key, value] of Object.entries(fields)) {
    if (PRETTY_SKIPPED.has(key)) continue;
    parts.push(`${paint(DIM, `${key}=`)}${showValue(value)}`);
  }
  const stacks = stacksOf(entry).map((stack) => stack.split('\n').slice(1).map((line) => `    ${line.trim()}`).join('\n'));
  entry[MESSAGE] = [parts.filter((part) => part.length > 0).join(' '), ...stacks.filter((s) => s.length > 0)].join('\n');
  return entry;
});
