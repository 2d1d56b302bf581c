import { logContext } from '@leap/logging';
import { ambientRequestId, runInLogContext } from './log-context';

describe('log context of handled messages', () => {
  it('carries the request id that started the chain into every line a handler writes', async () => {
    const seen = await runInLogContext({ messageId: 'm-1', correlationId: 'request-42', userId: 'u-1', messageType: 't' }, async () => logContext.get());
    expect(seen).toMatchObject({ messageId: 'm-1', correlationId: 'request-42', requestId: 'request-42', userId: 'u-1' });
  });

  it('keeps the id of a request being served, and offers it as the correlation of what the request publishes', async () => {
    expect(ambientRequestId()).toBeUndefined();
    await logContext.run({ requestId: 'http-7' }, async () => {
      expect(ambientRequestId()).toBe('http-7');
      const seen = await runInLogContext({ messageId: 'm-2', correlationId: 'other', messageType: 't' }, async () => logContext.get());
      expect(seen?.requestId).toBe('http-7');
    });
  });
});
