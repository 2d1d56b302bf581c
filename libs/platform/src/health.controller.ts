import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessageBus } from '@leap/messaging';
import type { ObjectStore } from '@leap/storage-client';
import { SERVICE_DEFINITION } from './tokens';
import type { ServiceDefinition } from './service-definition';
import { ReadinessRegistry } from './readiness';

/**
 * Liveness answers while the process can serve at all; readiness checks the service's
 * database, broker and object store (S3: the bucket answers; and, in the embedded mode, every
 * service in the process).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly readiness: ReadinessRegistry,
    @Inject(SERVICE_DEFINITION) private readonly definition: ServiceDefinition,
  ) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok'; service: string } {
    return { status: 'ok', service: this.definition.name };
  }

  @Get('ready')
  async ready(@Res() res: { status(code: number): { json(body: unknown): void } }): Promise<void> {
    const report = await this.readiness.check();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  }
}

export function ownReadinessChecks(name: string, dataSource: DataSource, bus: MessageBus, store: ObjectStore) {
  return [
    {
      name: `${name}.database`,
      check: async () => {
        await dataSource.query('SELECT 1');
      },
    },
    { name: `${name}.broker`, check: () => bus.ping() },
    { name: `${name}.storage`, check: () => store.ping() },
  ];
}
