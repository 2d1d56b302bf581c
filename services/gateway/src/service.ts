import type { ServiceDefinition } from '@leap/platform';
import { gatewayConfigSchema } from './config/config.schema';
import { AccessModule } from './access/access.module';
import { AuthModule } from './auth/auth.module';
import { IdentityModule } from './identity/identity.module';
import { SessionsModule } from './sessions/sessions.module';
import { UserEntity } from './auth/user.entity';
import { AdminModule } from './admin/admin.module';
import { HttpCommonModule } from './common/http-common.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { OpenApiModule } from './openapi/openapi.module';
import { gatewayMigrations } from './migrations';
import { READ_MODEL_QUEUE, READ_MODEL_TYPES } from './recordings/read-model.consumer';
import { RecordingsModule } from './recordings/recordings.module';
import { MaintenanceModule } from './maintenance/maintenance.module';

/** The gateway service as the platform runs it: its config, schema, consumers and features. */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  consumers: [{ queue: READ_MODEL_QUEUE, types: READ_MODEL_TYPES }],
  imports: [HttpCommonModule, AccessModule, IdempotencyModule, AuthModule, IdentityModule, SessionsModule, RecordingsModule, AdminModule, OpenApiModule, MaintenanceModule],
  entities: [UserEntity],
  migrations: gatewayMigrations,
  publicHttp: true,
};

export { gatewayMigrations };
