import { createLogger } from './create-logger';
import { logContext } from './context';
import { createMemoryTransport } from './memory-transport';
import { NestLogger } from './nest-logger';

function capture(context?: string) {
  const memory = createMemoryTransport();
  const logger = createLogger({ service: 'gateway', version: '1.0.0', env: 'production', format: 'json', level: 'silly', transports: [memory.transport] });
  return { nest: new NestLogger(logger, context), memory };
}

const STACK = 'Error: boom\n    at RecordingsController.create (recordings.controller.ts:10:5)';

describe('NestLogger', () => {
  it('maps Nest levels onto winston levels', () => {
    const { nest, memory } = capture();
    nest.log('l');
    nest.error('e');
    nest.warn('w');
    nest.debug('d');
    nest.verbose('v');
    nest.fatal('f');
    expect(memory.entries().map(({ level, message, fatal }) => ({ level, message, fatal }))).toEqual([
      { level: 'info', message: 'l', fatal: undefined },
      { level: 'error', message: 'e', fatal: undefined },
      { level: 'warn', message: 'w', fatal: undefined },
      { level: 'debug', message: 'd', fatal: undefined },
      { level: 'verbose', message: 'v', fatal: undefined },
      { level: 'error', message: 'f', fatal: true },
    ]);
  });

  it("turns Nest's context argument into the context field, with the base fields", () => {
    const { nest, memory } = capture();
    nest.log('Mapped {/api/v1/recordings, POST} route', 'RouterExplorer');
    expect(memory.entries()[0]).toMatchObject({
      level: 'info',
      message: 'Mapped {/api/v1/recordings, POST} route',
      context: 'RouterExplorer',
      service: 'gateway',
      version: '1.0.0',
      env: 'production',
    });
  });

  it('uses its own context when Nest passes none', () => {
    const { nest, memory } = capture('Bootstrap');
    nest.log('listening');
    nest.warn('slow', 'Override');
    expect(memory.entries().map((entry) => entry.context)).toEqual(['Bootstrap', 'Override']);
  });

  it('reads error(message, stack, context) as Nest sends it', () => {
    const { nest, memory } = capture();
    nest.error('Unhandled exception', STACK, 'ExceptionsHandler');
    expect(memory.entries()[0]).toMatchObject({
      level: 'error',
      message: 'Unhandled exception',
      context: 'ExceptionsHandler',
      error: { name: 'Error', message: 'Unhandled exception', stack: STACK },
    });
  });

  it('tells a lone stack from a lone context', () => {
    const { nest, memory } = capture();
    nest.error('with stack', STACK);
    nest.error('with context', 'SomeService');
    const [withStack, withContext] = memory.entries();
    expect(withStack).toMatchObject({ error: { stack: STACK } });
    expect(withStack).not.toHaveProperty('context');
    expect(withContext).toMatchObject({ context: 'SomeService' });
    expect(withContext).not.toHaveProperty('error');
  });

  it('logs Error objects and object messages, redacted', () => {
    const { nest, memory } = capture();
    nest.error(Object.assign(new Error('db down'), { code: 'ECONNREFUSED' }), 'TypeOrmModule');
    nest.log({ message: 'request', headers: { authorization: 'Bearer t' } }, 'Http');
    nest.debug('extra values', { jobId: 'j1' }, 42, 'Worker');
    const [error, object, extra] = memory.entries();
    expect(error).toMatchObject({ message: 'db down', context: 'TypeOrmModule', error: { name: 'Error', message: 'db down', code: 'ECONNREFUSED' } });
    expect(object).toMatchObject({ message: 'request', context: 'Http', data: { message: 'request', headers: { authorization: '[REDACTED]' } } });
    expect(extra).toMatchObject({ message: 'extra values', context: 'Worker', jobId: 'j1', params: [42] });
  });

  it('carries the log context like any other line', () => {
    const { nest, memory } = capture();
    logContext.run({ requestId: 'req-7', userId: 'u-7' }, () => nest.log('handled', 'RecordingsController'));
    expect(memory.entries()[0]).toMatchObject({ requestId: 'req-7', userId: 'u-7', context: 'RecordingsController' });
  });
});
