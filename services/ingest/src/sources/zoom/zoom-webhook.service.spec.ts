import { LeapError } from '@leap/errors';
import type { Clock } from '../../clock.service';
import type { SourceCredentialRow, SourceCredentialsRepository } from '../../credentials/source-credentials.repository';
import type { PipelineTx } from '../../pipeline/pipeline.service';
import type { SourceItem } from '../source-adapter';
import type { SourceSyncService, SyncOutcome } from '../source-sync.service';
import type { SourceRow, SourcesRepository } from '../sources.repository';
import type { ZoomClient } from './zoom.client';
import { urlValidationToken, zoomWebhookSignature } from './zoom-webhook-signature';
import { ZoomWebhookService } from './zoom-webhook.service';

/** An object whose listed methods answer as given; any other call fails the test. */
function strict<T extends object>(name: string, methods: Record<string, (...args: any[]) => unknown>): T {
  return new Proxy({} as T, {
    get(_t, key) {
      if (typeof key === 'string' && key in methods) return methods[key];
      if (key === 'then') return undefined;
      throw new Error(`unexpected call of ${name}.${String(key)}`);
    },
  });
}

const NOW = new Date('2026-12-06T12:00:00Z');
const tx = { manager: {} } as PipelineTx;
const credential = (id: string, externalAccountId: string | null, userId = 'user-1') => ({ id, userId, externalAccountId, sealedData: `sealed:${id}` }) as SourceCredentialRow;
const source = { id: 'source-1', userId: 'user-1', platform: 'ZOOM', credentialId: 'cred-a', config: { autoRun: true } } as unknown as SourceRow;
const event = {
  event: 'recording.completed',
  payload: {
    account_id: 'acc-1',
    object: {
      uuid: 'm-1==',
      topic: 'Lecture',
      host_id: 'host-1',
      start_time: '2026-12-06T10:00:00Z',
      duration: 60,
      recording_files: [
        { id: 'f-1', file_type: 'MP4', file_size: 40_000_000, recording_type: 'gallery_view', download_url: 'https://zoom.example/rec/f-1' },
        { id: 'f-2', file_type: 'MP4', file_size: 30_000_000, recording_type: 'shared_screen_with_speaker_view', download_url: 'https://zoom.example/rec/f-2' },
      ],
    },
  },
};
const signed = (body: unknown, secret: string, at = NOW) => {
  const text = JSON.stringify(body);
  const timestamp = String(Math.floor(at.getTime() / 1000));
  return { body: text, timestamp, signature: zoomWebhookSignature(secret, timestamp, text) };
};

