import { z } from 'zod';
import { accountViewSchema, featureFlagsSchema, type AccountView } from '../auth/account-view';
import { ROLES } from '../access/principal';
import { booleanFilter, multiValueFilter, listQuery, pageSchema, sortParam, valuesFilter } from '../common/pagination';

const uuid = z.string().uuid('must be a user id');

// ---------------------------------------------------------------- users

export const USER_SORT_FIELDS = ['createdAt', 'email', 'lastLoginAt'] as const;
export type UserSortField = (typeof USER_SORT_FIELDS)[number];

export const listUsersQuerySchema = listQuery({
  sort: sortParam(USER_SORT_FIELDS, '-createdAt'),
  search: z.string().trim().max(200, 'must be at most 200 characters').optional().describe('Part of the email or full name, any case'),
  role: multiValueFilter(['USER', 'ADMIN'] as const)
    .transform((list) => list?.map((r) => r.toLowerCase() as (typeof ROLES)[number]))
    .describe('user, admin (comma-separated for both)'),
  active: booleanFilter().describe('true: active accounts; false: deactivated ones'),
  verified: booleanFilter().describe('true: verified email addresses; false: unverified ones'),
});
export type ListUsersQuery = z.output<typeof listUsersQuerySchema>;


/** A user as the admin API shows it: the same view as `/users/me`. */
export const adminUserViewSchema = accountViewSchema;
export type AdminUserView = AccountView;
export const adminUserPageSchema = pageSchema(adminUserViewSchema);

export const patchUserSchema = z
  .object({
    role: z.enum(ROLES).optional(),
    isActive: z.boolean().optional().describe('false deactivates: every session is signed out and API keys are refused until reactivated'),
    emailVerified: z.boolean().optional(),
    flags: featureFlagsSchema.partial().strict().optional().describe('Feature switches to change; the others stay as they are'),
  })
  .strict()
  .refine((p) => p.role !== undefined || p.isActive !== undefined || p.emailVerified !== undefined || Object.keys(p.flags ?? {}).length > 0, {
    message: 'name at least one of role, isActive, emailVerified, flags',
  });
export type PatchUserDto = z.output<typeof patchUserSchema>;

// ---------------------------------------------------------------- audit log

export const listAuditLogQuerySchema = listQuery({
  sort: sortParam(['createdAt'] as const, '-createdAt'),
  actorId: valuesFilter(uuid).describe('Ids of the administrators who acted (comma-separated for several)'),
  targetId: valuesFilter(z.string().max(200)).describe('Ids of what was acted on (comma-separated for several)'),
  action: valuesFilter(z.string().max(100)).describe('Actions, e.g. user.updated (comma-separated for several)'),
});
export type ListAuditLogQuery = z.output<typeof listAuditLogQuerySchema>;

export const auditEntryViewSchema = z.object({
  id: z.string().uuid(),
  actorId: z.string().uuid().nullable(),
  actorEmail: z.string(),
  action: z.string().describe('What was done, e.g. user.updated'),
  targetType: z.string().describe('What kind of thing was acted on, e.g. user'),
  targetId: z.string().nullable(),
  changes: z
    .object({ before: z.record(z.unknown()), after: z.record(z.unknown()) })
    .describe('The changed fields before and after, in the shape of the request body'),
  requestId: z.string().nullable().describe('The X-Request-ID of the request that made the change'),
  createdAt: z.string().datetime(),
});
export type AuditEntryView = z.infer<typeof auditEntryViewSchema>;
export const auditEntryPageSchema = pageSchema(auditEntryViewSchema);
