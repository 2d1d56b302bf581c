import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { MESSAGE_TYPES, type ZoomWebhookReceived } from '@leap/contracts';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { Public } from '../access/decorators';
import { ApiDoc } from '../common/api-doc';
import { headerOf, type HttpRequest } from '../common/http-types';
import type { GatewayConfig } from '../config/config.schema';
import { bodyTooLarge, malformedRequest, unsupportedBody } from '../http/problems';
import { StreamedBody } from '../http/streamed-body';

/** Ingest's refusals that reach Zoom as they are. */
const PASSED_THROUGH = /^ZOOM_WEBHOOK\./;

const validationAnswerSchema = z.object({ plainToken: z.string(), encryptedToken: z.string().describe('hex HMAC-SHA256 of plainToken with the secret token') });
const eventAnswerSchema = z.object({
  outcome: z.enum(['ingested', 'duplicate', 'ignored']).describe('ingested: a recording was registered; duplicate: the meeting was known; ignored: nothing to do'),
  recordingIds: z.array(z.string()),
});

/**
 * Zoom's event subscription endpoint. Public: the `x-zm-signature` is the proof, and only ingest
 * (which keeps the Zoom credentials and their secret tokens) can check it, so the body goes to
 * ingest byte for byte with the two headers, and Zoom gets ingest's answer.
 */
@Controller('api/v1/webhooks/zoom')
export class ZoomWebhookController {
  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'INGEST_REQUEST_TIMEOUT' | 'REQUEST_BODY_MAX_BYTES'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @Post()
  @Public()
  @HttpCode(200)
  @StreamedBody('application/json')
  @ApiDoc({
    summary: "Zoom's event subscription (recording.completed, URL validation)",
    description:
      "Set this URL as the event notification endpoint of the Zoom app whose credential LEAP keeps, with the app's secret token in the credential's " +
      '`webhookSecretToken`. The request must carry `x-zm-request-timestamp` (at most 5 minutes off) and `x-zm-signature` ' +
      '(`v0=` hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the secret token). `endpoint.url_validation` is answered with ' +
      '`{plainToken, encryptedToken}`; `recording.completed` registers the recording for the active ZOOM source of that credential (once, however often Zoom retries) ' +
      'and its download runs in the background. Other events are acknowledged and ignored.',
    tag: 'sources',
    rawBody: { contentType: 'application/json', schema: { type: 'object', description: 'A Zoom event: `{event, event_ts, payload}`' } },
    headers: {
      'x-zm-request-timestamp': { description: 'Seconds since the epoch, as Zoom sends it.', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
      'x-zm-signature': { description: '`v0=<hex HMAC-SHA256(secret token, "v0:{timestamp}:{body}")>`.', required: true },
    },
    responses: {
      200: { description: 'The URL validation answer, or what became of the event', schema: z.union([validationAnswerSchema, eventAnswerSchema]) },
    },
    problems: {
      400: ['ZOOM_WEBHOOK.INVALID', 'REQUEST.MALFORMED'],
      401: ['ZOOM_WEBHOOK.SIGNATURE_INVALID', 'ZOOM_WEBHOOK.STALE_TIMESTAMP'],
      413: ['REQUEST.TOO_LARGE'],
      415: ['REQUEST.UNSUPPORTED_MEDIA_TYPE'],
      503: ['INGEST.UNAVAILABLE'],
    },
  })
  async receive(@Req() request: HttpRequest, @Res({ passthrough: true }) response: ServerResponse): Promise<Record<string, unknown>> {
    const body = await this.rawBody(request, response);
    let reply: ZoomWebhookReceived;
    try {
      reply = await this.bus.request(
        MESSAGE_TYPES.ingest.ReceiveZoomWebhook,
        { body, timestamp: headerOf(request, 'x-zm-request-timestamp') ?? '', signature: headerOf(request, 'x-zm-signature') ?? '' },
        { timeoutMs: this.config.INGEST_REQUEST_TIMEOUT },
      );
    } catch (error) {
      if (error instanceof LeapError && PASSED_THROUGH.test(error.code)) throw new LeapError(error.code, error.message, { status: error.status });
      this.logger.warn(`ingest did not answer a Zoom webhook: ${(error as Error).message}`, { code: (error as LeapError).code });
      throw new LeapError('INGEST.UNAVAILABLE', 'The ingest service did not answer; Zoom will retry', { status: 503, retryable: true, details: { retryAfterSeconds: 5 }, cause: error });
    }
    if (reply.outcome === 'validated') return { plainToken: reply.plainToken ?? '', encryptedToken: reply.encryptedToken ?? '' };
    return { outcome: reply.outcome, recordingIds: reply.recordingIds ?? [] };
  }

  /** The body as sent (the signature covers these bytes), JSON in UTF-8 with no content coding, within REQUEST_BODY_MAX_BYTES. */
  private async rawBody(request: HttpRequest, response: ServerResponse): Promise<string> {
    const type = (headerOf(request, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw unsupportedBody(`Zoom sends JSON (Content-Type: application/json); got ${type ? `"${type}"` : 'no Content-Type'}`);
    const coding = (headerOf(request, 'content-encoding') ?? 'identity').trim().toLowerCase();
    if (coding !== 'identity') throw unsupportedBody(`The content coding "${coding}" is not read here`);
    const max = this.config.REQUEST_BODY_MAX_BYTES;
    const tooLarge = () => {
      response.setHeader('Connection', 'close');
      return bodyTooLarge(max);
    };
    if (Number(request.headers['content-length']) > max) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > max) throw tooLarge();
      chunks.push(chunk);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    } catch {
      throw malformedRequest('The body is not valid UTF-8');
    }
  }
}
