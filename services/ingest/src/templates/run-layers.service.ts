import { Injectable } from '@nestjs/common';
import type { RunOverrides as RunOverridesInput } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { Clock } from '../clock.service';
import type { Transaction } from '../recordings/recording.repository';
import type { JsonObject, LayeredConfig } from './config-layers';
import { checkedRunOverrides, type RunOverrides } from './template-fields';
import { TemplatesRepository } from './templates.repository';

/** The contract's overrides with the fields proto3 leaves empty taken as not given. */
const given = (input: RunOverridesInput | undefined): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(input ?? {}).filter(([key, value]) => value !== undefined && value !== null && !(key === 'templateId' && value === '') && !(key === 'bindTemplate' && value === false)),
  );

/**
 * The config layers a run gives of its own (`RunRecording.overrides`, the reference's `/run`
 * body): a template for this run (the runtime template layer) or bound with `bindTemplate`, and
 * config blocks at the top of the manual override. The stages of the run start over time, each
 * reading the effective config as it comes due (TemplatesService.layers), so they are stored on
 * the recording until the next run that gives some, or a reset.
 */
@Injectable()
export class RunLayersService {
  constructor(
    private readonly templates: TemplatesRepository,
    private readonly clock: Clock,
  ) {}

  /** Checked: the fields like a template's config (RECORDING_CONFIG.INVALID, 422), the template the user's (TEMPLATE.NOT_FOUND, 404). */
  async check(tx: Transaction, userId: string, input: RunOverridesInput | undefined): Promise<RunOverrides> {
    const overrides = checkedRunOverrides(given(input));
    if (overrides.templateId && !(await this.templates.find(tx, userId, overrides.templateId))) {
      throw new LeapError('TEMPLATE.NOT_FOUND', `There is no template ${overrides.templateId}`, { status: 404 });
    }
    return overrides;
  }

  /**
   * Stores the run's layers on the recording, replacing the last run's. A run that gives none
   * keeps the last run's (a resume goes on as it started); answers whether any was given.
   */
  async apply(tx: Transaction, recording: { id: string; userId: string }, overrides: RunOverrides): Promise<boolean> {
    if (!['templateId', 'processingConfig', 'metadataConfig', 'outputConfig'].some((k) => overrides[k as keyof RunOverrides] !== undefined)) return false;
    const now = this.clock.now();
    let runtimeTemplateId: string | null = overrides.templateId ?? null;
    if (overrides.templateId && overrides.bindTemplate) {
      const current = await this.templates.recording(tx, recording.userId, recording.id);
      await this.templates.bind(tx, recording.id, overrides.templateId, now);
      if (current?.templateId !== overrides.templateId) await this.templates.used(tx, overrides.templateId, 1, now);
      runtimeTemplateId = null;
    }
    const config: LayeredConfig = {
      ...(overrides.processingConfig ? { processing: overrides.processingConfig as JsonObject } : {}),
      ...(overrides.metadataConfig ? { metadata: overrides.metadataConfig as JsonObject } : {}),
      ...(overrides.outputConfig ? { output: overrides.outputConfig as JsonObject } : {}),
    };
    await this.templates.setRunLayers(tx, recording.id, runtimeTemplateId, config, now);
    return true;
  }

  /** A reset forgets the layers the last run gave. */
  async clear(tx: Transaction, recordingId: string): Promise<void> {
    await this.templates.setRunLayers(tx, recordingId, null, {}, this.clock.now());
  }
}
