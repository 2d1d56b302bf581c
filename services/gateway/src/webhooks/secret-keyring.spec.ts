import { ConfigValidationError, loadConfig } from '@leap/config';
import { generateKeyEntry, parseKeyring } from '@leap/secrets';
import { gatewayConfigSchema } from '../config/config.schema';
import { DEVELOPMENT_KEY_ID } from './secret-keyring';

const JWT_SECRET = 'Xq4vN8rT2mK7pW1zL5sB9cF3hJ6dG0aY-strong';
const base = { DATABASE_URL: 'postgres://leap:a-real-password@db:5432/leap', MESSAGING_TRANSPORT: 'postgres', JWT_SECRET };

/** The problems a configuration is refused with, by key (the messages are checked for the key material). */
function refusal(env: Record<string, string>): Record<string, string> {
  try {
    loadConfig('gateway', gatewayConfigSchema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return Object.fromEntries((error as ConfigValidationError).issues.map((issue) => [issue.key, issue.message]));
  }
  throw new Error('the configuration was accepted');
}

describe('WEBHOOK_SECRETS_KEYRING', () => {
  it('is required in production, and refused there while it holds the .env.example placeholder', () => {
    const production = { ...base, NODE_ENV: 'production' };
    expect(refusal(production).WEBHOOK_SECRETS_KEYRING).toMatch(/required/);
    expect(refusal({ ...production, WEBHOOK_SECRETS_KEYRING: 'w1:change-me-to-32-random-bytes-in-base64' }).WEBHOOK_SECRETS_KEYRING).toMatch(/placeholder/);
    const entry = generateKeyEntry('w1');
    expect(loadConfig('gateway', gatewayConfigSchema, { ...production, WEBHOOK_SECRETS_KEYRING: entry }).WEBHOOK_SECRETS_KEYRING).toBe(entry);
  });

  it('refuses a keyring whose keys are not 32 bytes, without repeating the key', () => {
    const message = refusal({ ...base, NODE_ENV: 'production', WEBHOOK_SECRETS_KEYRING: 'w1:c2hvcnQta2V5' }).WEBHOOK_SECRETS_KEYRING;
    expect(message).toMatch(/32 bytes/);
    expect(message).not.toContain('c2hvcnQta2V5');
    expect(refusal({ ...base, WEBHOOK_SECRETS_KEYRING: 'no-colon-here' }).WEBHOOK_SECRETS_KEYRING).toMatch(/id:key/);
  });

  it('outside production defaults to one key derived from JWT_SECRET, the same at every start', () => {
    const first = loadConfig('gateway', gatewayConfigSchema, { ...base, NODE_ENV: 'development' }).WEBHOOK_SECRETS_KEYRING;
    const again = loadConfig('gateway', gatewayConfigSchema, { ...base, NODE_ENV: 'test' }).WEBHOOK_SECRETS_KEYRING;
    expect(again).toBe(first);
    expect(first).not.toContain(JWT_SECRET);
    const keyring = parseKeyring(first);
    expect(keyring.keyIds).toEqual([DEVELOPMENT_KEY_ID]);
    expect(keyring.decrypt(keyring.encrypt('whsec_x', 'c'), 'c')).toBe('whsec_x');
  });
});
