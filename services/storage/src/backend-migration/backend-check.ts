import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MessagingLogger } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { StorageConfig } from '../config/config.schema';
import { BackendMigrationRepository, WHOLE_STORE } from './backend-migration.repository';

/**
 * After `storage:migrate` has switched the whole store, the services must run with the new
 * STORAGE_BACKEND; until they do they read and write the old one. Said at start, loudly.
 */
@Injectable()
export class BackendCheck implements OnApplicationBootstrap {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<StorageConfig, 'STORAGE_BACKEND'>,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const recorded = await new BackendMigrationRepository(this.dataSource).backendOf(WHOLE_STORE);
    if (recorded && recorded.backend !== this.config.STORAGE_BACKEND) {
      this.logger.warn(`storage:migrate moved the whole store to ${recorded.backend}, but STORAGE_BACKEND is ${this.config.STORAGE_BACKEND}: set STORAGE_BACKEND=${recorded.backend} for every service`, {
        recorded: recorded.backend,
        configured: this.config.STORAGE_BACKEND,
      });
    }
  }
}
