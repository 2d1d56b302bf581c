import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Idempotent } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { parseInput } from '../common/validation';
import {
  createWebhookSchema,
  deliveriesQuerySchema,
  deliveryListSchema,
  eventTypesSchema,
  queuedSchema,
  redeliverRangeSchema,
  updateWebhookSchema,
  webhookListSchema,
  webhookViewSchema,
  webhookWithSecretSchema,
} from './webhooks.dto';
import { WebhooksService } from './webhooks.service';

const NOT_FOUND = { 404: ['WEBHOOK.NOT_FOUND'] };
const TARGET = { 422: ['WEBHOOK.URL_NOT_ALLOWED', 'WEBHOOK.UNKNOWN_EVENT_TYPE'] };

/** Webhook subscriptions of the caller: which public events go to which URL, signed per Standard Webhooks (docs/webhooks.md). */
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get('event-types')
  @ApiDoc({
    summary: 'List the public event types',
    description: 'The events a subscription may ask for, each with its public name and version, the proto message of its `data`, and an example.',
    tag: 'webhooks',
    responses: { 200: { description: 'The public event catalogue', schema: eventTypesSchema } },
  })
  eventTypes() {
    return this.webhooks.eventTypes();
  }

  @Post()
  @HttpCode(201)
  @Idempotent({ notStored: ['secret'] })
  @ApiDoc({
    summary: 'Create a webhook subscription',
    description:
      'The answer is the only time the secret (`whsec_…`) is shown. The URL must be https in production and must not be, or resolve to, a private ' +
      'or internal address (unless OUTBOUND_ALLOWED_HOSTS names it); it is checked again at every delivery.',
    tag: 'webhooks',
    body: createWebhookSchema,
    responses: { 201: { description: 'The subscription and its secret, shown once', schema: webhookWithSecretSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...TARGET },
  })
  create(@CurrentUser() user: Principal, @Body() body: unknown) {
    return this.webhooks.create(user.userId, parseInput(createWebhookSchema, body));
  }

  @Get()
  @ApiDoc({
    summary: "List the caller's webhook subscriptions",
    tag: 'webhooks',
    responses: { 200: { description: 'The subscriptions, newest first (never their secrets)', schema: webhookListSchema } },
  })
  list(@CurrentUser() user: Principal) {
    return this.webhooks.list(user.userId);
  }

  @Get(':id')
  @ApiDoc({
    summary: 'Get a webhook subscription',
    tag: 'webhooks',
    params: { id: 'The subscription id' },
    responses: { 200: { description: 'The subscription', schema: webhookViewSchema } },
    problems: NOT_FOUND,
  })
  get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.webhooks.get(user.userId, id);
  }

  @Patch(':id')
  @ApiDoc({
    summary: 'Change a webhook subscription',
    description: 'URL, event types, description, or `enabled` (enabling again after an automatic disable starts a fresh count of failures).',
    tag: 'webhooks',
    params: { id: 'The subscription id' },
    body: updateWebhookSchema,
    responses: { 200: { description: 'The subscription as changed', schema: webhookViewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...NOT_FOUND, ...TARGET },
  })
  async update(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    // Another tenant's id is a 404 whatever the body says.
    await this.webhooks.get(user.userId, id);
    return this.webhooks.update(user.userId, id, parseInput(updateWebhookSchema, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete a webhook subscription',
    description: 'With its delivery log; deliveries in flight are dropped.',
    tag: 'webhooks',
    params: { id: 'The subscription id' },
    responses: { 204: { description: 'Deleted' } },
    problems: NOT_FOUND,
  })
  async delete(@CurrentUser() user: Principal, @Param('id') id: string): Promise<void> {
    await this.webhooks.delete(user.userId, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Idempotent({ notStored: ['secret'] })
  @ApiDoc({
    summary: 'Rotate the signing secret',
    description:
      'A new secret, shown only in this answer. The previous one keeps signing beside it (two signatures in `webhook-signature`) until ' +
      '`previousSecretUntil` (WEBHOOK_SECRET_OVERLAP, a day by default), so receivers can switch without missing a delivery.',
    tag: 'webhooks',
    params: { id: 'The subscription id' },
    responses: { 200: { description: 'The subscription and its new secret, shown once', schema: webhookWithSecretSchema } },
    problems: NOT_FOUND,
  })
  rotate(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.webhooks.rotateSecret(user.userId, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @Idempotent()
  @ApiDoc({
    summary: 'Send a ping',
    description: 'Queues a `webhook.ping` delivery to the subscription, delivered and logged like any other.',
    tag: 'webhooks',
    params: { id: 'The subscription id' },
    responses: { 202: { description: 'The ping is queued', schema: queuedSchema } },
    problems: NOT_FOUND,
  })
  test(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.webhooks.ping(user.userId, id);
  }

  @Get(':id/deliveries')
  @ApiDoc({
    summary: 'List deliveries',
    description: 'The delivery log, newest first: each delivery with every attempt (status, latency, the start of the answer).',
    tag: 'webhooks',
    params: { id: 'The subscription id' },
    query: deliveriesQuerySchema,
    responses: { 200: { description: 'The deliveries', schema: deliveryListSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...NOT_FOUND },
  })
  async deliveries(@CurrentUser() user: Principal, @Param('id') id: string, @Query() query: unknown) {
    await this.webhooks.get(user.userId, id);
    return this.webhooks.deliveryLog(user.userId, id, parseInput(deliveriesQuerySchema, query));
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @Idempotent()
  @ApiDoc({
    summary: 'Redeliver one delivery',
    description: 'Sends it again with the same `webhook-id` and a fresh retry schedule.',
    tag: 'webhooks',
    params: { id: 'The subscription id', deliveryId: 'The delivery id' },
    responses: { 202: { description: 'Queued', schema: queuedSchema } },
    problems: { 404: ['WEBHOOK.NOT_FOUND', 'WEBHOOK.DELIVERY_NOT_FOUND'] },
  })
  redeliverOne(@CurrentUser() user: Principal, @Param('id') id: string, @Param('deliveryId') deliveryId: string) {
    return this.webhooks.redeliverOne(user.userId, id, deliveryId);
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @Idempotent()
  @ApiDoc({
    summary: 'Redeliver a time range',
    description: 'Sends again every delivery created in [`from`, `to`) (at most 1000), or only those in `state`.',
    tag: 'webhooks',
    params: { id: 'The subscription id' },
    body: redeliverRangeSchema,
    responses: { 202: { description: 'Queued', schema: queuedSchema } },
    problems: { 400: ['VALIDATION.FAILED'], ...NOT_FOUND },
  })
  async redeliverRange(@CurrentUser() user: Principal, @Param('id') id: string, @Body() body: unknown) {
    await this.webhooks.get(user.userId, id);
    return this.webhooks.redeliverRange(user.userId, id, parseInput(redeliverRangeSchema, body));
  }
}
