import { Controller, Get, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { validationError } from '../common/problem-details';
import { isUuid, parseInput } from '../common/validation';
import { recordingNotFound } from '../recordings/problems';
import { RecordingsRepository } from '../recordings/recordings.repository';
import { StageTimingsRepository, type StageAggregateRow, type TimingRow } from './stage-timings.repository';

const STAGE_ORDER = ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES', 'UPLOAD'];
const byStage = (a: { stage: string }, b: { stage: string }) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage);
const MAX_RANGE_DAYS = 366;
const DEFAULT_RANGE_DAYS = 30;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const num = (v: string | number | null) => (v === null ? null : Number(v));

const timing = {
  status: z.string().describe('`IN_PROGRESS`, `COMPLETED`, `FAILED`, `SKIPPED`, or `PENDING` for an attempt a pause took back.'),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
};
const recordingTimingsSchema = z.object({
  recordingId: z.string(),
  totalDurationMs: z.number().describe('The sum of every finished attempt of every stage.'),
  stages: z.array(
    z.object({
      stage: z.string(),
      target: z.string().optional().describe("An upload's target."),
      attempts: z.array(
        z.object({
          attempt: z.number().int(),
          ...timing,
          errorCode: z.string().nullable(),
          substeps: z.array(z.object({ name: z.string(), ...timing })).describe('As the job named them in its progress reports, in order.'),
        }),
      ),
    }),
  ),
});

const aggregate = {
  attempts: z.number().int(),
  recordings: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  avgMs: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
  totalMs: z.number().nullable(),
};
const analyticsSchema = z.object({
  from: z.string(),
  to: z.string(),
  stages: z.array(z.object({ stage: z.string(), ...aggregate, substeps: z.array(z.object({ name: z.string(), ...aggregate })) })),
});

const analyticsQuery = z
  .object({
    from: z.string().datetime({ offset: true }).optional().describe(`Attempts started at or after this time (ISO 8601). Default: ${DEFAULT_RANGE_DAYS} days before \`to\`.`),
    to: z.string().datetime({ offset: true }).optional().describe('Attempts started before this time. Default: now.'),
  })
  .strict();

function aggregateView(r: StageAggregateRow) {
  return {
    attempts: r.attempts,
    recordings: r.recordings,
    completed: r.completed,
    failed: r.failed,
    avgMs: r.avgMs,
    p50Ms: r.p50Ms,
    p95Ms: r.p95Ms,
    maxMs: num(r.maxMs),
    totalMs: num(r.totalMs),
  };
}

/** Stage timing analytics (R15): one recording's stages by attempt and sub-step, and the caller's figures per stage. */
@Controller('api/v1')
export class TimingsController {
  constructor(
    private readonly timings: StageTimingsRepository,
    private readonly recordings: RecordingsRepository,
  ) {}

  @Get('recordings/:id/timings')
  @ApiDoc({
    summary: "A recording's stage timings",
    tag: 'Recordings',
    description:
      'Every attempt of every stage (an upload per target) with its start, end, duration, status and error code, and the sub-steps of each attempt ' +
      '(`downloading the source`, `detecting silence`, `cutting the video`, ...) as its job named them in its progress reports, each from the first report ' +
      'naming it to the next sub-step or the end of the attempt. Progress reports come at most about once a second, so a sub-step shorter than that may not appear.',
    params: { id: 'The recording id.' },
    responses: { 200: { description: 'The timings.', schema: recordingTimingsSchema } },
    problems: { 404: ['RECORDING.NOT_FOUND'] },
  })
  async recording(@CurrentUser() user: Principal, @Param('id') id: string) {
    if (!isUuid(id) || !(await this.recordings.findOwned(user.userId, id, 'any'))) throw recordingNotFound(id);
    const rows = await this.timings.of(id);
    const stages = new Map<string, { stage: string; target: string; attempts: Map<number, { row?: TimingRow; substeps: TimingRow[] }> }>();
    for (const row of rows) {
      const key = `${row.stage}\u0000${row.target}`;
      const stage = stages.get(key) ?? { stage: row.stage, target: row.target, attempts: new Map() };
      stages.set(key, stage);
      const attempt = stage.attempts.get(row.attempt) ?? { substeps: [] };
      stage.attempts.set(row.attempt, attempt);
      if (row.substep === '') attempt.row = row;
      else attempt.substeps.push(row);
    }
    const view = (t: TimingRow) => ({ status: t.status, startedAt: iso(t.startedAt), finishedAt: iso(t.finishedAt), durationMs: num(t.durationMs) });
    const total = rows.filter((r) => r.substep === '').reduce((sum, r) => sum + (num(r.durationMs) ?? 0), 0);
    return {
      recordingId: id,
      totalDurationMs: total,
      stages: [...stages.values()]
        .sort((a, b) => byStage(a, b) || a.target.localeCompare(b.target))
        .map((s) => ({
          stage: s.stage,
          ...(s.target ? { target: s.target } : {}),
          attempts: [...s.attempts.entries()]
            .sort(([a], [b]) => a - b)
            .filter(([, a]) => a.row)
            .map(([attempt, a]) => ({
              attempt,
              ...view(a.row!),
              errorCode: a.row!.errorCode,
              substeps: a.substeps.map((t) => ({ name: t.substep, ...view(t) })),
            })),
        })),
    };
  }

  @Get('analytics/stage-timings')
  @ApiDoc({
    summary: 'Stage timing analytics',
    tag: 'Analytics',
    description:
      "Per stage, and per sub-step within it, over the caller's attempts started in [`from`, `to`): how many attempts, of how many recordings, how many " +
      'completed and failed, and the average, median, 95th percentile, longest and total duration of the finished ones, in milliseconds. ' +
      `At most ${MAX_RANGE_DAYS} days at a time.`,
    query: analyticsQuery,
    responses: { 200: { description: 'The figures.', schema: analyticsSchema } },
    problems: { 400: ['VALIDATION.FAILED'] },
  })
  async analytics(@CurrentUser() user: Principal, @Query() query: unknown) {
    const input = parseInput(analyticsQuery, query);
    const to = input.to ? new Date(input.to) : new Date();
    const from = input.from ? new Date(input.from) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * 86_400_000);
    if (!(from < to)) throw validationError([{ field: 'from', message: 'must be before to' }]);
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw validationError([{ field: 'from', message: `must be at most ${MAX_RANGE_DAYS} days before to` }]);
    const rows = await this.timings.aggregate(user.userId, from, to);
    const stages = rows
      .filter((r) => r.substep === '')
      .sort(byStage)
      .map((r) => ({
        stage: r.stage,
        ...aggregateView(r),
        substeps: rows
          .filter((s) => s.stage === r.stage && s.substep !== '')
          .sort((a, b) => a.substep.localeCompare(b.substep))
          .map((s) => ({ name: s.substep, ...aggregateView(s) })),
      }));
    return { from: from.toISOString(), to: to.toISOString(), stages };
  }
}
