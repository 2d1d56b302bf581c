import { z } from 'zod';
import { accountViewSchema, type AccountView } from '../auth/account-view';

/** Addresses are compared lower-cased and trimmed. */
const email = z.string().trim().toLowerCase().email('must be an email address').max(254, 'must be at most 254 characters');

const PASSWORD_RULES: [test: (password: string) => boolean, requirement: string][] = [
  [(p) => p.length >= 8, 'be at least 8 characters long'],
  [(p) => /\d/.test(p), 'contain a digit'],
  [(p) => /\p{Lu}/u.test(p), 'contain an uppercase letter'],
];

/** The password rule: at least 8 characters with a digit and an uppercase letter (one message naming every unmet part). */
export const passwordSchema = z
  .string()
  .max(256, 'must be at most 256 characters')
  .superRefine((password, context) => {
    const unmet = PASSWORD_RULES.filter(([test]) => !test(password)).map(([, requirement]) => requirement);
    if (unmet.length === 0) return;
    const list = unmet.length === 1 ? unmet[0] : `${unmet.slice(0, -1).join(', ')} and ${unmet.at(-1)}`;
    context.addIssue({ code: z.ZodIssueCode.custom, message: `must ${list}` });
  })
  .describe('At least 8 characters, with a digit and an uppercase letter');

const fullName = z.string().trim().max(200, 'must be at most 200 characters');
/** A token from a mail link (43 characters of base64url; anything else simply does not match). */
const token = z.string().trim().min(1, 'is required').max(512, 'is too long');

export const registerSchema = z.object({
  email,
  password: passwordSchema,
  fullName: fullName.optional().transform((v) => (v ? v : undefined)),
});
export type RegisterDto = z.output<typeof registerSchema>;

export const tokenSchema = z.object({ token });
export const emailSchema = z.object({ email });

export const resetPasswordSchema = z.object({ token, newPassword: passwordSchema });
export type ResetPasswordDto = z.output<typeof resetPasswordSchema>;

export const changePasswordSchema = z.object({ currentPassword: z.string().min(1, 'is required').max(256), newPassword: passwordSchema });
export type ChangePasswordDto = z.output<typeof changePasswordSchema>;

/** `fullName: null` or `""` clears the name; a missing key leaves it. */
export const updateProfileSchema = z.object({
  fullName: fullName
    .nullable()
    .optional()
    .transform((v) => (v === '' ? null : v)),
});
export type UpdateProfileDto = z.output<typeof updateProfileSchema>;

// ---------------------------------------------------------------- answers (for the API reference)

export const registeredSchema = z.object({ id: z.string().uuid(), email: z.string(), emailVerified: z.boolean() });
export const verifiedSchema = z.object({ verified: z.literal(true), email: z.string() });
export const mailAcceptedSchema = z.object({ accepted: z.literal(true), message: z.string() });
export const resetInstructionsSchema = z.object({ message: z.string(), method: z.literal('POST'), url: z.string(), body: z.record(z.string()) });

/** The caller's own account (`/users/me`). */
export const profileSchema = accountViewSchema;
export type Profile = AccountView;
