import { Client } from 'pg';
import { eventually, generateLecture, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@leap/testing';
import { signUp, startDistributedPlatform, waitUntilReady, type DistributedPlatform } from './support';

/** OTLP span kinds. */
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/** The services an upload goes through, each in its own process. */
const PIPELINE = ['gateway', 'ingest', 'media-processing', 'transcription', 'publishing', 'storage'];

function isUploadRequest(span: ReceivedSpan): boolean {
  const method = span.attributes['http.request.method'] ?? span.attributes['http.method'];
  const path = span.attributes['url.path'] ?? span.attributes['http.target'];
  return span.service === 'gateway' && span.kind === SERVER && method === 'POST' && path === '/api/v1/recordings';
}

/**
 * One upload, one trace: each service its own process on the real broker, exporting its spans
 * over OTLP/HTTP to a collector in this test. The trace starts at the gateway's upload request
 * and follows every message through the outbox, the broker and the jobs of each service.
 */
describe('traces across the bus (distributed)', () => {
  let platform: DistributedPlatform;
  let collector: OtlpReceiver;

  beforeAll(async () => {
    collector = await startOtlpReceiver();
    platform = await startDistributedPlatform('traces', {
      common: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Spans leave each process within a fifth of a second instead of the default five.
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
  }, 300_000);

  afterAll(async () => {
    await platform?.close();
    await collector?.close();
  });

  it('makes one trace of an upload, with spans from the gateway, ingest, media-processing, transcription, publishing and storage', async () => {
    const lecture = await generateLecture({ dir: platform.work, durationSeconds: 16, leadingSilenceSeconds: 3, trailingSilenceSeconds: 3, fileName: 'traced.mp4' });
    const ada = await signUp(platform.api, 'ada@example.org', platform.mail);
    const upload = await ada.upload(lecture.path, 'Traced lecture');
    expect(upload.status).toBe(202);
    const id = upload.body.id as string;
    await waitUntilReady(ada, id);

    const request = await eventually(async () => {
      const found = collector.spans().filter(isUploadRequest);
      expect(found).toHaveLength(1);
      return found[0]!;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    // The test's own request carried no trace context: the upload's trace starts at the gateway.
    expect(request.parentSpanId).toBeUndefined();

    const inTrace = () => collector.spans().filter((s) => s.traceId === request.traceId);
    await eventually(async () => {
      const services = new Set(inTrace().map((s) => s.service));
      expect([...PIPELINE].filter((name) => !services.has(name))).toEqual([]);
    }, { timeoutMs: 15_000, intervalMs: 200 });

    // Each of them handled a message of this upload in this trace, and the gateway's read model did too.
    for (const name of PIPELINE.filter((n) => n !== 'gateway')) {
      expect(inTrace().some((s) => s.service === name && s.kind === CONSUMER)).toBe(true);
    }
    // Every service that published did so under a producer span in the trace (the outbox relay restored it).
    for (const name of ['gateway', 'ingest', 'media-processing', 'transcription', 'publishing']) {
      expect(inTrace().some((s) => s.service === name && s.kind === PRODUCER)).toBe(true);
    }
    // Long work ran as jobs, each in the upload's trace.
    const jobs = inTrace().filter((s) => s.attributes['leap.job.kind'] !== undefined);
    expect(jobs.map((s) => s.service)).toEqual(expect.arrayContaining(['media-processing', 'transcription', 'publishing']));
    // Every message about this recording, whichever service wrote it, was handled in the upload's trace.
    const client = new Client({ connectionString: platform.db.url });
    await client.connect();
    const messageIds = new Set<string>();
    try {
      for (const schema of ['gateway', 'ingest', 'media_processing', 'transcription', 'publishing', 'storage', 'quota']) {
        const { rows } = await client.query(`SELECT id FROM "${schema}".outbox WHERE aggregate_id = $1`, [id]);
        for (const row of rows) messageIds.add(row.id as string);
      }
    } finally {
      await client.end();
    }
    const handled = collector.spans().filter((s) => s.kind === CONSUMER && messageIds.has(String(s.attributes['messaging.message.id'])));
    expect(handled.length).toBeGreaterThanOrEqual(messageIds.size);
    expect(handled.filter((s) => s.traceId !== request.traceId).map((s) => `${s.service}: ${s.name}`)).toEqual([]);

    // Once every process has stopped (and sent its last spans), the trace is one tree: every span's parent is in it.
    await Promise.all([...platform.processes.values()].map((p) => p.stop('SIGTERM', 15_000)));
    platform.processes.clear();
    const spans = inTrace();
    const ids = new Set(spans.map((s) => s.spanId));
    const orphans = spans.filter((s) => s !== request && (s.parentSpanId === undefined || !ids.has(s.parentSpanId)));
    expect(orphans.map((s) => `${s.service}: ${s.name}`)).toEqual([]);
  }, 300_000);
});
