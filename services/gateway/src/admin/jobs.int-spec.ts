import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MessageHandler, newMessageId, type MessageContext } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import type {
  IngestJobsPage,
  JobSummary,
  JobsFilter,
  ListIngestJobs,
  ListMediaJobs,
  ListTranscriptionJobs,
  MediaJobsPage,
  TranscriptionJobsPage,
} from '@leap/contracts';
import { expectProblem, gatewayTestEnv, httpClient, standInService, startGateway, verifiedUser, type Account } from '../testing';

/** The filters each stand-in was asked with. */
const asked: { service: string; filter: JobsFilter | undefined }[] = [];

const TENANT = '01950000-0000-7000-8000-0000000000aa';
const RECORDING = '01950000-0000-7000-8000-0000000000bb';

const job = (id: string, kind: string, state: string, createdAt: string, extra: Partial<JobSummary> = {}): JobSummary => ({
  id, kind, state, createdAt, tenant: TENANT, subject: RECORDING, attempts: 1, maxAttempts: 5, ...extra,
});

const mediaJobs = [
  job('m-1', 'media.trim', 'completed', '2026-03-01T10:00:00.000Z', { finishedAt: '2026-03-01T10:01:00.000Z' }),
  job('m-2', 'media.trim', 'running', '2026-03-01T10:03:00.000Z', { progress: 42, step: 'detecting silence', leaseOwner: 'media-processing@host:1' }),
];
const ingestJobs = [
  job('i-1', 'ingest.download', 'running', '2026-03-01T09:59:00.000Z', { progress: 10, step: 'downloading', leaseOwner: 'ingest@host:1' }),
];
const transcriptionJobs = [
  job('t-1', 'transcription.transcribe', 'failed', '2026-03-01T10:02:00.000Z', { errorCode: 'TRANSCRIPTION.PROVIDER_TIMEOUT', errorMessage: 'no answer', attempts: 5 }),
];

/** Answers like a worker service would: its jobs under the states asked for, newest first, with counts of every state. */
function page(jobs: JobSummary[], filter: JobsFilter | undefined) {
  const shown = jobs.filter((j) => !filter?.states?.length || filter.states.includes(j.state));
  const counts: Record<string, number> = {};
  for (const j of jobs) counts[j.state] = (counts[j.state] ?? 0) + 1;
  return { jobs: [...shown].reverse().slice(0, filter?.limit ?? 100), counts };
}

@Injectable()
class MediaJobsStandIn {
  @MessageHandler('media.jobs.list.v1', { queue: 'media.job-queries' })
  async list(ctx: MessageContext<ListMediaJobs>): Promise<MediaJobsPage> {
    asked.push({ service: 'media-processing', filter: ctx.data.filter });
    return page(mediaJobs, ctx.data.filter);
  }
}

@Injectable()
class IngestJobsStandIn {
  @MessageHandler('ingest.jobs.list.v1', { queue: 'ingest.job-queries' })
  async list(ctx: MessageContext<ListIngestJobs>): Promise<IngestJobsPage> {
    asked.push({ service: 'ingest', filter: ctx.data.filter });
    return page(ingestJobs, ctx.data.filter);
  }
}

@Module({ providers: [IngestJobsStandIn] })
class IngestJobsModule {}

@Injectable()
class TranscriptionJobsStandIn {
  @MessageHandler('transcription.jobs.list.v1', { queue: 'transcription.job-queries' })
  async list(ctx: MessageContext<ListTranscriptionJobs>): Promise<TranscriptionJobsPage> {
    asked.push({ service: 'transcription', filter: ctx.data.filter });
    return page(transcriptionJobs, ctx.data.filter);
  }
}

@Module({ providers: [MediaJobsStandIn] })
class MediaJobsModule {}

@Module({ providers: [TranscriptionJobsStandIn] })
class TranscriptionJobsModule {}

