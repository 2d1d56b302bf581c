import { AsyncLocalStorage } from 'node:async_hooks';
import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * Fields a log line carries while some work runs: the request, trace, user, recording and
 * message it belongs to. Other string fields (a tenant, a consumer name) may be added.
 */
export interface LogContext {
  requestId?: string;
  traceId?: string;
  spanId?: string;
  userId?: string;
  recordingId?: string;
  messageId?: string;
  correlationId?: string;
  [field: string]: string | undefined;
}

/** The known context fields, in the order they are written. */
export const LOG_CONTEXT_FIELDS = ['requestId', 'traceId', 'spanId', 'userId', 'recordingId', 'messageId', 'correlationId'] as const;

const storage = new AsyncLocalStorage<LogContext>();

function definedOnly(context: LogContext): LogContext {
  const result: LogContext = {};
  for (const [key, value] of Object.entries(context)) if (value !== undefined) result[key] = value;
  return result;
}

/** The log context of the current asynchronous execution, kept in AsyncLocalStorage. */
export const logContext = {
  /**
   * Runs `fn` with `context` merged over the current one (a message handled during a request
   * keeps the request id). Undefined values are ignored. Everything `fn` starts, awaited or not,
   * sees the context; the caller's context is unchanged afterwards.
   */
  run<T>(context: LogContext, fn: () => T): T {
    return storage.run({ ...storage.getStore(), ...definedOnly(context) }, fn);
  },

  /** A copy of the current context, or undefined outside any `run`. */
  get(): Readonly<LogContext> | undefined {
    const store = storage.getStore();
    return store ? { ...store } : undefined;
  },

  /**
   * Merges fields into the current context (the user id once a request is authenticated), seen by
   * the rest of the current `run`. Returns false, and does nothing, outside any `run`.
   */
  assign(fields: LogContext): boolean {
    const store = storage.getStore();
    if (!store) return false;
    Object.assign(store, definedOnly(fields));
    return true;
  },
};

/** Trace and span id of the active OpenTelemetry span, when there is a valid one. */
export function activeTraceFields(): { traceId: string; spanId: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/**
 * The fields a log line gets now: the AsyncLocalStorage context, with traceId and spanId taken
 * from the active OpenTelemetry span when the context does not set them.
 */
export function currentLogFields(): LogContext {
  const fields: LogContext = { ...storage.getStore() };
  if (fields.traceId === undefined || fields.spanId === undefined) {
    const active = activeTraceFields();
    if (active) {
      fields.traceId ??= active.traceId;
      fields.spanId ??= active.spanId;
    }
  }
  return fields;
}
