/**
 * Accounts for the gateway's integration specs: registering, signing in, and verified users made
 * either through the real verification mail or, where that flow is not under test, in the database.
 */
import type { DataSource } from 'typeorm';
import type { MailCatcher } from '@leap/testing';
import type { HttpClient } from './http';

/** The password test accounts get unless told otherwise; strong enough for the password rules. */
export const TEST_PASSWORD = 'Correct horse 1';

/** A signed-in account. */
export interface Account {
  id: string;
  email: string;
  /** An access token of the account's session. */
  token: string;
  sessionId: string;
}

/** What a bearer-mode login answers. */
export interface TokenPair {
  tokenType: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  expiresIn: number;
  refreshExpiresIn: number;
}

export interface AccountOptions {
  password?: string;
  /** Sent with the registration (the gateway trims it). */
  fullName?: string;
  /** Extra headers of the registration and login requests (a client address, a user agent). */
  headers?: Record<string, string>;
}

/** Registers an account (expecting 201) and answers its id. */
export async function registerAccount(client: HttpClient, email: string, options: AccountOptions = {}): Promise<string> {
  const json: Record<string, unknown> = { email, password: options.password ?? TEST_PASSWORD };
  if (options.fullName !== undefined) json.fullName = options.fullName;
  const reply = await client.call('POST', '/api/v1/auth/register', { json, headers: options.headers });
  expect(reply.status).toBe(201);
  return reply.body.id;
}

/** Logs in (expecting 200); `body` adds fields to the login request (rememberMe, deviceLabel). */
export async function signIn(
  client: HttpClient,
  email: string,
  options: { password?: string; body?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<TokenPair> {
  const reply = await client.call('POST', '/api/v1/auth/login', { json: { email, password: options.password ?? TEST_PASSWORD, ...options.body }, headers: options.headers });
  expect(reply.status).toBe(200);
  return reply.body;
}

/** Registers and logs in, for gateways that do not require a verified address. */
export async function signUp(client: HttpClient, email: string, options: AccountOptions = {}): Promise<Account> {
  const id = await registerAccount(client, email, options);
  return { id, email, ...sessionOf(await signIn(client, email, options)) };
}

/** Marks an account's address verified and, when asked, gives it a role. */
export async function markVerified(db: DataSource, userId: string, role?: 'user' | 'admin'): Promise<void> {
  await db.query(`UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()), role = COALESCE($2, role) WHERE id = $1`, [userId, role ?? null]);
}

/** A verified account (an admin when asked), verified in the database, and signed in. */
export async function verifiedUser(client: HttpClient, db: DataSource, email: string, options: AccountOptions & { role?: 'user' | 'admin' } = {}): Promise<Account> {
  const id = await registerAccount(client, email, options);
  await markVerified(db, id, options.role);
  return { id, email, ...sessionOf(await signIn(client, email, options)) };
}

/** Registers, follows the link of the verification mail (expecting 200), and signs in. */
export async function verifiedUserByMail(client: HttpClient, mail: MailCatcher, email: string, options: AccountOptions = {}): Promise<Account> {
  const id = await registerAccount(client, email, options);
  const verification = await mail.waitFor({ to: email, subject: 'Confirm your email address' });
  expect((await fetch(verification.links[0]!)).status).toBe(200);
  return { id, email, ...sessionOf(await signIn(client, email, options)) };
}

function sessionOf(pair: TokenPair): Pick<Account, 'token' | 'sessionId'> {
  return { token: pair.accessToken, sessionId: pair.sessionId };
}
