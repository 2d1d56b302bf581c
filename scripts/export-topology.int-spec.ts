import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { createTestVhost, type TestVhost } from '@leap/testing';
import { DEFINITIONS_PATH, platformDefinitions } from './export-topology';

describe('RabbitMQ definitions file', () => {
  let vhost: TestVhost | undefined;
  afterAll(() => vhost?.drop());

  it('is up to date with the services and contracts (run `npm run topology:export`)', () => {
    expect(JSON.parse(readFileSync(DEFINITIONS_PATH, 'utf8'))).toEqual(platformDefinitions());
  });

  it('loads into RabbitMQ and declares what the services expect', async () => {
    vhost = await createTestVhost('leap_test_defs');
    const definitions = platformDefinitions(vhost.name);
    // The broker reads the file itself, as its own user.
    const file = join(tmpdir(), `${vhost.name}.definitions.json`);
    writeFileSync(file, JSON.stringify(definitions));
    chmodSync(file, 0o644);
    const imported = spawnSync('rabbitmqctl', ['-q', 'import_definitions', file], { encoding: 'utf8' });
    rmSync(file, { force: true });
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    const connection = await amqp.connect(vhost.url);
    try {
      const channel = await connection.createChannel();
      for (const exchange of definitions.exchanges) await channel.checkExchange(exchange.name);
      for (const queue of definitions.queues) await channel.checkQueue(queue.name);
      await channel.close();
    } finally {
      await connection.close();
    }
    expect(definitions.exchanges.map((e) => e.name)).toEqual(
      expect.arrayContaining(['ingest.events', 'ingest.commands', 'media.events', 'media.commands', 'quota.commands']),
    );
  });
});
