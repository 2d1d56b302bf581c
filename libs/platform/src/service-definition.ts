import type { DynamicModule, Type } from '@nestjs/common';
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
  /** Whether the service serves the public API (only the gateway). */
  publicHttp?: boolean;
}
