import { deletionSchedule, expiryOf, restoreRefusal, type RetentionPolicy } from './retention';

const policy: RetentionPolicy = { autoExpireDays: 90, softDeleteDays: 3, hardDeleteDays: 30 };
const at = new Date('2026-01-01T00:00:00Z');

describe('retention', () => {
  it('expires 90 days after creation', () => {
    expect(expiryOf(at, policy).toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });

  it('removes the files 3 days after the delete and the last trace 30 days after that', () => {
    const { purgeAt, hardDeleteAt } = deletionSchedule(at, policy);
    expect(purgeAt.toISOString()).toBe('2026-01-04T00:00:00.000Z');
    expect(hardDeleteAt.toISOString()).toBe('2026-02-03T00:00:00.000Z');
  });

  it('restores only a soft-deleted recording within its window', () => {
    const { purgeAt } = deletionSchedule(at, policy);
    expect(restoreRefusal({ deleteState: null, purgeAt: null }, at)).toBe('INGEST.NOT_DELETED');
    expect(restoreRefusal({ deleteState: 'SOFT', purgeAt }, new Date(purgeAt.getTime() - 1))).toBeUndefined();
    expect(restoreRefusal({ deleteState: 'SOFT', purgeAt }, purgeAt)).toBe('INGEST.RESTORE_WINDOW_CLOSED');
    expect(restoreRefusal({ deleteState: 'PURGED', purgeAt }, at)).toBe('INGEST.RESTORE_WINDOW_CLOSED');
  });
});
