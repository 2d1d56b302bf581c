import { z } from 'zod';

export const registerSchema = z.object({
  email: z.string().trim().toLowerCase().email('must be an email address').max(254),
  password: z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters'),
});
export type RegisterDto = z.output<typeof registerSchema>;
