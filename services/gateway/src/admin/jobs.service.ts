import { Inject, Injectable } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { JobCounts, JobSummary, JobsFilter, MediaJobsPage } from '@leap/contracts';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';
import { JOB_SERVICES, JOB_STATES, type JobService, type ListJobsQuery } from './jobs.dto';

type Counts = Record<(typeof JOB_STATES)[number], number>;
type ServiceAnswer = { reachable: true; counts: Counts } | { reachable: false; error: { code: string; message: string } };

const zero = (): Counts => ({ queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 });

/**
 * The operators' view of the durable jobs: each worker service is asked for its own (request/reply,
 * in parallel), and the answers are merged. A service that does not answer in time is reported
 * unreachable; the others are still shown.
 */
@Injectable()
export class AdminJobsService {
  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'JOBS_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async list(query: ListJobsQuery) {
    const chosen = query.service?.length ? [...new Set(query.service)] : (Object.keys(JOB_SERVICES) as JobService[]);
    const filter: JobsFilter = {
      ...(query.state?.length ? { states: [...new Set(query.state)] } : {}),
      ...(query.tenant ? { tenant: query.tenant } : {}),
      ...(query.recording ? { subject: query.recording } : {}),
      limit: query.limit,
    };
    const answers = await Promise.all(chosen.map((service) => this.ask(service, filter)));
    const services: Partial<Record<JobService, ServiceAnswer>> = {};
    const counts = zero();
    const jobs: ({ service: JobService } & JobSummary)[] = [];
    for (const [i, service] of chosen.entries()) {
      const answer = answers[i]!;
      if ('error' in answer) {
        services[service] = { reachable: false, error: answer.error };
        continue;
      }
      const own = countsOf(answer.page.counts);
      services[service] = { reachable: true, counts: own };
      for (const state of JOB_STATES) counts[state] += own[state];
      for (const job of answer.page.jobs ?? []) jobs.push({ service, ...job });
    }
    jobs.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id.localeCompare(a.id));
    return { services, counts, jobs: jobs.slice(0, query.limit) };
  }

  private async ask(service: JobService, filter: JobsFilter): Promise<{ page: MediaJobsPage } | { error: { code: string; message: string } }> {
    try {
      const page = await this.bus.request(JOB_SERVICES[service], { filter }, { timeoutMs: this.config.JOBS_REQUEST_TIMEOUT });
      return { page };
    } catch (error) {
      const code = error instanceof LeapError ? error.code : 'INTERNAL';
      const message = (error as Error)?.message ?? String(error);
      this.logger.warn(`${service} did not list its jobs: ${message}`, { code, service });
      return { error: { code, message } };
    }
  }
}

function countsOf(counts: JobCounts | undefined): Counts {
  const result = zero();
  for (const state of JOB_STATES) result[state] = counts?.[state] ?? 0;
  return result;
}
