import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeZoom, type FakeZoom } from './fake-zoom';

/** The fake Zoom speaks the documented shapes a Zoom client relies on. */
describe('fake Zoom', () => {
  let zoom: FakeZoom;
  const bytes = Buffer.from('0123456789'.repeat(100));

  beforeAll(async () => {
    zoom = await startFakeZoom();
    zoom.pageSize = 2;
    for (let i = 0; i < 5; i += 1) {
      zoom.addMeeting('me', {
        uuid: `uuid/${i}==`,
        id: 1000 + i,
        topic: `Lecture ${i}`,
        hostId: 'host-1',
        startTime: `2026-03-0${i + 1}T10:00:00Z`,
        duration: 60,
        files: [{ id: `file-${i}`, fileType: 'MP4', recordingType: 'shared_screen_with_speaker_view', bytes }],
        processing: i === 4,
      });
    }
  });

  afterAll(() => zoom.close());

  const token = async (grant: Record<string, string>, secret = zoom.clientSecret) => {
    const answer = await fetch(`${zoom.oauthBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${zoom.clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(grant).toString(),
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, string> };
  };

  it('issues tokens for account credentials and refresh tokens, and refuses a wrong secret', async () => {
    const s2s = await token({ grant_type: 'account_credentials', account_id: zoom.accountId });
    expect(s2s).toMatchObject({ status: 200, body: { token_type: 'bearer', expires_in: 3599, access_token: expect.any(String) } });
    const { refreshToken } = zoom.grant();
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(refreshed.body.refresh_token).toEqual(expect.any(String));
    expect((await token({ grant_type: 'refresh_token', refresh_token: refreshToken })).status).toBe(400);
    expect((await token({ grant_type: 'account_credentials', account_id: zoom.accountId }, 'wrong')).status).toBe(401);
  });

  it('lists recordings page by page within 30 days, answers 3301 while processing, and serves ranges to a live token', async () => {
    const access = (await token({ grant_type: 'account_credentials', account_id: zoom.accountId })).body.access_token;
    const auth = { authorization: `Bearer ${access}` };
    const uuids: string[] = [];
    let next = '';
    do {
      const page = await fetch(`${zoom.apiBaseUrl}/users/me/recordings?from=2026-03-01&to=2026-03-31&page_size=30&next_page_token=${next}`, { headers: auth });
      const body = (await page.json()) as { meetings: { uuid: string }[]; next_page_token: string };
      uuids.push(...body.meetings.map((m) => m.uuid));
      next = body.next_page_token;
    } while (next);
    expect(uuids).toEqual(['uuid/0==', 'uuid/1==', 'uuid/2==', 'uuid/3==', 'uuid/4==']);
    const tooLong = await fetch(`${zoom.apiBaseUrl}/users/me/recordings?from=2026-01-01&to=2026-03-31`, { headers: auth });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ code: 300 });

    const processing = await fetch(`${zoom.apiBaseUrl}/meetings/${encodeURIComponent(encodeURIComponent('uuid/4=='))}/recordings`, { headers: auth });
    expect(processing.status).toBe(404);
    expect(await processing.json()).toMatchObject({ code: 3301 });

    expect((await fetch(`${zoom.base}/rec/download/file-0`)).status).toBe(401);
    const ranged = await fetch(`${zoom.base}/rec/download/file-0`, { headers: { ...auth, range: 'bytes=990-' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe('bytes 990-999/1000');
    expect(Buffer.from(await ranged.arrayBuffer()).toString()).toBe('0123456789');

    zoom.rateLimitNext(1, 2);
    const limited = await fetch(`${zoom.apiBaseUrl}/users/me/recordings?from=2026-03-01&to=2026-03-31`, { headers: auth });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    zoom.expire(access);
    expect((await fetch(`${zoom.apiBaseUrl}/users/me/recordings?from=2026-03-01&to=2026-03-31`, { headers: auth })).status).toBe(401);
  });
  it('posts recording.completed and url validation webhooks signed the way Zoom documents it', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const answer = await zoom.sendRecordingCompleted(url, 'uuid/1==', { secretToken: 'app-secret' });
      expect(answer).toMatchObject({ status: 200, body: { ok: true } });
      const [{ headers, body }] = received;
      const timestamp = String(headers['x-zm-request-timestamp']);
      expect(Math.abs(Number(timestamp) * 1000 - Date.now())).toBeLessThan(60_000);
      expect(headers['x-zm-signature']).toBe(`v0=${createHmac('sha256', 'app-secret').update(`v0:${timestamp}:${body}`).digest('hex')}`);
      const event = JSON.parse(body);
      expect(event).toMatchObject({
        event: 'recording.completed',
        payload: {
          account_id: zoom.accountId,
          object: { uuid: 'uuid/1==', topic: 'Lecture 1', host_id: 'host-1', duration: 60, recording_files: [expect.objectContaining({ file_type: 'MP4', download_url: `${zoom.base}/rec/download/file-1` })] },
        },
        download_token: expect.any(String),
      });

      await zoom.sendWebhook(url, zoom.urlValidationEvent('plain-1'), { secretToken: 'app-secret', timestamp: 1_000, signature: 'v0=forged' });
      expect(received[1].headers).toMatchObject({ 'x-zm-request-timestamp': '1000', 'x-zm-signature': 'v0=forged' });
      expect(JSON.parse(received[1].body)).toMatchObject({ event: 'endpoint.url_validation', payload: { plainToken: 'plain-1' } });
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
