import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import { MessageBus, MessageHandler, type MessageContext } from '@leap/messaging';
import { createPlatformDatabase, createTestVhost, eventually, type TestDatabase, type TestVhost } from '@leap/testing';
import { startService, type RunningService } from './bootstrap';
import type { ServiceDefinition } from './service-definition';

const DELETE = 'storage.recording-objects.delete.v1';
const handled: { recordingId: string; messageId: string; tenant?: string }[] = [];

@Injectable()
class DeleteObjectsConsumer {
  @MessageHandler(DELETE, { queue: 'storage.deletions' })
  async handle(ctx: MessageContext<{ recordingId: string; userId: string }>): Promise<void> {
    handled.push({ recordingId: ctx.data.recordingId, messageId: ctx.envelope.id, tenant: ctx.envelope.tenant });
  }
}

@Module({ providers: [DeleteObjectsConsumer] })
class DeletionsModule {}

const schema = baseConfigSchema.extend({ PORT: z.coerce.number().default(0) });

function definition(overrides: Partial<ServiceDefinition> = {}): ServiceDefinition {
  return {
    name: 'storage',
    configSchema: schema,
    consumers: [{ queue: 'storage.deletions', types: [DELETE] }],
    imports: [DeletionsModule],
    ...overrides,
  };
}

describe('a service on the platform', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  const running: RunningService[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createPlatformDatabase('leap_test_platform');
    vhost = await createTestVhost('leap_test_platform');
    env = { DATABASE_URL: db.url, RABBITMQ_URL: vhost.url, LOG_LEVEL: 'error', MESSAGING_RETRY_TIERS: '100ms' };
  });
  afterAll(async () => {
    for (const service of running.reverse()) await service.close().catch(() => undefined);
    await vhost?.drop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  it('finds decorated handlers at start-up and handles commands sent to its queue', async () => {
    const storage = await startService(definition(), { env, http: false });
    running.push(storage);
    const sender = await startService(definition({ name: 'ingest', consumers: [], imports: [] }), { env, http: false });
    running.push(sender);
    const bus: MessageBus = sender.app.get(MessageBus);
    const dataSource = sender.app.get(await import('typeorm').then((t) => t.DataSource));
    const recordingId = '0192f0c8-7c4e-7a1b-9c3d-5e6f7a8b9c0d';
    await dataSource.transaction((m) => bus.send(m, DELETE, { recordingId, userId: 'user-1' }, { subject: recordingId, tenant: 'user-1' }));
    await eventually(() => expect(handled.map((h) => h.recordingId)).toEqual([recordingId]), { timeoutMs: 10_000 });
    expect(handled[0]!.tenant).toBe('user-1');
    const ready = await storage.readiness.check();
    expect(ready).toEqual({ status: 'ok', checks: { 'storage.database': { status: 'up' }, 'storage.broker': { status: 'up' }, 'storage.storage': { status: 'up' } } });
  });

  it('refuses to boot when a subscribed type has no handler', async () => {
    const broken = definition({
      name: 'quota',
      consumers: [{ queue: 'quota.usage', types: ['ingest.recording.registered.v1'] }],
      imports: [],
    });
    await expect(startService(broken, { env, http: false })).rejects.toThrow(
      /queue quota.usage subscribes to ingest.recording.registered.v1 but no handler handles it/,
    );
  });

  it('refuses to boot when a handler listens to a queue that does not subscribe to its type', async () => {
    const broken = definition({ name: 'publishing', consumers: [] });
    await expect(startService(broken, { env, http: false })).rejects.toThrow(/handler DeleteObjectsConsumer.handle for storage.recording-objects.delete.v1/);
  });
});
