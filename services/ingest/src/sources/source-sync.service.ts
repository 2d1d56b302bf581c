import { Injectable } from '@nestjs/common';
import { newMessageId } from '@leap/messaging';
import { PipelineService, type PipelineTx } from '../pipeline/pipeline.service';
import { RunLayersService } from '../templates/run-layers.service';
import { TemplatesService } from '../templates/templates.service';
import type { SourceItem, SourceToList } from './source-adapter';
import { SourcesRepository, type SyncSkipRow } from './sources.repository';

/** Statuses a recording has before its download started: a sync may still refresh its source. */
const NOT_STARTED = new Set(['INITIALIZED']);

export interface SyncOutcome {
  found: number;
  created: number;
  updated: number;
  skips: SyncSkipRow[];
  /** New recordings bound to a template, and recordings whose pipeline this sync started. */
  matched: number;
  started: number;
}

/** What an automation job says of new recordings, over the source's own `autoRun` and template matching. */
export interface SyncOverrides {
  autoRun?: boolean | null;
  templateId?: string | null;
  /** The job's processing config: the manual override of the recordings the sync brings in or starts. */
  processingConfig?: Record<string, unknown> | null;
}

/**
 * What a sync does with the items a source listed, in one transaction: a new item becomes a
 * recording (INITIALIZED, or PENDING_SOURCE while the source is not ready, or SKIPPED when it is
 * blank); an item seen before is deduplicated by its source key (or any of its alternate keys,
 * so a renamed Yandex Disk file is still the same recording), a held one whose source became
 * ready is released, and a recording that is deleted or past its download is never touched.
 */
@Injectable()
export class SourceSyncService {
  constructor(
    private readonly sources: SourcesRepository,
    private readonly pipeline: PipelineService,
    private readonly templates: TemplatesService,
    private readonly runLayers: RunLayersService,
  ) {}

  async apply(tx: PipelineTx, source: SourceToList, items: SourceItem[], overrides: SyncOverrides = {}): Promise<SyncOutcome> {
    const outcome: SyncOutcome = { found: items.length, created: 0, updated: 0, skips: [], matched: 0, started: 0 };
    const autoRun = overrides.autoRun ?? source.config.autoRun === true;
    const processingConfig = overrides.processingConfig && Object.keys(overrides.processingConfig).length > 0 ? overrides.processingConfig : undefined;
    const override = async (recordingId: string) => {
      if (processingConfig) await this.runLayers.apply(tx.manager, { id: recordingId, userId: source.userId }, { processingConfig } as never);
    };
    await this.sources.lockKeys(tx.manager, source.userId, items.map((i) => i.sourceKey));
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.sourceKey)) continue;
      seen.add(item.sourceKey);
      const skip = (reason: string, recordingId?: string) => outcome.skips.push({ sourceKey: item.sourceKey, title: item.title, reason, ...(recordingId ? { recordingId } : {}) });
      const known = await this.sources.known(tx.manager, source.userId, [item.sourceKey, ...(item.alternateKeys ?? [])]);
      if (known) {
        if (known.deleted) skip('deleted', known.recordingId);
        else if (known.status === 'PENDING_SOURCE' && !item.pending) {
          await this.sources.refreshSource(tx.manager, known.recordingId, { url: item.download.url, expectedSizeBytes: item.sizeBytes, metadata: item.metadata ?? {} });
          await override(known.recordingId);
          await this.pipeline.sourceReady(tx, known.recordingId, autoRun);
          outcome.updated += 1;
          if (autoRun) outcome.started += 1;
        } else if (known.status === 'PENDING_SOURCE') skip('still_processing', known.recordingId);
        else if (NOT_STARTED.has(known.status) && (known.url !== item.download.url || String(known.expectedSizeBytes ?? '') !== String(item.sizeBytes ?? ''))) {
          await this.sources.refreshSource(tx.manager, known.recordingId, { url: item.download.url, expectedSizeBytes: item.sizeBytes, metadata: item.metadata ?? {} });
          outcome.updated += 1;
        } else skip(NOT_STARTED.has(known.status) ? 'unchanged' : known.status === 'SKIPPED' ? 'blank' : 'finished', known.recordingId);
        continue;
      }
      const recordingId = newMessageId();
      const status = item.skip === 'blank' ? 'SKIPPED' : item.pending ? 'PENDING_SOURCE' : 'INITIALIZED';
      await this.pipeline.registerImported(tx, {
        recordingId,
        userId: source.userId,
        title: item.title,
        autoRun,
        status,
        sourceType: source.platform === 'ZOOM' ? 'ZOOM' : source.platform === 'YANDEX_DISK' ? 'YANDEX_DISK' : 'URL',
        startedAt: item.startedAt,
        source: {
          method: item.download.method,
          url: item.download.url,
          sourceKey: item.sourceKey,
          platform: item.sourceKey.split(':')[0],
          expectedSizeBytes: item.sizeBytes === null ? null : String(item.sizeBytes),
          quality: item.download.quality ?? null,
          formatPreference: item.download.formatPreference ?? null,
          metadata: {
            ...(item.metadata ?? {}),
            syncKey: item.sourceKey,
            inputSourceId: source.id,
            ...(item.download.credentialId ? { credentialId: item.download.credentialId } : {}),
            ...(item.startedAt ? { startedAt: item.startedAt.toISOString() } : {}),
            ...(item.durationSeconds !== null ? { durationSeconds: item.durationSeconds } : {}),
          },
        },
      });
      if (status === 'SKIPPED') skip('blank', recordingId);
      else {
        await this.templates.bindOnCreate(tx.manager, { recordingId, userId: source.userId, templateId: overrides.templateId ?? null });
        await override(recordingId);
        outcome.created += 1;
        if (await this.sources.isBound(tx.manager, recordingId)) outcome.matched += 1;
        if (autoRun && status === 'INITIALIZED') outcome.started += 1;
      }
    }
    return outcome;
  }
}
