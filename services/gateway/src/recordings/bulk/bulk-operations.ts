import { MESSAGE_TYPES, type DeleteRecording } from '@leap/contracts';
import type { MessageBus } from '@leap/messaging';
import type { FeatureFlag } from '../../access/principal';
import type { RecordingRow, RecordingsRepository } from '../recordings.repository';
import type { BulkControlClient } from './bulk-control.client';
import type { BulkBody, BulkItem } from './bulk.dto';
import { runOverridesOf } from '../control/run.api-doc';

/** What an operation gets to act with. */
export interface BulkDeps {
  control: BulkControlClient;
  recordings: RecordingsRepository;
  bus: MessageBus;
}

/**
 * One bulk operation: the feature flag its single route needs, and how it applies to (or, in a dry
 * run, plans for) recordings the caller owns and can see. Each answers one item per recording,
 * accepted or refused with the code its single route would answer. Adding an operation is one
 * entry here and one route in the controller.
 */
export interface BulkOperation {
  flag?: FeatureFlag;
  apply(deps: BulkDeps, userId: string, rows: RecordingRow[], dryRun: boolean, body: BulkBody): Promise<BulkItem[]>;
}

/** Run and pause are decided by ingest, recording by recording, by the code its single routes use. */
function ingestControl<F extends FeatureFlag | undefined>(operation: 'run' | 'pause', flag: F): BulkOperation & { flag: F } {
  return {
    flag,
    async apply(deps, userId, rows, dryRun, body) {
      if (rows.length === 0) return [];
      const overrides = operation === 'run' ? runOverridesOf(body) : undefined;
      const answers = await deps.control.control(userId, operation, rows.map((r) => r.id), dryRun, overrides);
      return answers.map((a) => ({
        id: a.recordingId,
        outcome: a.outcome as BulkItem['outcome'],
        ...(a.code ? { code: a.code } : {}),
        ...(a.message ? { message: a.message } : {}),
        ...(a.status ? { status: a.status } : {}),
        ...(a.outcome === 'accepted' ? { stages: a.stages ?? [] } : {}),
      }));
    },
  };
}

/**
 * Soft delete, as `DELETE /recordings/{id}`: marked DELETING here, deleted by ingest. A recording
 * being deleted already is accepted and not asked for twice, as the single route answers it.
 */
const softDelete: BulkOperation = {
  async apply(deps, userId, rows, dryRun) {
    const items: BulkItem[] = [];
    for (const row of rows) {
      if (!dryRun) {
        await deps.recordings.transaction(async (manager) => {
          if (await deps.recordings.markDeleting(manager, row.id, userId)) {
            const command: DeleteRecording = { recordingId: row.id, userId };
            await deps.bus.send(manager, MESSAGE_TYPES.ingest.DeleteRecording, command, { subject: row.id, tenant: userId });
          }
        });
      }
      items.push({ id: row.id, outcome: 'accepted', status: 'DELETING' });
    }
    return items;
  },
};

export const BULK_OPERATIONS = {
  run: ingestControl('run', 'process'),
  pause: ingestControl('pause', undefined),
  delete: softDelete,
} satisfies Record<string, BulkOperation>;

export type BulkOperationName = keyof typeof BULK_OPERATIONS;
