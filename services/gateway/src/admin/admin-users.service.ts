import { Injectable } from '@nestjs/common';
import { FEATURE_FLAGS, type Principal } from '../access/principal';
import { accountView } from '../auth/account-view';
import { pageOf, type Page } from '../common/pagination';
import type { AdminUserView, ListUsersQuery, PatchUserDto } from './admin.dto';
import { AdminUsersRepository, type AdminUserRow, type UserChange } from './admin-users.repository';
import { AuditLog, type AuditChanges } from './audit-log.service';
import { selfChange, userNotFound } from './problems';
import { isUuid } from '../common/validation';


/** A user as the admin API shows it. */
export const adminUserView = (row: AdminUserRow): AdminUserView => accountView(row);

/** The fields of `patch` whose value differs from `current`, before and after, in the shape of the patch. */
export function changesOf(current: AdminUserView, patch: PatchUserDto): { change: UserChange; audit: AuditChanges } {
  const change: UserChange = {};
  const audit: AuditChanges = { before: {}, after: {} };
  for (const field of ['role', 'isActive', 'emailVerified'] as const) {
    const value = patch[field];
    if (value === undefined || value === current[field]) continue;
    Object.assign(change, { [field]: value });
    audit.before[field] = current[field];
    audit.after[field] = value;
  }
  for (const flag of FEATURE_FLAGS) {
    const value = patch.flags?.[flag];
    if (value === undefined || value === current.flags[flag]) continue;
    change.flags = { ...change.flags, [flag]: value };
    audit.before.flags = { ...(audit.before.flags as object), [flag]: current.flags[flag] };
    audit.after.flags = { ...(audit.after.flags as object), [flag]: value };
  }
  return { change, audit };
}

/** Administrators' view of users: search them, and change role, activation, verification and feature flags. */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: AdminUsersRepository,
    private readonly audit: AuditLog,
  ) {}

  async list(query: ListUsersQuery): Promise<Page<AdminUserView>> {
    const { rows, total } = await this.users.list(query);
    return pageOf(rows.map(adminUserView), query, total);
  }

  async get(id: string): Promise<AdminUserView> {
    const row = isUuid(id) ? await this.users.find(id) : undefined;
    if (!row) throw userNotFound();
    return adminUserView(row);
  }

  /**
   * Applies `patch` and records it in the audit log, in one transaction. Deactivating signs the
   * user out of every session; their API keys are refused while the account is inactive.
   */
  async update(actor: Principal, id: string, patch: PatchUserDto): Promise<AdminUserView> {
    if (actor.userId === id) {
      if (patch.role !== undefined && patch.role !== 'admin') throw selfChange('role');
      if (patch.isActive === false) throw selfChange('isActive');
    }
    if (!isUuid(id)) throw userNotFound();
    return this.users.transaction(async (manager) => {
      const row = await this.users.find(id, manager, true);
      if (!row) throw userNotFound();
      const { change, audit } = changesOf(adminUserView(row), patch);
      const updated = Object.keys(change).length ? await this.users.update(manager, id, change) : row;
      if (change.isActive === false) await this.users.revokeSessions(manager, id, 'deactivated');
      await this.audit.record(manager, { actor, action: 'user.updated', targetType: 'user', targetId: id, changes: audit });
      return adminUserView(updated);
    });
  }
}
