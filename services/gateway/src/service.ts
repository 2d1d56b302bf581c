import type { ServiceDefinition } from '@leap/platform';
import { gatewayConfigSchema, type GatewayConfig } from './config/config.schema';
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
import { ProgressModule } from './progress/progress.module';
import { ShareModule } from './share/share.module';
import { TimingsModule } from './timings/timings.module';
import { ResumableUploadsModule } from './uploads/resumable-uploads.module';
import { PublishingModule } from './publishing/publishing.module';
import { OAuthModule } from './oauth/oauth.module';
import { CredentialsModule } from './credentials/credentials.module';
import { SourcesModule } from './sources/sources.module';
import { TemplatesModule } from './templates/templates.module';
import { AutomationModule } from './automation/automation.module';
import { StorageModule } from './storage/storage.module';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { configureGatewayHttp } from './http/http-setup';
import { WebhooksModule } from './webhooks/webhooks.module';
import { NotificationsModule } from './notifications/notifications.module';
import { TranscriptionModule } from './transcription/transcription.module';
import { NOTIFICATIONS_QUEUE, NOTIFICATION_TYPES } from './notifications/recording-notifications.consumer';
import { DELIVERY_JOB } from './webhooks/webhook-deliveries.service';
import { WEBHOOKS_QUEUE, WEBHOOK_SOURCE_TYPES } from './webhooks/webhook-events.consumer';

/** The gateway service as the platform runs it: its config, schema, consumers and features. */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  consumers: [
    { queue: READ_MODEL_QUEUE, types: READ_MODEL_TYPES },
    { queue: WEBHOOKS_QUEUE, types: WEBHOOK_SOURCE_TYPES },
    { queue: NOTIFICATIONS_QUEUE, types: NOTIFICATION_TYPES },
  ],
  jobs: [
    {
      kind: DELIVERY_JOB,
      concurrency: (config: GatewayConfig) => config.WEBHOOK_CONCURRENCY,
      // A subscription is the deliveries' tenant: one whose receiver hangs holds at most this many slots.
      perTenant: (config: GatewayConfig) => config.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION,
    },
  ],
  imports: [
    HttpCommonModule,
    AccessModule,
    IdempotencyModule,
    AuthModule,
    IdentityModule,
    SessionsModule,
    RecordingsModule,
    ProgressModule,
    ShareModule,
    TimingsModule,
    ResumableUploadsModule,
    StorageModule,
    PublishingModule,
    OAuthModule,
    CredentialsModule,
    SourcesModule,
    TemplatesModule,
    AutomationModule,
    AdminModule,
    WebhooksModule,
    NotificationsModule,
    TranscriptionModule,
    OpenApiModule,
    MaintenanceModule,
  ],
  entities: [UserEntity],
  migrations: gatewayMigrations,
  publicHttp: true,
  // Bodies are read per route (JSON only, within limits) by RequestInputInterceptor.
  http: { bodyParser: false, configure: configureGatewayHttp },
};

export { gatewayMigrations };
