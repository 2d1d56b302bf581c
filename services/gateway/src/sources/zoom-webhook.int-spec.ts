import { createHmac } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import { MESSAGE_TYPES, type ReceiveZoomWebhook, type ZoomWebhookReceived } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { startFakeZoom, type FakeZoom } from '@leap/testing';
import { expectProblem, gatewayTestEnv, standInService, startGateway, type Reply } from '../testing';

const SECRET = 'zoom-app-secret-token';
const received: ReceiveZoomWebhook[] = [];
const ingested = new Set<string>();
/** Set while ingest is to stay silent: the handler answers only once it is released. */
let silence: Promise<void> | undefined;

/**
 * Plays ingest's side of the webhook: checks the signature over the bytes it was given (so a body
 * changed on the way fails), answers the URL validation, registers a meeting once.
 */
@Injectable()
class ZoomWebhookIngest {
  @MessageHandler(MESSAGE_TYPES.ingest.ReceiveZoomWebhook, { queue: 'ingest.commands' })
  async receive(ctx: MessageContext<ReceiveZoomWebhook>): Promise<ZoomWebhookReceived> {
    received.push(ctx.data);
    if (silence) {
      await silence;
      throw new LeapError('TEST.RELEASED', 'too late', { status: 500 });
    }
    const { body, timestamp = '', signature = '' } = ctx.data;
    if (Math.abs(Date.now() - Number(timestamp) * 1000) > 300_000) throw new LeapError('ZOOM_WEBHOOK.STALE_TIMESTAMP', 'too old', { status: 401 });
    if (signature !== `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`) {
      throw new LeapError('ZOOM_WEBHOOK.SIGNATURE_INVALID', 'no credential signed it', { status: 401 });
    }
    const event = JSON.parse(body);
    if (event.event === 'endpoint.url_validation') {
      return { outcome: 'validated', plainToken: event.payload.plainToken, encryptedToken: createHmac('sha256', SECRET).update(event.payload.plainToken).digest('hex') };
    }
    const uuid = event.payload.object.uuid as string;
    const first = !ingested.has(uuid);
    ingested.add(uuid);
    return { outcome: first ? 'ingested' : 'duplicate', recordingIds: [`rec-${uuid}`] };
  }
}

@Module({ providers: [ZoomWebhookIngest] })
class ZoomWebhookIngestModule {}

/** `POST /api/v1/webhooks/zoom`: public, the body forwarded to ingest byte for byte, ingest's answer (or refusal) given back to Zoom. */
describe('the Zoom webhook route', () => {
  let world: ServiceWorld;
  let zoom: FakeZoom;
  let url = '';

  beforeAll(async () => {
    zoom = await startFakeZoom();
    zoom.addMeeting('me', {
      uuid: 'lecture/uuid==',
      id: 42,
      topic: 'Лекция: компиляторы',
      hostId: 'host-1',
      startTime: '2026-12-01T10:00:00Z',
      duration: 90,
      files: [{ id: 'file-1', fileType: 'MP4', recordingType: 'shared_screen_with_speaker_view', bytes: Buffer.alloc(64, 1) }],
    });
    world = await createServiceWorld('gateway_zoom_webhook', gatewayTestEnv({ INGEST_REQUEST_TIMEOUT: '5s' }));
    await world.start(standInService('ingest', 'ingest.commands', [MESSAGE_TYPES.ingest.ReceiveZoomWebhook], ZoomWebhookIngestModule));
    const gateway = await startGateway(world);
    url = `${gateway.base}/api/v1/webhooks/zoom`;
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await zoom?.close();
  });

  it('answers the URL validation challenge without a sign-in', async () => {
    const answer = await zoom.sendWebhook(url, zoom.urlValidationEvent('qgg8vlvZRS6UYooatFL8Aw'), { secretToken: SECRET });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex') });
  });

  it('forwards the body byte for byte with both headers, and a repeated event ingests once', async () => {
    received.length = 0;
    const first = await zoom.sendRecordingCompleted(url, 'lecture/uuid==', { secretToken: SECRET });
    expect(first).toMatchObject({ status: 200, body: { outcome: 'ingested', recordingIds: ['rec-lecture/uuid=='] } });
    const again = await zoom.sendRecordingCompleted(url, 'lecture/uuid==', { secretToken: SECRET });
    expect(again).toMatchObject({ status: 200, body: { outcome: 'duplicate', recordingIds: ['rec-lecture/uuid=='] } });
    expect(received).toHaveLength(2);
    expect(JSON.parse(received[0].body)).toMatchObject({ event: 'recording.completed', payload: { object: { uuid: 'lecture/uuid==', topic: 'Лекция: компиляторы' } } });
    expect(received[0].signature).toMatch(/^v0=[0-9a-f]{64}$/);
  });

  it('refuses a forged signature and a stale timestamp with their problem codes', async () => {
    const forged = await zoom.sendRecordingCompleted(url, 'lecture/uuid==', { secretToken: 'guessed' });
    expectProblem(forged as unknown as Reply, 401, 'ZOOM_WEBHOOK.SIGNATURE_INVALID');
    const stale = await zoom.sendRecordingCompleted(url, 'lecture/uuid==', { secretToken: SECRET, timestamp: Math.floor(Date.now() / 1000) - 600 });
    expectProblem(stale as unknown as Reply, 401, 'ZOOM_WEBHOOK.STALE_TIMESTAMP');
  });

  it('takes JSON only, and answers 503 when ingest is silent (Zoom retries)', async () => {
    const form = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'event=recording.completed' });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { code: string }).code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
    let release = () => undefined as void;
    silence = new Promise<void>((resolve) => (release = resolve));
    try {
      const answer = await zoom.sendRecordingCompleted(url, 'lecture/uuid==', { secretToken: SECRET });
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('INGEST.UNAVAILABLE');
    } finally {
      silence = undefined;
      release();
    }
  });
});
