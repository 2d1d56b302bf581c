import type { Type } from '@nestjs/common';
import { HealthController } from '@leap/platform';
import { z } from 'zod';
import type { ApiDocOptions } from '../common/api-doc';

/** Routes every service gets from @leap/platform: documented here, outside the access guard. */
export interface PlatformRouteDocs {
  tag: string;
  docs: Record<string, ApiDocOptions>;
}

/** The platform's `ReadinessReport`: every check by name. */
const readinessReport = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.object({ status: z.enum(['up', 'down']), error: z.string().optional() })),
});

const HEALTH: PlatformRouteDocs = {
  tag: 'Health',
  docs: {
    live: {
      summary: 'Liveness',
      description: 'Answers while the process can serve at all. For orchestrators; needs no credential and is not rate limited.',
      responses: { 200: { description: 'The process is alive.', schema: z.object({ status: z.literal('ok'), service: z.string() }) } },
    },
    ready: {
      summary: 'Readiness',
      description: 'Checks the database and the message broker. For load balancers; needs no credential and is not rate limited.',
      responses: {
        200: { description: 'Every dependency answers.', schema: readinessReport },
        503: { description: 'A dependency does not answer; the report says which.', schema: readinessReport },
      },
    },
  },
};

/** The documentation of a platform controller, or undefined for the gateway's own controllers. */
export function platformRouteDocs(controller: Type<unknown>): PlatformRouteDocs | undefined {
  return controller === HealthController ? HEALTH : undefined;
}
