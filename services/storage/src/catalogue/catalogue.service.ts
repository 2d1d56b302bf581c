import { Inject, Injectable } from '@nestjs/common';
import type { ObjectRef } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE } from '@leap/platform';
import { parseRecordingKey, storageKeys, type ObjectStore } from '@leap/storage-client';
import { ObjectCatalogueRepository, type CatalogueRow, type Transaction } from './object-catalogue.repository';
import type { CatalogueKind } from './stored-object.entity';

/** Objects of one recording that a result event says are in the store. */
export interface RecordingObjects {
  userId: string;
  recordingId: string;
  objects: ObjectRef[];
}

/** A user's storage usage after a change, and the change. */
export interface UsageChange {
  userId: string;
  totalBytes: bigint;
  deltaBytes: bigint;
}

export interface CatalogueUpdate {
  /** Objects that entered the catalogue or replaced what it knew about their key. */
  stored: ObjectRef[];
  /** Keys the event named that are not in the store (any more): not catalogued. */
  missing: string[];
  /** Set when the catalogue changed. */
  usage?: UsageChange;
}

export interface RecordingDeletion {
  /** Objects deleted and bytes freed. */
  count: number;
  bytes: bigint;
  /** Set when the user's usage changed. */
  usage?: UsageChange;
}

const KINDS: readonly CatalogueKind[] = ['SOURCE', 'VIDEO', 'AUDIO', 'POSTER', 'THUMBNAIL', 'TRANSCRIPT', 'TOPICS', 'SUBTITLES_SRT', 'SUBTITLES_VTT'];
const SIZE = /^(0|[1-9][0-9]{0,18})$/;

/**
 * The object catalogue: what is in the store, per user and recording, with size and checksum.
 * Usage is always computed from the catalogue itself, in the transaction that changed it.
 */
@Injectable()
export class CatalogueService {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly catalogue: ObjectCatalogueRepository,
  ) {}

  /**
   * Records the objects a result event carries. The same key again replaces what is known about
   * it (so usage stays exact); an unchanged object is left alone and changes nothing.
   */
  async record(tx: Transaction, input: RecordingObjects): Promise<CatalogueUpdate> {
    const byKey = new Map<string, ObjectRef>();
    for (const object of input.objects) byKey.set(object.key, this.check(object, input));
    const missing: string[] = [];
    const present: ObjectRef[] = [];
    for (const object of byKey.values()) {
      if (await this.store.exists(object.key)) present.push(object);
      else missing.push(object.key);
    }
    if (present.length === 0) return { stored: [], missing };

    await this.catalogue.lockUser(tx, input.userId);
    const known = new Map((await this.catalogue.find(tx, present.map((o) => o.key))).map((row) => [row.key, row]));
    const changed = present.filter((object) => {
      const row = known.get(object.key);
      return !row || row.sizeBytes !== object.sizeBytes || (row.checksumSha256 ?? '') !== (object.checksumSha256 ?? '');
    });
    if (changed.length === 0) return { stored: [], missing };

    const before = await this.catalogue.totalBytes(tx, input.userId);
    await this.catalogue.upsert(tx, changed.map((object) => this.row(object, input)));
    const after = await this.catalogue.totalBytes(tx, input.userId);
    return { stored: changed, missing, usage: { userId: input.userId, totalBytes: after, deltaBytes: after - before } };
  }

  /**
   * Deletes everything under the recording's prefix (files the catalogue never heard of too) and
   * its catalogue rows. Deleting again finds nothing and changes nothing.
   */
  async deleteRecording(tx: Transaction, userId: string, recordingId: string): Promise<RecordingDeletion> {
    let prefix: string;
    try {
      prefix = storageKeys.recordingPrefix(userId, recordingId);
    } catch (error) {
      throw new LeapError('STORAGE.INVALID_ID', (error as Error).message, { retryable: false, status: 400 });
    }
    const files = await this.store.deletePrefix(prefix);
    await this.catalogue.lockUser(tx, userId);
    const before = await this.catalogue.totalBytes(tx, userId);
    const rows = await this.catalogue.deleteRecording(tx, userId, recordingId);
    const after = await this.catalogue.totalBytes(tx, userId);
    // A retried delete finds the files gone already; the catalogue rows still say what was freed.
    const bytes = BigInt(files.bytes) > rows.bytes ? BigInt(files.bytes) : rows.bytes;
    const deletion: RecordingDeletion = { count: Math.max(files.count, rows.count), bytes };
    if (after !== before) deletion.usage = { userId, totalBytes: after, deltaBytes: after - before };
    return deletion;
  }

  private check(ref: ObjectRef, owner: RecordingObjects): ObjectRef {
    // int64 arrives as a decimal string; a number is accepted by proto3 JSON parsers too.
    const object = { ...ref, sizeBytes: String(ref.sizeBytes) };
    const parsed = parseRecordingKey(object.key);
    if (!parsed || parsed.userId !== owner.userId || parsed.recordingId !== owner.recordingId) {
      throw new LeapError(
        'STORAGE.FOREIGN_KEY',
        `Object ${object.key} is not under users/${owner.userId}/recordings/${owner.recordingId}/`,
        { retryable: false, status: 400, details: { key: object.key } },
      );
    }
    if (!SIZE.test(object.sizeBytes)) {
      throw new LeapError('STORAGE.INVALID_OBJECT', `Object ${object.key} has an invalid size ${JSON.stringify(object.sizeBytes)}`, {
        retryable: false,
        status: 400,
      });
    }
    if (!KINDS.includes(kindOf(object))) {
      throw new LeapError('STORAGE.INVALID_OBJECT', `Object ${object.key} has no kind`, { retryable: false, status: 400 });
    }
    return object;
  }

  private row(object: ObjectRef, owner: RecordingObjects): CatalogueRow {
    return {
      key: object.key,
      userId: owner.userId,
      recordingId: owner.recordingId,
      kind: kindOf(object),
      sizeBytes: object.sizeBytes,
      checksumSha256: object.checksumSha256 || null,
      contentType: object.contentType || null,
    };
  }
}

function kindOf(object: ObjectRef): CatalogueKind {
  return String(object.kind).replace(/^OBJECT_KIND_/, '') as CatalogueKind;
}
