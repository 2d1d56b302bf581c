import { z } from 'zod';
import { listQuery, pageSchema, sortParam } from '../common/pagination';

/** How a client holds its tokens: in the answer body (`bearer`) or in cookies set by the gateway (`cookie`). */
export const SESSION_MODES = ['bearer', 'cookie'] as const;
export type SessionMode = (typeof SESSION_MODES)[number];

export const loginSchema = z.object({
  email: z.string().trim().toLowerCase().min(1, 'is required'),
  password: z.string().min(1, 'is required'),
  rememberMe: z.boolean().optional().default(false).describe('Cookie mode: keep the cookies after the browser closes'),
  mode: z.enum(SESSION_MODES).optional().default('bearer').describe('bearer: tokens in the body; cookie: tokens in HttpOnly cookies'),
  deviceLabel: z.string().max(100, 'must be at most 100 characters').optional().describe('A name for this device; default: derived from the User-Agent'),
});
export type LoginDto = z.output<typeof loginSchema>;

export const refreshSchema = z.object({
  refreshToken: z.string().min(1, 'must not be empty').max(200, 'is too long').optional().describe('Bearer mode; cookie mode sends the refresh_token cookie instead'),
});
export type RefreshDto = z.output<typeof refreshSchema>;

export const logoutSchema = refreshSchema;

export const SESSION_SORT_FIELDS = ['lastUsedAt', 'createdAt'] as const;
export type SessionSortField = (typeof SESSION_SORT_FIELDS)[number];

export const sessionListQuerySchema = listQuery({
  sort: sortParam(SESSION_SORT_FIELDS, '-lastUsedAt'),
});
export type SessionListQuery = z.output<typeof sessionListQuerySchema>;

/** Bearer mode: both tokens in the body. */
export const bearerGrantSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('Seconds until the access token expires'),
  refreshExpiresIn: z.number().int().describe('Seconds until the refresh token expires'),
  sessionId: z.string().uuid(),
});

/** Cookie mode: the tokens are in HttpOnly cookies; the body only says how long they last and the CSRF token. */
export const cookieGrantSchema = z.object({
  tokenType: z.literal('Cookie'),
  expiresIn: z.number().int(),
  refreshExpiresIn: z.number().int(),
  sessionId: z.string().uuid(),
  csrfToken: z.string().describe('Send it back as the X-CSRF-Token header on every state-changing request (also readable from the csrf_token cookie)'),
});

export const grantSchema = z.union([bearerGrantSchema, cookieGrantSchema]);
export type BearerGrant = z.output<typeof bearerGrantSchema>;
export type CookieGrantBody = z.output<typeof cookieGrantSchema>;

export const sessionViewSchema = z.object({
  id: z.string().uuid(),
  deviceLabel: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: z.string().datetime(),
  lastUsedAt: z.string().datetime(),
  expiresAt: z.string().datetime(),
  persistent: z.boolean().describe('Opened with remember me'),
  current: z.boolean().describe('The session of the credential making this request'),
});
export type SessionView = z.output<typeof sessionViewSchema>;

export const sessionPageSchema = pageSchema(sessionViewSchema);
