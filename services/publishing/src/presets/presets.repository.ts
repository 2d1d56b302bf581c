import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { PresetPlatform } from './preset-metadata';

/** The transaction a repository call runs in: a handler's `ctx.manager`. */
export type Transaction = EntityManager;

export interface PresetRow {
  id: string;
  userId: string;
  name: string;
  description: string;
  platform: PresetPlatform;
  credentialId: string | null;
  metadata: Record<string, unknown>;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface PresetFilter {
  platforms?: string[];
  search?: string;
  isActive?: boolean;
  limit: number;
  offset: number;
}

export type NewPreset = Omit<PresetRow, 'id' | 'createdAt' | 'updatedAt'>;
export type PresetChanges = Partial<Pick<PresetRow, 'name' | 'description' | 'credentialId' | 'metadata' | 'isActive'>>;

const COLUMNS = `id, user_id AS "userId", name, description, platform, credential_id AS "credentialId", metadata, is_active AS "isActive",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** The rows of a statement with RETURNING (TypeORM answers `[rows, count]` for UPDATE and DELETE). */
function returned<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** A name already used by another preset of the same user. */
export class PresetNameTaken extends Error {}

const isUniqueViolation = (error: unknown): boolean => (error as { code?: string })?.code === '23505' || (error as { driverError?: { code?: string } })?.driverError?.code === '23505';

/** Output presets, always read and written per user. */
@Injectable()
export class PresetsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(tx: Transaction, userId: string, filter: PresetFilter): Promise<{ rows: PresetRow[]; total: number }> {
    const where = ['user_id = $1'];
    const params: unknown[] = [userId];
    if (filter.platforms?.length) {
      params.push(filter.platforms);
      where.push(`platform = ANY($${params.length})`);
    }
    if (filter.search) {
      params.push(`%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(name ILIKE $${params.length} OR description ILIKE $${params.length})`);
    }
    if (filter.isActive !== undefined) {
      params.push(filter.isActive);
      where.push(`is_active = $${params.length}`);
    }
    const clause = where.join(' AND ');
    const [{ total }] = await tx.query(`SELECT count(*)::int AS total FROM output_presets WHERE ${clause}`, params);
    const rows = await tx.query(
      `SELECT ${COLUMNS} FROM output_presets WHERE ${clause} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.limit, filter.offset],
    );
    return { rows, total };
  }

  /** The user's preset; with no transaction, a read of its own (an upload job). */
  async find(tx: Transaction | undefined, userId: string, id: string): Promise<PresetRow | null> {
    const rows = await (tx ?? this.dataSource.manager).query(`SELECT ${COLUMNS} FROM output_presets WHERE user_id = $1 AND id = $2`, [userId, id]);
    return rows[0] ?? null;
  }

  async nameTaken(tx: Transaction, userId: string, name: string): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM output_presets WHERE user_id = $1 AND name = $2`, [userId, name]);
    return rows.length > 0;
  }

  /** Inserts a preset; a name the user already has is `PresetNameTaken`. */
  async insert(tx: Transaction, preset: NewPreset): Promise<PresetRow> {
    try {
      const rows = await tx.query(
        `INSERT INTO output_presets (id, user_id, name, description, platform, credential_id, metadata, is_active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, name) DO NOTHING RETURNING ${COLUMNS}`,
        [uuidv7(), preset.userId, preset.name, preset.description, preset.platform, preset.credentialId, JSON.stringify(preset.metadata), preset.isActive],
      );
      if (rows.length === 0) throw new PresetNameTaken(preset.name);
      return rows[0];
    } catch (error) {
      if (isUniqueViolation(error)) throw new PresetNameTaken(preset.name);
      throw error;
    }
  }

  /** Applies the changes; null when the user has no such preset. */
  async update(tx: Transaction, userId: string, id: string, changes: PresetChanges): Promise<PresetRow | null> {
    const sets: string[] = [];
    const params: unknown[] = [userId, id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.name !== undefined) set('name', changes.name);
    if (changes.description !== undefined) set('description', changes.description);
    if (changes.credentialId !== undefined) set('credential_id', changes.credentialId);
    if (changes.metadata !== undefined) set('metadata', JSON.stringify(changes.metadata));
    if (changes.isActive !== undefined) set('is_active', changes.isActive);
    sets.push('updated_at = now()');
    try {
      const rows = await tx.query(`UPDATE output_presets SET ${sets.join(', ')} WHERE user_id = $1 AND id = $2 RETURNING ${COLUMNS}`, params);
      return returned<PresetRow>(rows)[0] ?? null;
    } catch (error) {
      if (isUniqueViolation(error)) throw new PresetNameTaken(changes.name ?? '');
      throw error;
    }
  }

  /** Deletes the user's presets among `ids`; returns the ids deleted. */
  async delete(tx: Transaction, userId: string, ids: string[]): Promise<string[]> {
    const result = await tx.query(`DELETE FROM output_presets WHERE user_id = $1 AND id = ANY($2::uuid[]) RETURNING id`, [userId, ids]);
    return returned<{ id: string }>(result).map((r) => r.id);
  }

  /** Presets that used a credential lose it (the credential was deleted). */
  async forgetCredential(tx: Transaction, userId: string, credentialId: string): Promise<void> {
    await tx.query(`UPDATE output_presets SET credential_id = NULL, updated_at = now() WHERE user_id = $1 AND credential_id = $2`, [userId, credentialId]);
  }
}
