import { z } from 'zod';

export const registerSchema = z.object({
  email: z.string().trim().toLowerCase().email('must be an email address').max(254),
  password: z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters'),
});
export type RegisterDto = z.output<typeof registerSchema>;

export const loginSchema = z.object({
  email: z.string().trim().toLowerCase().min(1, 'is required'),
  password: z.string().min(1, 'is required'),
});
export type LoginDto = z.output<typeof loginSchema>;
