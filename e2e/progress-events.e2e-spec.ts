import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, generateLecture, startMailCatcher, startProcess, type MailCatcher, type RunningProcess } from '@leap/testing';
import { openSse, type SseStream } from '../services/gateway/src/testing/sse';
import { ROOT, signUp } from './support';

const START: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;

/**
 * Live progress of a real pipeline (all seven services in one process, `npm start`): a client
 * that opened its event stream before uploading sees every stage of the lecture start and end,
 * with progress between, up to READY, as it happens; reconnecting with Last-Event-ID from the
 * middle gives exactly the rest; another user's stream carries none of it.
 */
describe('live progress of a recording through the whole pipeline (embedded)', () => {
  let dataDir: string;
  let platform: RunningProcess | undefined;
  let mail: MailCatcher;
  let base = '';
  const streams: SseStream[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leap-embedded-events-'));
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as its own user and must reach the folder
    mail = await startMailCatcher();
    const port = await freePort();
    const pgPort = await freePort();
    base = `http://127.0.0.1:${port}`;
    platform = await startProcess({
      name: 'embedded',
      command: 'sh',
      args: ['-c', `exec ${START}`],
      cwd: ROOT,
      env: { PORT: String(port), EMBEDDED_POSTGRES_PORT: String(pgPort), LEAP_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SMTP_URL: mail.url, PUBLIC_BASE_URL: base, EVENTS_HEARTBEAT_INTERVAL: '1s' },
      readyUrl: `${base}/health/ready`,
      readyTimeoutMs: 150_000,
    });
  }, 300_000);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await platform?.stop('SIGINT', 30_000).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    await mail?.close();
  });

  it('shows every stage of an uploaded lecture in order up to READY, resumes after Last-Event-ID, and tells no one else', async () => {
    const api = `${base}/api/v1`;
    const ada = await signUp(api, 'ada-events@example.org', mail);
    const eve = await signUp(api, 'eve-events@example.org', mail);
    const stream = await openSse(base, '/api/v1/events', { token: ada.token });
    const others = await openSse(base, '/api/v1/events', { token: eve.token });
    streams.push(stream, others);
    expect(stream.status).toBe(200);

    const lecture = await generateLecture({ dir: dataDir, durationSeconds: 30, leadingSilenceSeconds: 7, trailingSilenceSeconds: 7 });
    const upload = await ada.upload(lecture.path, 'Lecture with live progress');
    expect(upload.status).toBe(202);
    const id = upload.body.id as string;

    const ofLecture = () => stream.messages.filter((m) => m.data.recordingId === id);
    await eventually(() => expect(ofLecture().some((m) => m.event === 'recording.status_changed' && m.data.status === 'READY')).toBe(true), {
      timeoutMs: 300_000,
      intervalMs: 500,
    });
    const events = ofLecture();
    expect(events.some((m) => m.event === 'recording.status_changed' && m.data.failed)).toBe(false);

    // Each stage the recording went through started, then finished, and its progress came in between.
    const detail = (await ada.json(`/recordings/${id}`)).body;
    const key = (s: { stage: string; target?: string }) => `${s.stage}${s.target ? `:${s.target}` : ''}`;
    const where = (event: string, match: (data: any) => boolean) => events.findIndex((m) => m.event === event && match(m.data));
    for (const stage of detail.stages as { stage: string; target?: string; status: string }[]) {
      const history = events.filter((m) => m.event === 'recording.stage_changed' && key(m.data) === key(stage)).map((m) => m.data.status);
      if (stage.status === 'SKIPPED') {
        expect(history.at(-1)).toBe('SKIPPED');
        continue;
      }
      expect(history).toEqual(['IN_PROGRESS', 'COMPLETED']);
      const started = where('recording.stage_changed', (d) => key(d) === key(stage) && d.status === 'IN_PROGRESS');
      const ended = where('recording.stage_changed', (d) => key(d) === key(stage) && d.status === 'COMPLETED');
      for (const [i, m] of events.entries()) {
        if (m.event === 'recording.progress' && key(m.data) === key(stage)) expect(i > started && i < ended).toBe(true);
      }
    }
    const completed = (stage: string) => where('recording.stage_changed', (d) => d.stage === stage && d.status === 'COMPLETED');
    expect(completed('TRIM')).toBeGreaterThanOrEqual(0);
    expect(completed('TRIM')).toBeLessThan(completed('TRANSCRIBE'));
    expect(completed('TRANSCRIBE')).toBeLessThan(completed('EXTRACT_TOPICS'));
    expect(completed('TRANSCRIBE')).toBeLessThan(completed('GENERATE_SUBTITLES'));
    expect(events.filter((m) => m.event === 'recording.progress').length).toBeGreaterThan(0);

    // The ids are the tenant's sequence, one more each time.
    const ids = stream.messages.map((m) => Number(m.id));
    expect(ids).toEqual(ids.map((_v, i) => ids[0]! + i));

    // A client that lost the connection halfway gets exactly the rest.
    const half = stream.messages[Math.floor(stream.messages.length / 2)]!;
    const resumed = await openSse(base, '/api/v1/events', { token: ada.token, headers: { 'last-event-id': half.id! } });
    streams.push(resumed);
    const rest = stream.messages.slice(stream.messages.indexOf(half) + 1);
    await eventually(() => expect(resumed.messages.slice(0, rest.length).map((m) => m.id)).toEqual(rest.map((m) => m.id)), { timeoutMs: 30_000 });
    expect(resumed.messages.slice(0, rest.length).map((m) => m.event)).toEqual(rest.map((m) => m.event));

    // Eve's stream was open all along and heard nothing but heartbeats.
    expect(others.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThan(0);
    expect(others.messages).toEqual([]);
  }, 420_000);
});