describe('ZoomWebhookService', () => {
  const applied: { source: SourceRow; items: SourceItem[] }[] = [];
  const asked: (string | null)[] = [];

  function service(options: { candidates: SourceCredentialRow[]; secrets: Record<string, string>; outcome?: Partial<SyncOutcome>; zoomShows?: boolean }) {
    applied.length = 0;
    asked.length = 0;
    return new ZoomWebhookService(
      strict<SourceCredentialsRepository>('credentials', {
        webhookCandidates: async (_tx: unknown, accountId: string | null) => (asked.push(accountId), options.candidates),
      }),
      strict('vault', {
        open: (id: string) => {
          if (!(id in options.secrets)) throw new LeapError('SECRETS.UNKNOWN_KEY', 'gone');
          return { webhookSecretToken: options.secrets[id] };
        },
      }),
      strict<SourcesRepository>('sources', {
        activeWithCredential: async () => [source],
        known: async () => ({ recordingId: 'rec-1', status: 'INITIALIZED', deleted: false, url: '', expectedSizeBytes: null }),
      }),
      strict<SourceSyncService>('syncs', {
        apply: async (_tx: unknown, s: SourceRow, items: SourceItem[]) => (applied.push({ source: s, items }), { found: 1, created: 1, updated: 0, skips: [], ...options.outcome }),
      }),
      strict<ZoomClient>('zoom', { get: async () => ({ status: options.zoomShows ? 200 : 404, body: {} }) }),
      strict<Clock>('clock', { now: () => NOW }),
      strict('logger', { info: () => undefined, warn: () => undefined }),
    );
  }

  it('refuses a stale timestamp before looking at any credential', async () => {
    const s = service({ candidates: [], secrets: {} });
    await expect(s.receive(tx, signed(event, 'secret', new Date(NOW.getTime() - 301_000)))).rejects.toMatchObject({ code: 'ZOOM_WEBHOOK.STALE_TIMESTAMP', status: 401 });
    expect(asked).toEqual([]);
  });

  it("refuses a signature no candidate's secret token made, passing over a credential that does not open", async () => {
    const s = service({ candidates: [credential('cred-a', 'acc-1'), credential('cred-gone', null)], secrets: { 'cred-a': 'secret-a' } });
    await expect(s.receive(tx, signed(event, 'forged'))).rejects.toMatchObject({ code: 'ZOOM_WEBHOOK.SIGNATURE_INVALID', status: 401 });
    expect(asked).toEqual(['acc-1']);
    expect(applied).toEqual([]);
  });

  it('answers a URL validation with the signer’s secret token, looking among every candidate', async () => {
    const s = service({ candidates: [credential('cred-a', 'acc-1'), credential('cred-b', 'acc-2')], secrets: { 'cred-a': 'secret-a', 'cred-b': 'secret-b' } });
    const answer = await s.receive(tx, signed({ event: 'endpoint.url_validation', payload: { plainToken: 'plain' } }, 'secret-b'));
    expect(answer).toEqual({ outcome: 'validated', plainToken: 'plain', encryptedToken: urlValidationToken('secret-b', 'plain'), recordingIds: [] });
    expect(asked).toEqual([null]);
  });

  it('makes the sync’s item of the meeting: best file, minutes as seconds, keyed by uuid, with the signer’s credential', async () => {
    const s = service({ candidates: [credential('cred-a', 'acc-1')], secrets: { 'cred-a': 'secret-a' } });
    expect(await s.receive(tx, signed(event, 'secret-a'))).toEqual({ outcome: 'ingested', recordingIds: ['rec-1'] });
    expect(applied).toEqual([
      {
        source,
        items: [
          expect.objectContaining({
            sourceKey: 'zoom:m-1==',
            title: 'Lecture',
            sizeBytes: 30_000_000,
            durationSeconds: 3600,
            download: { method: 'HTTP', url: 'https://zoom.example/rec/f-2', credentialId: 'cred-a' },
          }),
        ],
      },
    ]);
    expect(applied[0].items[0]).not.toHaveProperty('skip');
    expect(applied[0].items[0]).not.toHaveProperty('pending');
  });

  it('answers duplicate when the meeting is known already', async () => {
    const s = service({ candidates: [credential('cred-a', 'acc-1')], secrets: { 'cred-a': 'secret-a' }, outcome: { created: 0, skips: [{ sourceKey: 'zoom:m-1==', reason: 'unchanged', recordingId: 'rec-1' }] } });
    expect(await s.receive(tx, signed(event, 'secret-a'))).toEqual({ outcome: 'duplicate', recordingIds: ['rec-1'] });
  });

  it('gives a credential that knows no account the meeting only when Zoom shows it the meeting', async () => {
    const hidden = service({ candidates: [credential('cred-a', null)], secrets: { 'cred-a': 'secret-a' }, zoomShows: false });
    expect(await hidden.receive(tx, signed(event, 'secret-a'))).toEqual({ outcome: 'ignored', recordingIds: [] });
    expect(applied).toEqual([]);
    const shown = service({ candidates: [credential('cred-a', null)], secrets: { 'cred-a': 'secret-a' }, zoomShows: true });
    expect((await shown.receive(tx, signed(event, 'secret-a'))).outcome).toBe('ingested');
  });

  it('refuses a recording.completed without its meeting (400) once the signature is good', async () => {
    const s = service({ candidates: [credential('cred-a', 'acc-1')], secrets: { 'cred-a': 'secret-a' } });
    await expect(s.receive(tx, signed({ event: 'recording.completed', payload: { account_id: 'acc-1', object: { uuid: 'm' } } }, 'secret-a'))).rejects.toMatchObject({
      code: 'ZOOM_WEBHOOK.INVALID',
      status: 400,
    });
  });
});