describe('the jobs of the worker services, for operators', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  const client = httpClient(() => base);
  const { call } = client;
  let admin: Account;
  let alice: Account;

  beforeAll(async () => {
    world = await createServiceWorld('gateway_admin_jobs', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', JOBS_REQUEST_TIMEOUT: '5s' }));
    // Publishing is not running: it is asked and never answers.
    await world.start(standInService('ingest', 'ingest.job-queries', ['ingest.jobs.list.v1'], IngestJobsModule));
    await world.start(standInService('media-processing', 'media.job-queries', ['media.jobs.list.v1'], MediaJobsModule));
    await world.start(standInService('transcription', 'transcription.job-queries', ['transcription.jobs.list.v1'], TranscriptionJobsModule));
    ({ db, base } = await startGateway(world));
    admin = await verifiedUser(client, db, 'root@example.org', { role: 'admin' });
    alice = await verifiedUser(client, db, 'alice@example.org');
  }, 300_000);

  afterAll(() => world?.close());

  it('merges every service newest first, adds up the counts, and reports a service that does not answer as unreachable', async () => {
    const reply = await call('GET', '/api/v1/admin/jobs', { token: admin.token });
    expect(reply.status).toBe(200);
    expect(reply.body.services).toEqual({
      ingest: { reachable: true, counts: { queued: 0, running: 1, completed: 0, failed: 0, cancelled: 0 } },
      'media-processing': { reachable: true, counts: { queued: 0, running: 1, completed: 1, failed: 0, cancelled: 0 } },
      transcription: { reachable: true, counts: { queued: 0, running: 0, completed: 0, failed: 1, cancelled: 0 } },
      publishing: { reachable: false, error: { code: 'MESSAGING.REQUEST_TIMEOUT', message: expect.stringContaining('publishing.jobs.list.v1') } },
    });
    expect(reply.body.counts).toEqual({ queued: 0, running: 2, completed: 1, failed: 1, cancelled: 0 });
    expect(reply.body.jobs.map((j: { service: string; id: string }) => `${j.service}/${j.id}`)).toEqual([
      'media-processing/m-2',
      'transcription/t-1',
      'media-processing/m-1',
      'ingest/i-1',
    ]);
    expect(reply.body.jobs[0]).toMatchObject({ kind: 'media.trim', state: 'running', progress: 42, step: 'detecting silence', tenant: TENANT, subject: RECORDING });
    expect(reply.body.jobs[1]).toMatchObject({ errorCode: 'TRANSCRIPTION.PROVIDER_TIMEOUT', errorMessage: 'no answer', attempts: 5 });
  });

  it('asks only the services named, with the state, tenant, recording and limit filters, and keeps the limit over the merge', async () => {
    asked.length = 0;
    const reply = await call(
      'GET',
      `/api/v1/admin/jobs?service=media-processing,transcription&state=running&state=FAILED&tenant=${TENANT}&recording=${RECORDING}&limit=1`,
      { token: admin.token },
    );
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.services).sort()).toEqual(['media-processing', 'transcription']);
    expect(asked.sort((a, b) => a.service.localeCompare(b.service))).toEqual([
      { service: 'media-processing', filter: { states: ['running', 'failed'], tenant: TENANT, subject: RECORDING, limit: 1 } },
      { service: 'transcription', filter: { states: ['running', 'failed'], tenant: TENANT, subject: RECORDING, limit: 1 } },
    ]);
    expect(reply.body.jobs.map((j: { id: string }) => j.id)).toEqual(['m-2']);

    const one = await call('GET', '/api/v1/admin/jobs?service=transcription', { token: admin.token });
    expect(Object.keys(one.body.services)).toEqual(['transcription']);
    expect(one.body.jobs.map((j: { id: string }) => j.id)).toEqual(['t-1']);
  });

  it('refuses non-admins and bad filters', async () => {
    expectProblem(await call('GET', '/api/v1/admin/jobs', { token: alice.token }), 403, 'AUTH.ADMIN_REQUIRED');
    expectProblem(await call('GET', '/api/v1/admin/jobs'), 401, 'AUTH.UNAUTHENTICATED');
    for (const bad of ['service=quota', 'state=sleeping', 'limit=0', 'limit=1001', 'tenant=someone', `recording=${newMessageId()}x`]) {
      expectProblem(await call('GET', `/api/v1/admin/jobs?${bad}`, { token: admin.token }), 400, 'VALIDATION.FAILED');
    }
  });
});
