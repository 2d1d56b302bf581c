import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { WebhookDeliveries } from './webhook-deliveries.service';
import { WebhookDeliveryJob } from './webhook-delivery.job';
import { WebhookEventsConsumer } from './webhook-events.consumer';
import { WebhookSecretSealer, WebhookSecretVault } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** Outbound webhooks: subscriptions, the public event catalogue, and delivery as durable jobs (docs/webhooks.md). */
@Module({
  imports: [IdentityModule],
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhooksService, WebhookDeliveries, WebhookDeliveryJob, WebhookEventsConsumer, WebhookSender, WebhookSecretVault, WebhookSecretSealer],
})
export class WebhooksModule {}
