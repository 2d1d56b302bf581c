import { z } from 'zod';
import type { RunOverrides, RunResult } from '@leap/contracts';
import type { ApiDocOptions } from '../../common/api-doc';
import { booleanFilter } from '../../common/pagination';
import { metadataConfigDoc, outputConfigDoc, processingConfigDoc, resolvedSchema, resolvedView } from '../../templates/templates.dto';
import { ID_PARAM, pipelineActionSchema } from '../recordings.api-doc';

/**
 * What a run may give of its own config (the reference's `/run` body, camelCase). The gateway
 * checks the shape; ingest checks the content as a template's config (RECORDING_CONFIG.INVALID).
 */
export const runOverridesFields = {
  templateId: z.string().uuid('must be a template id').optional().describe('A template for this run only (the runtime template layer); bound to the recording with `bindTemplate`'),
  bindTemplate: z.boolean().optional().describe('Bind `templateId` to the recording (as `POST /recordings/{id}/template`) instead of using it for this run only'),
  processingConfig: processingConfigDoc.optional().describe('As a template\'s processingConfig; for this run, at the top of the manual override'),
  metadataConfig: metadataConfigDoc.optional().describe('As a template\'s metadataConfig; for this run, at the top of the manual override'),
  outputConfig: outputConfigDoc.optional().describe('As a template\'s outputConfig; for this run, at the top of the manual override'),
};

export const runBody = z
  .object({ ...runOverridesFields, dryRun: z.boolean().optional().describe('Answer the plan and the effective config; change nothing (also `?dryRun=true`)') })
  .strict()
  .refine((b) => !b.bindTemplate || b.templateId !== undefined, { message: 'needs templateId', path: ['bindTemplate'] });

export const runQuery = z.object({ dryRun: booleanFilter().describe('As the body\'s dryRun') }).strict();

/** The body's overrides as the contract carries them. */
export function runOverridesOf(body: Partial<Record<keyof typeof runOverridesFields, unknown>>): RunOverrides | undefined {
  const overrides: RunOverrides = {
    ...(body.templateId ? { templateId: body.templateId as string } : {}),
    ...(body.bindTemplate ? { bindTemplate: true } : {}),
    ...(body.processingConfig ? { processingConfig: body.processingConfig as Record<string, unknown> } : {}),
    ...(body.metadataConfig ? { metadataConfig: body.metadataConfig as Record<string, unknown> } : {}),
    ...(body.outputConfig ? { outputConfig: body.outputConfig as Record<string, unknown> } : {}),
  };
  return Object.keys(overrides).length > 0 ? overrides : undefined;
}

const plannedStageSchema = z.object({
  stage: z.string().describe('`TRIM`; an upload as `UPLOAD:<target>`'),
  status: z.string().describe('The stage\'s status now'),
  action: z
    .enum(['start', 'skip', 'wait', 'done', 'fail'])
    .describe('`start`: starts now; `skip`: the config leaves it out; `wait`: starts once the stages before it are done; `done`: completed or skipped before, not run again; `fail`: fails at once (an output preset that cannot be used)'),
  reason: z.string().describe('Why, e.g. `trimming off (processing.trimming.enableTrimming)`, `already completed`, `resumed after a pause`'),
  configPath: z.string().optional().describe('For a stage the config leaves out: the config value that decides it'),
  source: z.string().optional().describe('…and the layer that value comes from, e.g. `bound_template`'),
});

export const runActionSchema = pipelineActionSchema('The stages started (or, in a dry run, that would start), e.g. `TRIM`; an upload as `UPLOAD:<target>`; empty when nothing was left to do.').extend({
  dryRun: z.boolean().describe('Whether this was only the plan: then nothing changed'),
  plan: z.array(plannedStageSchema).optional().describe('Dry run: every stage, in pipeline order, and what the run does with it'),
  config: resolvedSchema.optional().describe('Dry run: the effective config the run would go with, the layer each value comes from and the layers (as `GET /config/resolve?include_layers=true`)'),
});

/** What a run answers: the state ingest left (or would leave) and, for a dry run, its plan and config. */
export function runAction(result: RunResult) {
  return {
    id: result.recordingId,
    status: result.status,
    paused: result.paused ?? false,
    stages: result.stages ?? [],
    dryRun: result.dryRun ?? false,
    ...(result.dryRun
      ? {
          plan: (result.plan ?? []).map((p) => ({
            stage: p.stage,
            status: p.status,
            action: p.action as 'start' | 'skip' | 'wait' | 'done' | 'fail',
            reason: p.reason ?? '',
            ...(p.configPath ? { configPath: p.configPath } : {}),
            ...(p.source ? { source: p.source } : {}),
          })),
          config: resolvedView(result),
        }
      : {}),
    links: { self: `/api/v1/recordings/${result.recordingId}` },
  };
}

export const runDoc: ApiDocOptions = {
  summary: 'Run a recording',
  description:
    'Smart resume from where the pipeline stands: clears a pause, retries failed stages as a new attempt (lifting the failure) and starts ' +
    'whatever may start. A recording with nothing left to do (`READY`) answers 200 with no stage started. ' +
    'The body may give the run\'s own config: `templateId` (for this run, the runtime template layer; bound with `bindTemplate`) and ' +
    '`processingConfig`, `metadataConfig`, `outputConfig` (as a template\'s, at the top of the manual override). They last for the stages of this run ' +
    '(until the next run that gives some, or a reset). With `dryRun` (body or query) the run is decided and rolled back: the answer is the plan of ' +
    'every stage (start, skip and why, wait, done) and the effective config with the layer of each value; a refusal is the 409 a real run answers; ' +
    'nothing changes. The answer is the state ingest left; `GET /recordings/{id}` shows it within moments. ' +
    'A run counts against the plan\'s monthly processing (counted when it starts the pipeline), checked first: over the limit it is 429 ' +
    '`QUOTA.EXCEEDED` (with `Retry-After`, the start of the next month), a dry run too, and nothing runs.',
  params: ID_PARAM,
  body: runBody,
  query: runQuery,
  responses: { 200: { description: 'Running, or nothing left to do (or the plan).', schema: runActionSchema } },
  problems: {
    400: ['VALIDATION.FAILED'],
    404: ['RECORDING.NOT_FOUND', 'TEMPLATE.NOT_FOUND'],
    409: ['INGEST.ALREADY_RUNNING', 'INGEST.NOT_RUNNABLE'],
    422: ['RECORDING_CONFIG.INVALID'],
    429: ['QUOTA.EXCEEDED'],
    503: ['INGEST.UNAVAILABLE', 'QUOTA.UNAVAILABLE'],
  },
};
