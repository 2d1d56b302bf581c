import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Transaction } from '../recordings/recording.repository';
import type { JsonObject, LayeredConfig } from './config-layers';
import type { MatchingRules } from './matching-rules';

export interface TemplateRow {
  id: string;
  userId: string;
  name: string;
  description: string;
  isDraft: boolean;
  isActive: boolean;
  isDefault: boolean;
  priority: number;
  matchingRules: MatchingRules;
  processingConfig: JsonObject;
  metadataConfig: JsonObject;
  outputConfig: JsonObject;
  usedCount: number;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What templates need of a recording: its title, its input source, its binding and its own config. */
export interface RecordingConfigRow {
  id: string;
  userId: string;
  title: string;
  status: string;
  sourceId: string | null;
  templateId: string | null;
  isMapped: boolean;
  processingPreferences: LayeredConfig;
  /** The layers the last run gave (`RunRecording.overrides`): its template and its config. */
  runtimeTemplateId: string | null;
  runOverride: LayeredConfig;
}

const TEMPLATE = `id, user_id AS "userId", name, description, is_draft AS "isDraft", is_active AS "isActive", is_default AS "isDefault", priority,
  matching_rules AS "matchingRules", processing_config AS "processingConfig", metadata_config AS "metadataConfig", output_config AS "outputConfig",
  used_count AS "usedCount", last_used_at AS "lastUsedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;
const RECORDING = `r.id, r.user_id AS "userId", r.title, r.status, s.metadata->>'inputSourceId' AS "sourceId", r.template_id AS "templateId",
  r.is_mapped AS "isMapped", r.processing_preferences AS "processingPreferences",
  r.runtime_template_id AS "runtimeTemplateId", r.run_override AS "runOverride"`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Templates, and the template binding and config columns of recordings. Deleted recordings are left out. */
@Injectable()
export class TemplatesRepository {
  constructor(private readonly db: DataSource) {}

  newId(): string {
    return uuidv7();
  }

  private q(tx: Transaction | undefined) {
    return tx ?? this.db.manager;
  }

  async insert(tx: Transaction, row: TemplateRow, ifAbsent = false): Promise<TemplateRow | null> {
    const rows: TemplateRow[] = await tx.query(
      `INSERT INTO templates (id, user_id, name, description, is_draft, is_active, is_default, priority, matching_rules, processing_config, metadata_config, output_config, used_count, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) ${ifAbsent ? 'ON CONFLICT DO NOTHING' : ''} RETURNING ${TEMPLATE}`,
      [row.id, row.userId, row.name, row.description, row.isDraft, row.isActive, row.isDefault, row.priority, row.matchingRules, row.processingConfig, row.metadataConfig, row.outputConfig, row.usedCount, row.createdAt],
    );
    return rows[0] ?? null;
  }

  async update(tx: Transaction, row: TemplateRow, now: Date): Promise<TemplateRow> {
    // TypeORM answers an UPDATE … RETURNING as [rows, affected].
    const [rows]: [TemplateRow[], number] = await tx.query(
      `UPDATE templates SET name = $3, description = $4, is_draft = $5, is_active = $6, priority = $7, matching_rules = $8, processing_config = $9,
         metadata_config = $10, output_config = $11, updated_at = $12 WHERE id = $1 AND user_id = $2 RETURNING ${TEMPLATE}`,
      [row.id, row.userId, row.name, row.description, row.isDraft, row.isActive, row.priority, row.matchingRules, row.processingConfig, row.metadataConfig, row.outputConfig, now],
    );
    return rows[0];
  }

  async find(tx: Transaction | undefined, userId: string, id: string): Promise<TemplateRow | null> {
    if (!UUID.test(id)) return null;
    const rows: TemplateRow[] = await this.q(tx).query(`SELECT ${TEMPLATE} FROM templates WHERE id = $1 AND user_id = $2`, [id, userId]);
    return rows[0] ?? null;
  }

  async findDefault(tx: Transaction | undefined, userId: string): Promise<TemplateRow | null> {
    const rows: TemplateRow[] = await this.q(tx).query(`SELECT ${TEMPLATE} FROM templates WHERE user_id = $1 AND is_default`, [userId]);
    return rows[0] ?? null;
  }

  /** The default first, then in matching order. */
  async list(tx: Transaction | undefined, userId: string): Promise<TemplateRow[]> {
    return this.q(tx).query(`SELECT ${TEMPLATE} FROM templates WHERE user_id = $1 ORDER BY is_default DESC, priority DESC, created_at, id`, [userId]);
  }

  async nameTaken(tx: Transaction, userId: string, name: string, exceptId: string | null): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM templates WHERE user_id = $1 AND name = $2 AND id IS DISTINCT FROM $3::uuid LIMIT 1`, [userId, name, exceptId]);
    return rows.length > 0;
  }

  /** Makes `id` the user's only default template. */
  async setDefault(tx: Transaction, userId: string, id: string, now: Date): Promise<void> {
    await tx.query(`UPDATE templates SET is_default = false, updated_at = $3 WHERE user_id = $1 AND is_default AND id <> $2`, [userId, id, now]);
    await tx.query(`UPDATE templates SET is_default = true, is_draft = false, is_active = true, updated_at = $3 WHERE user_id = $1 AND id = $2`, [userId, id, now]);
  }

  /** Deletes the templates; answers how many recordings were bound to them (the foreign key unbinds them). */
  async delete(tx: Transaction, userId: string, ids: string[]): Promise<number> {
    const [{ count }] = await tx.query(`SELECT count(*)::int AS count FROM recordings WHERE user_id = $1 AND template_id = ANY($2::uuid[])`, [userId, ids]);
    await tx.query(`UPDATE recordings SET is_mapped = false WHERE user_id = $1 AND template_id = ANY($2::uuid[])`, [userId, ids]);
    await tx.query(`DELETE FROM templates WHERE user_id = $1 AND id = ANY($2::uuid[])`, [userId, ids]);
    return count;
  }

  async used(tx: Transaction, templateId: string, count: number, now: Date): Promise<void> {
    if (count > 0) await tx.query(`UPDATE templates SET used_count = used_count + $2, last_used_at = $3 WHERE id = $1`, [templateId, count, now]);
  }

  async recording(tx: Transaction | undefined, userId: string, id: string, lock = false): Promise<RecordingConfigRow | null> {
    if (!UUID.test(id)) return null;
    const rows: RecordingConfigRow[] = await this.q(tx).query(
      `SELECT ${RECORDING} FROM recordings r LEFT JOIN recording_sources s ON s.recording_id = r.id
       WHERE r.id = $1 AND r.user_id = $2 AND r.delete_state IS NULL ${lock ? 'FOR UPDATE OF r' : ''}`,
      [id, userId],
    );
    return rows[0] ?? null;
  }

  /** The user's live recordings, oldest first; only unbound ones, or one input source's, when asked. */
  async recordings(tx: Transaction | undefined, userId: string, filter: { onlyUnbound?: boolean; sourceId?: string } = {}): Promise<RecordingConfigRow[]> {
    return this.q(tx).query(
      `SELECT ${RECORDING} FROM recordings r LEFT JOIN recording_sources s ON s.recording_id = r.id
       WHERE r.user_id = $1 AND r.delete_state IS NULL ${filter.onlyUnbound ? 'AND r.template_id IS NULL' : ''}
         ${filter.sourceId ? `AND s.metadata->>'inputSourceId' = $2` : ''}
       ORDER BY r.created_at, r.id`,
      filter.sourceId ? [userId, filter.sourceId] : [userId],
    );
  }

  async bind(tx: Transaction, recordingId: string, templateId: string | null, now: Date): Promise<void> {
    await tx.query(`UPDATE recordings SET template_id = $2, is_mapped = $2::uuid IS NOT NULL, updated_at = $3 WHERE id = $1`, [recordingId, templateId, now]);
  }

  async setPreferences(tx: Transaction, recordingId: string, preferences: LayeredConfig, now: Date): Promise<void> {
    await tx.query(`UPDATE recordings SET processing_preferences = $2, updated_at = $3 WHERE id = $1`, [recordingId, preferences, now]);
  }

  /** The layers a run gives (its template and its config), replacing the last run's; none clears them. */
  async setRunLayers(tx: Transaction, recordingId: string, runtimeTemplateId: string | null, runOverride: LayeredConfig, now: Date): Promise<void> {
    await tx.query(`UPDATE recordings SET runtime_template_id = $2, run_override = $3, updated_at = $4 WHERE id = $1`, [recordingId, runtimeTemplateId, runOverride, now]);
  }

  async countByStatus(tx: Transaction | undefined, userId: string, templateId: string): Promise<Record<string, number>> {
    const rows: { status: string; count: number }[] = await this.q(tx).query(
      `SELECT status, count(*)::int AS count FROM recordings WHERE user_id = $1 AND template_id = $2 AND delete_state IS NULL GROUP BY status`,
      [userId, templateId],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.count]));
  }
}
