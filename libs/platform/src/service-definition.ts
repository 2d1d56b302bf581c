import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import type { ConsumerSpec } from '@leap/messaging';
import type { MigrationClass } from '@leap/persistence';
import type { ZodTypeAny } from 'zod';

/** Everything the platform needs to run one service, in its own process or embedded. */
export interface ServiceDefinition {
  /** As in `services/<name>`: `gateway`, `media-processing`, ... */
  name: string;
  /** The service's validated environment schema (see `src/config/config.schema.ts`). */
  configSchema: ZodTypeAny;
  /** The feature module(s) with the service's controllers, handlers and repositories. */
  imports?: Array<Type<unknown> | DynamicModule>;
  /** TypeORM entities and migrations of the service's own schema. */
  entities?: Array<Type<unknown>>;
  migrations?: MigrationClass[];
  /** Queues the service consumes and the message types routed to each. */
  consumers: ConsumerSpec[];
  /**
   * Kinds of durable jobs the service runs (docs/jobs.md), each with the number a replica runs at
   * once, read from the service's validated configuration. A service with jobs gets the `jobs`
   * table and the job runners.
   */
  jobs?: Array<{ kind: string; concurrency: (config: any) => number; perTenant?: (config: any) => number }>;
  /** Whether the service serves the public API (only the gateway). */
  publicHttp?: boolean;
  /** How the service's HTTP server is set up, when it listens. */
  http?: ServiceHttpSetup;
}

export interface ServiceHttpSetup {
  /** Nest's own JSON and form body parsers (default true); a service that reads bodies itself turns them off. */
  bodyParser?: boolean;
  /** Runs once the application exists and before it listens: headers, server events, middleware before routing. */
  configure?(app: INestApplication, config: Record<string, unknown>): void;
}
