/**
 * What a run does with each stage (the dry run's plan, inventory 3.6 and 4.3), as a pure decision
 * read off the run: the stages as it left them, those it started, and the effective config it
 * runs with. The pipeline control service takes the run in a savepoint and rolls it back. No I/O.
 */
import type { PlannedStage } from '@leap/contracts';
import { STAGE_NAMES, stageLabel, type StageSnapshot, type StageState } from '../pipeline/pipeline-state';
import { skipDecision } from '../pipeline/stage-settings';
import type { JsonObject } from '../templates/config-layers';

export interface PlanInput<T extends StageSnapshot & { details?: Record<string, unknown>; errorCode?: string | null; errorMessage?: string | null }> {
  /** The stage rows as the run left them, with any it added (an output target per preset). */
  stages: readonly T[];
  started: ReadonlySet<T>;
  /** FAILED stages the run set up for a new attempt. */
  retried: ReadonlySet<T>;
  /** Each stage's status before the run (a row the run added was not there: PENDING). */
  statusBefore: ReadonlyMap<T, StageState>;
  wasPaused: boolean;
  /** The effective processing config, and for each dotted path the layer its value comes from. */
  processing: JsonObject;
  sources: Record<string, string>;
}

/**
 * One entry per stage, in pipeline order: `start` (and why: due now, resumed after a pause,
 * retried after a failure), `skip` (the config leaves it out, now or when it comes due, with the
 * deciding value and its layer), `wait`, `done` (completed, or skipped before for another reason),
 * `fail` (a target that fails at once: an output preset that cannot be used).
 */
export function runPlan<T extends StageSnapshot & { details?: Record<string, unknown>; errorCode?: string | null; errorMessage?: string | null }>(
  input: PlanInput<T>,
): PlannedStage[] {
  const ordered = [...input.stages].sort((a, b) => STAGE_NAMES.indexOf(a.stage) - STAGE_NAMES.indexOf(b.stage) || a.target.localeCompare(b.target));
  return ordered.map((stage): PlannedStage => {
    const entry = { stage: stageLabel(stage), status: input.statusBefore.get(stage) ?? 'PENDING' };
    const decision = skipDecision(stage.stage, input.processing);
    const skip = (): PlannedStage => ({
      ...entry,
      action: 'skip',
      reason: decision!.reason,
      configPath: decision!.path,
      source: input.sources[decision!.path] ?? 'default_template',
    });
    if (input.started.has(stage)) {
      const reason = input.retried.has(stage) ? 'retried after a failure' : input.wasPaused ? 'resumed after a pause' : 'due now';
      return { ...entry, action: 'start', reason };
    }
    switch (stage.status) {
      case 'SKIPPED':
        return decision ? skip() : { ...entry, action: 'done', reason: `skipped before: ${String(stage.details?.skipReason ?? 'not needed')}` };
      case 'COMPLETED':
        return { ...entry, action: 'done', reason: 'already completed' };
      case 'FAILED':
        return { ...entry, action: 'fail', reason: stage.errorMessage ?? stage.errorCode ?? 'failed' };
      case 'PENDING':
        return decision ? skip() : { ...entry, action: 'wait', reason: 'starts once the stages before it are done' };
      default:
        return { ...entry, action: 'wait', reason: 'in progress' };
    }
  });
}
