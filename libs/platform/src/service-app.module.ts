import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessageBus, MessagingModule, type MessagingLogger } from '@leap/messaging';
import { openServiceDatabase } from '@leap/persistence';
import { schemaNameFor } from '@leap/config';
import { catalog } from '@leap/contracts';
import { HealthController, ownReadinessChecks } from './health.controller';
import { ReadinessRegistry } from './readiness';
import type { ServiceDefinition } from './service-definition';
import { createObjectStore } from '@leap/storage-client';
import { OBJECT_STORE, SERVICE_CONFIG, SERVICE_DEFINITION, SERVICE_LOGGER, TRANSPORT } from './tokens';
import { createTransport } from './transport-factory';
import type { PlatformConfig } from './platform-config';
import { ambientRequestId, runInLogContext } from './log-context';

const READINESS_WIRING = Symbol('leap:readiness-wiring');

/** Builds the root module of one service: config, logger, its database, its bus, health, features. */
export function serviceAppModule(definition: ServiceDefinition, config: PlatformConfig, logger: MessagingLogger, readiness = new ReadinessRegistry()): DynamicModule {
  const schema = config.DATABASE_SCHEMA ?? schemaNameFor(definition.name);

  @Global()
  @Module({})
  class PlatformCoreModule {}

  const core: DynamicModule = {
    module: PlatformCoreModule,
    global: true,
    providers: [
      { provide: SERVICE_CONFIG, useValue: config },
      { provide: SERVICE_LOGGER, useValue: logger },
      { provide: SERVICE_DEFINITION, useValue: definition },
      { provide: ReadinessRegistry, useValue: readiness },
      {
        provide: DataSource,
        useFactory: () =>
          openServiceDatabase({
            url: config.DATABASE_URL,
            schema,
            entities: definition.entities ?? [],
            migrations: definition.migrations ?? [],
            poolSize: config.DATABASE_POOL_SIZE,
            applicationName: `leap-${definition.name}`,
          }),
      },
      { provide: TRANSPORT, useFactory: () => createTransport(definition.name, config, logger) },
      { provide: OBJECT_STORE, useFactory: () => createObjectStore(config) },
    ],
    exports: [SERVICE_CONFIG, SERVICE_LOGGER, SERVICE_DEFINITION, ReadinessRegistry, DataSource, TRANSPORT, OBJECT_STORE],
  };

  const messaging = MessagingModule.forRoot({
    inject: [DataSource, TRANSPORT],
    consumers: definition.consumers,
    useFactory: (dataSource: DataSource, transport) => ({
      service: definition.name,
      transport,
      catalog,
      dataSource,
      schema,
      databaseUrl: config.DATABASE_URL,
      logger,
      immediateRetries: config.MESSAGING_IMMEDIATE_RETRIES,
      retryTiersMs: config.MESSAGING_RETRY_TIERS,
      deliveryLimit: config.MESSAGING_DELIVERY_LIMIT,
      prefetch: config.MESSAGING_PREFETCH,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      outbox: { pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS, maxAttempts: config.OUTBOX_MAX_ATTEMPTS },
      runInContext: runInLogContext,
      ambientCorrelationId: ambientRequestId,
    }),
  });

  @Module({})
  class ServiceAppModule {}

  return {
    module: ServiceAppModule,
    imports: [core, messaging, ...(definition.imports ?? [])],
    controllers: [HealthController],
    providers: [
      {
        provide: READINESS_WIRING,
        inject: [ReadinessRegistry, DataSource, MessageBus],
        useFactory: (registry: ReadinessRegistry, dataSource: DataSource, bus: MessageBus) => {
          registry.add(...ownReadinessChecks(definition.name, dataSource, bus));
          return true;
        },
      },
    ],
  };
}
