import { MESSAGE_TYPES, type QuotaWarningRaised, type RecordingRegistered, type RecordingStatusChanged } from '@leap/contracts';
import { MessageBus, newMessageId } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startMailCatcher, type CaughtMail, type MailCatcher } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../testing';

describe('mail notifications', () => {
  let world: ServiceWorld;
  let base: string;
  let bus: MessageBus;
  let mail: MailCatcher;
  const { call } = httpClient(() => base);
  let alice: Account;

  beforeAll(async () => {
    mail = await startMailCatcher();
    world = await createServiceWorld('gateway_notifications', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', SMTP_URL: mail.url }));
    const gateway = await startGateway(world, { env: { PUBLIC_BASE_URL: 'http://leap.test' } });
    base = gateway.base;
    bus = gateway.app.get(MessageBus);
    alice = await verifiedUser(gateway.client, gateway.db, 'alice@example.org');
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await mail?.close();
  });

  /** A recording of Alice's, known to the gateway's read model. */
  const recording = async (title: string) => {
    const recordingId = newMessageId();
    await bus.publishNow(
      MESSAGE_TYPES.ingest.RecordingRegistered,
      { recordingId, userId: alice.id, sourceType: 'SOURCE_TYPE_UPLOAD', title, status: 'RECORDING_STATUS_DOWNLOADED', registeredAt: new Date().toISOString() } as RecordingRegistered,
      { subject: recordingId, tenant: alice.id },
    );
    await eventually(async () => expect((await call('GET', `/api/v1/recordings/${recordingId}`, { token: alice.token })).status).toBe(200));
    return recordingId;
  };

  const statusChanged = (recordingId: string, change: Partial<RecordingStatusChanged>) =>
    bus.publishNow(
      MESSAGE_TYPES.ingest.RecordingStatusChanged,
      { recordingId, userId: alice.id, status: 'RECORDING_STATUS_READY', changedAt: new Date().toISOString(), ...change } as RecordingStatusChanged,
      { subject: recordingId, tenant: alice.id },
    );

  const mailsAbout = (title: string): CaughtMail[] => mail.messages.filter((m) => m.subject.endsWith(title));
  const unsubscribeLink = (m: CaughtMail) => m.text.match(/http:\/\/leap\.test\/api\/v1\/notifications\/unsubscribe\?\S+/)![0];

  it('mails the owner once when a recording is ready, and when one fails', async () => {
    const ready = await recording('Lecture one');
    await statusChanged(ready, {});
    await statusChanged(ready, {}); // ready again (a stage re-run): no second mail
    const failed = await recording('Lecture two');
    await statusChanged(failed, { status: 'RECORDING_STATUS_PROCESSING', failed: true, failedStage: 'PIPELINE_STAGE_TRANSCRIBE', failureReason: 'provider: 500 internal' });

    const failure = await mail.waitFor({ to: 'alice@example.org', subject: 'Failed: Lecture two' });
    expect(failure.text).toContain('failed at TRANSCRIBE');
    expect(failure.text).not.toContain('provider: 500');
    const done = await mail.waitFor({ to: 'alice@example.org', subject: 'Ready: Lecture one' });
    expect(done.text).toContain(`http://leap.test/api/v1/recordings/${ready}`);
    expect(unsubscribeLink(done)).toContain('kind=recording-ready');
    const sentinel = await recording('Lecture three');
    await statusChanged(sentinel, {});
    await mail.waitFor({ subject: 'Ready: Lecture three' });
    expect(mailsAbout('Lecture one')).toHaveLength(1);
  }, 300_000);

  it('unsubscribes from one kind through the link of the mail, without signing in', async () => {
    const link = unsubscribeLink(mailsAbout('Lecture two')[0]!);
    const path = link.replace('http://leap.test', '');
    const tampered = path.replace('kind=recording-failed', 'kind=recording-ready');
    expectProblem(await call('GET', tampered), 400, 'NOTIFICATION.LINK_INVALID');
    expectProblem(await call('POST', tampered), 400, 'NOTIFICATION.LINK_INVALID');
    const page = await call('GET', tampered, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(400);
    expect(page.text).toContain('This link does not work');

    // Opening the link (as a mail scanner would) changes nothing: the page offers a button.
    const offer = await call('GET', path, { headers: { accept: 'text/html' } });
    expect(offer.status).toBe(200);
    expect(offer.text).toContain('<form method="post"');
    expect((await call('GET', path)).body).toEqual({ kind: 'recording-failed', unsubscribed: false });
    expect((await call('GET', '/api/v1/users/me/notifications', { token: alice.token })).body).toEqual({ recordingReady: true, recordingFailed: true, quotaWarning: true });

    // The button, or a mail client's one-click POST (RFC 8058), turns it off.
    const done = await call('POST', path, { headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('You will no longer get a mail when the processing of a recording failed');
    expect((await call('POST', path)).body).toEqual({ kind: 'recording-failed', unsubscribed: true });
    expect((await call('GET', '/api/v1/users/me/notifications', { token: alice.token })).body).toEqual({ recordingReady: true, recordingFailed: false, quotaWarning: true });

    const failed = await recording('Lecture four');
    await statusChanged(failed, { status: 'RECORDING_STATUS_PROCESSING', failed: true, failedStage: 'PIPELINE_STAGE_TRIM' });
    const sentinel = await recording('Lecture five');
    await statusChanged(sentinel, {});
    await mail.waitFor({ subject: 'Ready: Lecture five' });
    expect(mailsAbout('Lecture four')).toEqual([]);
  }, 300_000);

  it('switches kinds on and off at /api/v1/users/me/notifications', async () => {
    expectProblem(await call('PATCH', '/api/v1/users/me/notifications', { token: alice.token, json: {} }), 400, 'VALIDATION.FAILED');
    const off = await call('PATCH', '/api/v1/users/me/notifications', { token: alice.token, json: { recordingReady: false, recordingFailed: true } });
    expect(off.body).toEqual({ recordingReady: false, recordingFailed: true, quotaWarning: true });
    const quiet = await recording('Lecture six');
    await statusChanged(quiet, {});
    const failed = await recording('Lecture seven');
    await statusChanged(failed, { status: 'RECORDING_STATUS_PROCESSING', failed: true, failedStage: 'PIPELINE_STAGE_TRIM' });
    await mail.waitFor({ subject: 'Failed: Lecture seven' });
    expect(mailsAbout('Lecture six')).toEqual([]);
  }, 300_000);

  it('mails a quota warning once, with a link that turns quota warnings off', async () => {
    const warning = (change: Partial<QuotaWarningRaised>) =>
      bus.publishNow(
        MESSAGE_TYPES.quota.QuotaWarningRaised,
        { userId: alice.id, metric: 'QUOTA_METRIC_RECORDINGS', used: '40', limit: '50', thresholdPercent: 80, usedPercent: 80, period: '2026-03', ...change },
        { subject: alice.id, tenant: alice.id },
      );
    const quotaMails = () => mail.messages.filter((m) => /^(\d+ % used|Limit reached): /.test(m.subject)).map((m) => m.subject);

    await warning({});
    await warning({}); // the same warning again (quota raises each once, but a delivery can repeat): one mail
    const first = await mail.waitFor({ to: 'alice@example.org', subject: '80 % used: recordings this month' });
    expect(first.text).toContain('You have used 80 % of the limit of your plan for recordings this month.');
    expect(first.text).toContain('You have used 40 recordings of 50 recordings (recordings this month, period 2026-03).');
    const link = unsubscribeLink(first);
    expect(link).toContain('kind=quota-warning');

    const gib = String(5 * 1024 ** 3);
    await warning({ metric: 'QUOTA_METRIC_STORAGE_BYTES', used: gib, limit: gib, thresholdPercent: 100, usedPercent: 100 });
    const full = await mail.waitFor({ to: 'alice@example.org', subject: 'Limit reached: storage' });
    expect(full.text).toContain('You have used 5 GiB of 5 GiB (storage, period 2026-03).');
    expect(full.text).toContain('until you free some space');

    // The link of the mail turns quota warnings off, and only them.
    const path = link.replace('http://leap.test', '');
    expect((await call('GET', path, { headers: { accept: 'text/html' } })).text).toContain('your usage nears or reaches a limit of your plan');
    expect((await call('POST', path)).body).toEqual({ kind: 'quota-warning', unsubscribed: true });
    expect((await call('GET', '/api/v1/users/me/notifications', { token: alice.token })).body).toEqual({
      recordingReady: false,
      recordingFailed: true,
      quotaWarning: false,
    });

    await warning({ thresholdPercent: 100, used: '50', usedPercent: 100 });
    const sentinel = await recording('Lecture eight');
    await statusChanged(sentinel, { status: 'RECORDING_STATUS_PROCESSING', failed: true, failedStage: 'PIPELINE_STAGE_TRIM' });
    await mail.waitFor({ subject: 'Failed: Lecture eight' });
    expect(quotaMails()).toEqual(['80 % used: recordings this month', 'Limit reached: storage']);

    // Switched on again, the next warning is mailed.
    expect((await call('PATCH', '/api/v1/users/me/notifications', { token: alice.token, json: { quotaWarning: true } })).body).toMatchObject({ quotaWarning: true });
    await warning({ thresholdPercent: 100, used: '50', usedPercent: 100, period: '2026-04' });
    await mail.waitFor({ subject: 'Limit reached: recordings this month' });
  }, 300_000);
});
