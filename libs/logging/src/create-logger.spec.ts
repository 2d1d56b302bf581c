import { AsyncLocalStorage } from 'node:async_hooks';
import { Writable } from 'node:stream';
import { context, Context, ContextManager, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { transports } from 'winston';
import { logContext } from './context';
import { createLogger, CreateLoggerOptions, loggerOptionsFromConfig } from './create-logger';
import { createMemoryTransport } from './memory-transport';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ANSI = /\x1b\[[0-9;]*m/g;

class ProviderTimeout extends Error {
  override name = 'ProviderTimeout';
  readonly code = 'TRANSCRIPTION.PROVIDER_TIMEOUT';
  readonly retryable = true;
}

function capture(options: Partial<CreateLoggerOptions> = {}) {
  const memory = createMemoryTransport();
  const logger = createLogger({ service: 'ingest', version: '1.4.0', env: 'production', format: 'json', transports: [memory.transport], ...options });
  return { logger, memory };
}

describe('createLogger, json format', () => {
  it('writes one JSON object per line with the base fields first', () => {
    const { logger, memory } = capture();
    logger.info('recording registered', { sizeBytes: 1024 });
    expect(memory.lines).toHaveLength(1);
    const line = memory.lines[0]!;
    expect(line).not.toContain('\n');
    expect(Object.keys(JSON.parse(line))).toEqual(['timestamp', 'level', 'message', 'service', 'version', 'env', 'sizeBytes']);
    const [entry] = memory.entries();
    expect(entry).toEqual({
      timestamp: expect.stringMatching(ISO_TIME),
      level: 'info',
      message: 'recording registered',
      service: 'ingest',
      version: '1.4.0',
      env: 'production',
      sizeBytes: 1024,
    });
  });

  it('writes only lines at or above the configured level', () => {
    const { logger, memory } = capture({ level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(memory.entries().map((entry) => entry.level)).toEqual(['warn', 'error']);
  });

  it('keeps the base fields on child loggers and adds theirs', () => {
    const { logger, memory } = capture();
    logger.child({ consumer: 'ingest.pipeline' }).info('started');
    expect(memory.entries()[0]).toMatchObject({ service: 'ingest', version: '1.4.0', env: 'production', consumer: 'ingest.pipeline' });
  });

  it('defaults the version to 0.0.0 and the format to json outside development', () => {
    const memory = createMemoryTransport();
    createLogger({ service: 'quota', env: 'test', transports: [memory.transport] }).info('x');
    expect(memory.entries()[0]).toMatchObject({ service: 'quota', version: '0.0.0', env: 'test' });
  });
});

describe('createLogger, log context', () => {
  it('adds the context fields inside logContext.run and not outside', () => {
    const { logger, memory } = capture();
    logger.info('before');
    logContext.run(
      { requestId: 'req-1', traceId: 't-1', spanId: 's-1', userId: 'u-1', recordingId: 'rec-1', messageId: 'msg-1', correlationId: 'c-1' },
      () => logger.info('inside'),
    );
    logger.info('after');
    const [before, inside, after] = memory.entries();
    const fields = ['requestId', 'traceId', 'spanId', 'userId', 'recordingId', 'messageId', 'correlationId'];
    for (const field of fields) {
      expect(before).not.toHaveProperty(field);
      expect(after).not.toHaveProperty(field);
    }
    expect(inside).toMatchObject({ requestId: 'req-1', traceId: 't-1', spanId: 's-1', userId: 'u-1', recordingId: 'rec-1', messageId: 'msg-1', correlationId: 'c-1' });
    expect(Object.keys(inside!).slice(6)).toEqual(fields);
  });

  it('keeps the context through nested asynchronous work and assign', async () => {
    const { logger, memory } = capture();
    await logContext.run({ requestId: 'req-2' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      logContext.assign({ userId: 'u-2' });
      await Promise.all(
        ['m-1', 'm-2'].map((messageId) =>
          logContext.run({ messageId }, async () => {
            await new Promise((resolve) => setImmediate(resolve));
            logger.info('handled');
          }),
        ),
      );
      logger.info('done');
    });
    const entries = memory.entries();
    expect(entries.map(({ message, requestId, userId, messageId }) => ({ message, requestId, userId, messageId }))).toEqual([
      { message: 'handled', requestId: 'req-2', userId: 'u-2', messageId: 'm-1' },
      { message: 'handled', requestId: 'req-2', userId: 'u-2', messageId: 'm-2' },
      { message: 'done', requestId: 'req-2', userId: 'u-2', messageId: undefined },
    ]);
  });

  it('lets meta given with the line win over the context', () => {
    const { logger, memory } = capture();
    logContext.run({ recordingId: 'from-context' }, () => logger.info('x', { recordingId: 'from-meta' }));
    expect(memory.entries()[0]!.recordingId).toBe('from-meta');
  });

  describe('with an active OpenTelemetry span', () => {
    class TestContextManager implements ContextManager {
      private readonly storage = new AsyncLocalStorage<Context>();
      active(): Context {
        return this.storage.getStore() ?? ROOT_CONTEXT;
      }
      with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
        return this.storage.run(ctx, () => fn.apply(thisArg, args));
      }
      bind<T>(_ctx: Context, target: T): T {
        return target;
      }
      enable(): this {
        return this;
      }
      disable(): this {
        this.storage.disable();
        return this;
      }
    }
    const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };

    beforeAll(() => context.setGlobalContextManager(new TestContextManager()));
    afterAll(() => context.disable());

    it('takes traceId and spanId from the span unless the context sets them', () => {
      const { logger, memory } = capture();
      context.with(trace.setSpan(context.active(), trace.wrapSpanContext(spanContext)), () => {
        logger.info('from span');
        logContext.run({ traceId: 'explicit' }, () => logger.info('explicit'));
      });
      logger.info('no span');
      const [fromSpan, explicit, noSpan] = memory.entries();
      expect(fromSpan).toMatchObject({ traceId: spanContext.traceId, spanId: spanContext.spanId });
      expect(explicit).toMatchObject({ traceId: 'explicit', spanId: spanContext.spanId });
      expect(noSpan).not.toHaveProperty('traceId');
    });
  });
});

describe('createLogger, redaction', () => {
  it('redacts sensitive keys at any depth, bearer tokens and URL passwords', () => {
    const { logger, memory } = capture();
    logger.info('calling Zoom with Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig', {
      password: 'hunter2',
      request: { headers: { Authorization: 'Bearer abc', Cookie: 'sid=1', 'x-api-key': 'k-123', accept: 'json' } },
      client: { apiKey: 'k', api_key: 'k', 'api key': 'k', accessKey: 'a', privateKey: 'p', clientSecret: 's', refreshToken: 'r' },
      broker: 'amqp://leap:guest-pass@mq:5672',
      note: 'retrying with bearer zzz',
    });
    const line = memory.lines[0]!;
    for (const leaked of ['hunter2', 'eyJhbGciOiJIUzI1NiJ9', 'abc', 'sid=1', 'k-123', 'guest-pass', 'zzz']) expect(line).not.toContain(leaked);
    const entry = memory.entries()[0]!;
    expect(entry.message).toBe('calling Zoom with Bearer [REDACTED]');
    expect(entry.password).toBe('[REDACTED]');
    expect(entry.request).toEqual({ headers: { Authorization: '[REDACTED]', Cookie: '[REDACTED]', 'x-api-key': '[REDACTED]', accept: 'json' } });
    expect(Object.values(entry.client as object)).toEqual(Array(7).fill('[REDACTED]'));
    expect(entry.broker).toBe('amqp://leap:[REDACTED]@mq:5672');
    expect(entry.note).toBe('retrying with bearer [REDACTED]');
  });

  it('redacts context values too', () => {
    const { logger, memory } = capture();
    logContext.run({ requestId: 'Bearer leaked' }, () => logger.info('x'));
    expect(memory.entries()[0]!.requestId).toBe('Bearer [REDACTED]');
  });
});

describe('createLogger, errors', () => {
  it('logs an error given alone with name, message, stack and code', () => {
    const { logger, memory } = capture();
    logger.error(new ProviderTimeout('no answer from https://user:pw@asr.example.org'));
    const entry = memory.entries()[0]!;
    expect(entry).toMatchObject({
      level: 'error',
      message: 'no answer from https://user:[REDACTED]@asr.example.org',
      service: 'ingest',
      version: '1.4.0',
      env: 'production',
      error: {
        name: 'ProviderTimeout',
        message: 'no answer from https://user:[REDACTED]@asr.example.org',
        code: 'TRANSCRIPTION.PROVIDER_TIMEOUT',
        retryable: true,
        stack: expect.stringContaining('ProviderTimeout: no answer'),
      },
    });
    expect(entry.error).not.toHaveProperty('service');
    expect(entry.error).not.toHaveProperty('level');
    expect(memory.lines[0]).not.toContain(':pw@');
  });

  it('logs an error given after a message under the error field', () => {
    const { logger, memory } = capture();
    logger.error('transcription failed', new ProviderTimeout('timed out'));
    const entry = memory.entries()[0]!;
    expect(entry.message).toBe('transcription failed');
    expect(entry).not.toHaveProperty('stack');
    expect(entry).not.toHaveProperty('code');
    expect(entry.error).toMatchObject({ name: 'ProviderTimeout', message: 'timed out', code: 'TRANSCRIPTION.PROVIDER_TIMEOUT' });
  });

  it('logs errors inside meta, with their cause', () => {
    const { logger, memory } = capture();
    const cause = Object.assign(new Error('ECONNRESET'), { code: 'ECONNRESET' });
    logger.warn('upload retried', { error: new Error('upload failed', { cause }), attempt: 2 });
    const entry = memory.entries()[0]!;
    expect(entry).toMatchObject({
      message: 'upload retried',
      attempt: 2,
      error: { name: 'Error', message: 'upload failed', cause: { name: 'Error', message: 'ECONNRESET', code: 'ECONNRESET' } },
    });
  });
});

describe('createLogger, pretty format', () => {
  it('writes a readable coloured line with the context fields', () => {
    const { logger, memory } = capture({ format: 'pretty', env: 'development' });
    logContext.run({ requestId: 'req-9', recordingId: 'rec-9' }, () => logger.warn('disk almost full', { freeBytes: 1024, path: '/data/leap store' }));
    const line = memory.lines[0]!;
    expect(line).not.toContain('\n');
    expect(line).toContain('\x1b[33mWARN \x1b[0m');
    expect(line.replace(ANSI, '')).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} WARN  ingest disk almost full requestId=req-9 recordingId=rec-9 freeBytes=1024 path="\/data\/leap store"$/);
    expect(() => JSON.parse(line)).toThrow();
  });

  it('leaves colours out when asked, shows the Nest context and puts error stacks below', () => {
    const { logger, memory } = capture({ format: 'pretty', colors: false });
    logger.error('job failed', { context: 'TrimConsumer', error: new ProviderTimeout('slow'), token: 'secret-token' });
    const [first, ...stack] = memory.lines[0]!.split('\n');
    expect(first).not.toMatch(ANSI);
    expect(first).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} ERROR ingest \[TrimConsumer\] job failed error="ProviderTimeout: slow \[TRANSCRIPTION.PROVIDER_TIMEOUT\]" token=\[REDACTED\]$/);
    expect(stack.length).toBeGreaterThan(0);
    for (const line of stack) expect(line).toMatch(/^    at /);
  });

  it('prints the stack of an error logged alone', () => {
    const { logger, memory } = capture({ format: 'pretty', colors: false });
    logger.error(new ProviderTimeout('alone'));
    const [first, ...stack] = memory.lines[0]!.split('\n');
    expect(first).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} ERROR ingest alone error="ProviderTimeout: alone \[TRANSCRIPTION.PROVIDER_TIMEOUT\]"$/);
    expect(stack.length).toBeGreaterThan(0);
    expect(stack[0]).toMatch(/^    at /);
  });

  it('is the default in development', () => {
    const memory = createMemoryTransport();
    createLogger({ service: 'gateway', env: 'development', colors: false, transports: [memory.transport] }).info('hello');
    expect(memory.lines[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} INFO  gateway hello$/);
  });
});

describe('createLogger, other outputs', () => {
  it('writes through any winston transport, such as a stream', async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
    const logger = createLogger({ service: 'storage', env: 'production', transports: [new transports.Stream({ stream })] });
    logger.info('swept', { removed: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(chunks[0]!)).toMatchObject({ service: 'storage', message: 'swept', removed: 3 });
  });
});

describe('loggerOptionsFromConfig', () => {
  it('maps the logging keys of a service configuration', () => {
    expect(loggerOptionsFromConfig('quota', { NODE_ENV: 'production', LOG_LEVEL: 'debug', LOG_FORMAT: 'json', SERVICE_VERSION: '2.0.0' })).toEqual({
      service: 'quota',
      version: '2.0.0',
      env: 'production',
      level: 'debug',
      format: 'json',
    });
  });
});
