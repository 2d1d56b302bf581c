import { AsyncLocalStorage } from 'node:async_hooks';
import { context, Context, ContextManager, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { currentLogFields, logContext } from './context';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

describe('logContext', () => {
  it('has no context outside run', () => {
    expect(logContext.get()).toBeUndefined();
    expect(logContext.assign({ userId: 'u1' })).toBe(false);
    expect(logContext.get()).toBeUndefined();
  });

  it('gives the context to the function and returns its result', () => {
    const result = logContext.run({ requestId: 'r1', userId: undefined }, () => logContext.get());
    expect(result).toEqual({ requestId: 'r1' });
    expect(logContext.get()).toBeUndefined();
  });

  it('keeps the context across awaits, timers and promises started inside', async () => {
    const seen: Array<string | undefined> = [];
    await logContext.run({ requestId: 'r2' }, async () => {
      await tick();
      seen.push(logContext.get()?.requestId);
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.push(logContext.get()?.requestId);
          resolve();
        }, 1),
      );
      await Promise.all([1, 2].map(async () => {
        await tick();
        seen.push(logContext.get()?.requestId);
      }));
    });
    expect(seen).toEqual(['r2', 'r2', 'r2', 'r2']);
  });

  it('keeps concurrent runs apart', async () => {
    const results = await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        logContext.run({ messageId: id }, async () => {
          await tick();
          return logContext.get()?.messageId;
        }),
      ),
    );
    expect(results).toEqual(['a', 'b', 'c']);
  });

  it('merges a nested run over the outer context without changing it', async () => {
    await logContext.run({ requestId: 'r3', userId: 'u1' }, async () => {
      const inner = await logContext.run({ messageId: 'm1', userId: 'u2' }, async () => {
        await tick();
        return logContext.get();
      });
      expect(inner).toEqual({ requestId: 'r3', userId: 'u2', messageId: 'm1' });
      expect(logContext.get()).toEqual({ requestId: 'r3', userId: 'u1' });
    });
  });

  it('assign merges into the current run, seen by work already started in it', async () => {
    await logContext.run({ requestId: 'r4' }, async () => {
      const later = (async () => {
        await tick();
        return logContext.get();
      })();
      expect(logContext.assign({ userId: 'u9', recordingId: 'rec1', correlationId: undefined })).toBe(true);
      expect(await later).toEqual({ requestId: 'r4', userId: 'u9', recordingId: 'rec1' });
    });
  });

  it('assign inside a nested run does not reach the outer one', () => {
    logContext.run({ requestId: 'r5' }, () => {
      logContext.run({}, () => logContext.assign({ userId: 'inner' }));
      expect(logContext.get()).toEqual({ requestId: 'r5' });
    });
  });

  it('returns a copy from get', () => {
    logContext.run({ requestId: 'r6' }, () => {
      const copy = logContext.get() as Record<string, string>;
      copy.requestId = 'changed';
      expect(logContext.get()?.requestId).toBe('r6');
    });
  });
});

/** A minimal OpenTelemetry context manager so that an active span exists in these tests. */
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

describe('currentLogFields with OpenTelemetry', () => {
  const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
  const withSpan = <T>(fn: () => T): T => context.with(trace.setSpan(context.active(), trace.wrapSpanContext(spanContext)), fn);

  beforeAll(() => {
    context.setGlobalContextManager(new TestContextManager());
  });
  afterAll(() => {
    context.disable();
  });

  it('takes traceId and spanId from the active span', () => {
    expect(withSpan(() => currentLogFields())).toEqual({ traceId: spanContext.traceId, spanId: spanContext.spanId });
  });

  it('prefers ids set explicitly in the log context', () => {
    const fields = withSpan(() => logContext.run({ traceId: 'explicit-trace', requestId: 'r1' }, () => currentLogFields()));
    expect(fields).toEqual({ traceId: 'explicit-trace', spanId: spanContext.spanId, requestId: 'r1' });
  });

  it('adds nothing without an active span or with an invalid one', () => {
    expect(currentLogFields()).toEqual({});
    const invalid = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: TraceFlags.NONE });
    expect(context.with(trace.setSpan(context.active(), invalid), () => currentLogFields())).toEqual({});
  });
});
