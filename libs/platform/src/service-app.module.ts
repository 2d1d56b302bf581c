import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessageBus, MessagingModule, type MessagingLogger } from '@leap/messaging';
import { openServiceDatabase, type MigrationClass } from '@leap/persistence';
import { jobsMigration, JobsModule } from '@leap/jobs';
import { schemaNameFor } from '@leap/config';
import { catalog } from '@leap/contracts';
import { HealthController, ownReadinessChecks } from './health.controller';
import { ReadinessRegistry } from './readiness';
import type { ServiceDefinition } from './service-definition';
import { createObjectStore, type ObjectStore } from '@leap/storage-client';
import { OBJECT_STORE, SERVICE_CONFIG, SERVICE_DEFINITION, SERVICE_LOGGER, TRANSPORT } from './tokens';
import { createTransport } from './transport-factory';
import type { PlatformConfig } from './platform-config';
import { ambientRequestId, runInLogContext } from './log-context';
import { SpanFlushOnShutdown } from './tracing/flush';

const READINESS_WIRING = Symbol('leap:readiness-wiring');

/** A service's migrations in the order they run: the jobs table first when it runs jobs, then its own. */
export function serviceMigrations(definition: ServiceDefinition, schema: string): MigrationClass[] {
  return [...(definition.jobs?.length ? [jobsMigration(schema)] : []), ...(definition.migrations ?? [])];
}

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
            migrations: serviceMigrations(definition, schema),
            poolSize: config.DATABASE_POOL_SIZE,
            idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT,
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

  const jobs = definition.jobs?.length
    ? [
        JobsModule.forRoot({
          inject: [DataSource, MessageBus],
          useFactory: (dataSource: DataSource, bus: MessageBus) => ({
            service: definition.name,
            schema,
            dataSource,
            databaseUrl: config.DATABASE_URL,
            bus,
            logger,
            concurrency: Object.fromEntries(definition.jobs!.map((j) => [j.kind, j.concurrency(config)])),
            perTenant: Object.fromEntries(definition.jobs!.flatMap((j) => (j.perTenant ? [[j.kind, j.perTenant(config)]] : []))),
            leaseMs: config.JOBS_LEASE,
            maxAttempts: config.JOBS_MAX_ATTEMPTS,
            backoffBaseMs: config.JOBS_RETRY_BACKOFF,
            backoffMaxMs: config.JOBS_RETRY_BACKOFF_MAX,
            pollIntervalMs: config.JOBS_POLL_INTERVAL,
            retentionMs: config.JOBS_RETENTION,
            shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
            runInContext: runInLogContext,
          }),
        }),
      ]
    : [];

  @Module({})
  class ServiceAppModule {}

  return {
    module: ServiceAppModule,
    imports: [core, messaging, ...jobs, ...(definition.imports ?? [])],
    controllers: [HealthController],
    providers: [
      SpanFlushOnShutdown,
      {
        provide: READINESS_WIRING,
        inject: [ReadinessRegistry, DataSource, MessageBus, OBJECT_STORE],
        useFactory: (registry: ReadinessRegistry, dataSource: DataSource, bus: MessageBus, store: ObjectStore) => {
          registry.add(...ownReadinessChecks(definition.name, dataSource, bus, store));
          return true;
        },
      },
    ],
  };
}
