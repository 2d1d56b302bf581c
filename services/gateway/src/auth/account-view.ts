import { z } from 'zod';
import { FEATURE_FLAGS, ROLES, type FeatureFlag, type Role } from '../access/principal';

/** The columns of `users` an account view is built from (the table unaliased). */
export const ACCOUNT_VIEW_COLUMNS = `id, email, full_name AS "fullName", role, is_active AS "isActive", email_verified_at AS "emailVerifiedAt",
  can_upload AS "canUpload", can_process AS "canProcess", can_transcribe AS "canTranscribe", can_export AS "canExport",
  created_at AS "createdAt", last_login_at AS "lastLoginAt"`;

/** A row selected with `ACCOUNT_VIEW_COLUMNS`. */
export interface AccountViewRow {
  id: string;
  email: string;
  fullName: string | null;
  role: Role;
  isActive: boolean;
  emailVerifiedAt: Date | null;
  canUpload: boolean;
  canProcess: boolean;
  canTranscribe: boolean;
  canExport: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export const featureFlagsSchema = z.object(Object.fromEntries(FEATURE_FLAGS.map((f) => [f, z.boolean()])) as Record<FeatureFlag, z.ZodBoolean>);

/** An account as the API shows it: to its owner (`/users/me`) and to administrators. */
export const accountViewSchema = z.object({
  id: z.string().uuid(),
  email: z.string(),
  fullName: z.string().nullable(),
  role: z.enum(ROLES),
  isActive: z.boolean(),
  emailVerified: z.boolean(),
  flags: featureFlagsSchema,
  createdAt: z.string().datetime(),
  lastLoginAt: z.string().datetime().nullable(),
});
export type AccountView = z.infer<typeof accountViewSchema>;

export function accountView(row: AccountViewRow): AccountView {
  return {
    id: row.id,
    email: row.email,
    fullName: row.fullName,
    role: row.role,
    isActive: row.isActive,
    emailVerified: row.emailVerifiedAt !== null,
    flags: { upload: row.canUpload, process: row.canProcess, transcribe: row.canTranscribe, export: row.canExport },
    createdAt: new Date(row.createdAt).toISOString(),
    lastLoginAt: row.lastLoginAt ? new Date(row.lastLoginAt).toISOString() : null,
  };
}
