import { LeapError } from '@leap/errors';
import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'WEBHOOK.NOT_FOUND': 'Webhook subscription not found',
  'WEBHOOK.DELIVERY_NOT_FOUND': 'Webhook delivery not found',
  'WEBHOOK.URL_NOT_ALLOWED': 'This webhook URL may not be used',
  'WEBHOOK.UNKNOWN_EVENT_TYPE': 'No public event type matches',
});

export function webhookNotFound(): LeapError {
  return new LeapError('WEBHOOK.NOT_FOUND', 'No webhook subscription with this id', { status: 404 });
}

export function deliveryNotFound(): LeapError {
  return new LeapError('WEBHOOK.DELIVERY_NOT_FOUND', 'No delivery with this id for this subscription', { status: 404 });
}

/** 422: not https where https is required, or the host is or resolves to an address the guard refuses. */
export function urlNotAllowed(reason: string): LeapError {
  return new LeapError('WEBHOOK.URL_NOT_ALLOWED', `This URL may not receive webhooks: ${reason}`, { status: 422, details: { reason } });
}

export function unknownEventTypes(filters: string[]): LeapError {
  return new LeapError('WEBHOOK.UNKNOWN_EVENT_TYPE', `No public event type matches ${filters.join(', ')}; see GET /api/v1/webhooks/event-types`, {
    status: 422,
    details: { eventTypes: filters },
  });
}
