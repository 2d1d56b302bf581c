/** What every redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Keys whose values are never written: passwords, secrets, tokens, credentials headers, keys. */
const SENSITIVE_KEY = /passw(or)?d|passphrase|^pwd$|secret|token|authori[sz]ation|cookie|api[-_ ]?key|access[-_ ]?key|private[-_ ]?key/i;

const BEARER = /\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s@/]+@/gi;
const SENSITIVE_QUERY = /([?&](?:[a-z0-9_-]*token|api[-_]?key|apikey|key|secret|password|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#\s"']+/gi;
const SENSITIVE_ASSIGNMENT = /\b(password|passwd|pwd|secret|api[-_]?key)=[^\s,;&"']+/gi;

const MAX_DEPTH = 12;

/** True when a key names a value that must not be logged. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/**
 * Masks secrets inside free text: `Bearer <token>`, the password of `scheme://user:pass@host`,
 * sensitive query parameters (`?access_token=`, `X-Amz-Signature=`) and `password=...` pairs.
 */
export function redactString(text: string): string {
  return text
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .replace(SENSITIVE_QUERY, `$1${REDACTED}`)
    .replace(SENSITIVE_ASSIGNMENT, `$1=${REDACTED}`);
}

/** An error as written in a log line. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: unknown;
  [field: string]: unknown;
}

const serializedErrors = new WeakSet<object>();

/** True for objects produced by `serializeError` (the pretty format prints their stack). */
export function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && serializedErrors.has(value);
}

/** An error as a plain object: name, message, stack, `code` when present, its other own fields and its cause. */
export function serializeError(error: Error): SerializedError {
  const result: SerializedError = { name: error.name, message: error.message };
  if (error.stack) result.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') result.code = code;
  for (const [key, value] of Object.entries(error)) {
    if (!(key in result) && key !== 'cause') result[key] = value;
  }
  if (error.cause !== undefined) result.cause = error.cause;
  serializedErrors.add(result);
  return result;
}

/**
 * A deep copy of `value` that is safe to write: values under sensitive keys become `[REDACTED]`,
 * strings are passed through `redactString`, errors become `SerializedError`s, cycles become
 * `[Circular]`, and nesting deeper than 12 levels becomes `[Truncated]`.
 */
export function redact(value: unknown): unknown {
  return walk(value, new WeakSet(), 0);
}

function walk(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) return walkObject(serializeError(value), seen, depth, true);
    if (serializedErrors.has(value)) return walkObject(value as Record<string, unknown>, seen, depth, true);
    if (Array.isArray(value)) return value.map((item) => walk(item, seen, depth + 1));
    if (value instanceof Map) return walkObject(Object.fromEntries([...value].map(([k, v]) => [String(k), v])), seen, depth, false);
    if (value instanceof Set) return [...value].map((item) => walk(item, seen, depth + 1));
    return walkObject(value as Record<string, unknown>, seen, depth, false);
  } finally {
    seen.delete(value);
  }
}

function walkObject(source: Record<string, unknown>, seen: WeakSet<object>, depth: number, isError: boolean): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    result[key] = value !== undefined && value !== null && isSensitiveKey(key) ? REDACTED : walk(value, seen, depth + 1);
  }
  if (isError) serializedErrors.add(result);
  return result;
}
