import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { generateKeyEntry } from '@leap/secrets';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { gatewayMigrations } from '../service';
import { gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account, type RunningGateway } from '../testing';
import { newSecret, SECRET_PREFIX } from './signing';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.fixture';

const K1 = generateKeyEntry('k1');
const K2 = generateKeyEntry('k2');

interface StoredSecrets {
  id: string;
  secret: string;
  previous_secret: string | null;
}

/**
 * Webhook signing secrets at rest: sealed with WEBHOOK_SECRETS_KEYRING (never in clear in the
 * database), sealed at start when an older release left them in clear, resealed with the first key
 * after a key rotation, and still signing deliveries that the standardwebhooks library verifies,
 * also while a rotated secret overlaps.
 */
describe('webhook secrets at rest', () => {
  let world: ServiceWorld;
  let gateway: RunningGateway;
  let base: string;
  const { call } = httpClient(() => base);
  let alice: Account;
  let hooks: WebhookReceiver;

  const start = async (keyring: string) => {
    gateway = await startGateway(world, { env: { WEBHOOK_SECRETS_KEYRING: keyring } });
    base = gateway.base;
  };
  const restart = async (keyring: string) => {
    await gateway.service.close();
    await start(keyring);
  };
  const stored = async (db: DataSource = gateway.db): Promise<StoredSecrets[]> =>
    db.query(`SELECT id, secret, previous_secret FROM webhook_subscriptions ORDER BY id`);
  /** No stored value holds a secret or its key bytes; every one is sealed with `keyId`. */
  const expectSealed = (rows: StoredSecrets[], keyId: string, clear: string[]) => {
    const values = rows.flatMap((r) => [r.secret, r.previous_secret]).filter((v): v is string => v !== null);
    for (const value of values) expect(value.split('.').slice(0, 2)).toEqual(['v1', keyId]);
    const dump = JSON.stringify(rows);
    for (const secret of clear) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(SECRET_PREFIX.length));
    }
  };
  /** A ping, and the request it arrives as; every listed secret verifies it. */
  const pingVerifiedBy = async (subscriptionId: string, secrets: string[]) => {
    const before = hooks.received.length;
    expect((await call('POST', `/api/v1/webhooks/${subscriptionId}/test`, { token: alice.token })).status).toBe(202);
    await eventually(() => expect(hooks.received.length).toBe(before + 1), { timeoutMs: 15_000 });
    const request = hooks.received[before]!;
    for (const secret of secrets) {
      expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toMatchObject({ type: 'webhook.ping' });
    }
    return request;
  };

  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    world = await createServiceWorld('gateway_webhook_secrets', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' }));
  }, 300_000);

  afterAll(async () => {
    await hooks?.close();
    await world?.close();
  });

  it('seals secrets that an older release kept in clear at the next start, and they keep signing', async () => {
    await start(K1);
    alice = await verifiedUser(gateway.client, gateway.db, 'alice@example.org');
    // The database as the release before left it: without the sealing migration, and a subscription whose secret is stored as it is.
    const sealing = gatewayMigrations.find((m) => m.name === 'GatewayWebhookSecretsSealed1767661200000')!;
    await gateway.db.query(`ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_secrets_sealed`);
    expect(await gateway.db.query(`DELETE FROM migrations WHERE name = $1 RETURNING name`, [sealing.name])).toEqual([[{ name: sealing.name }], 1]);
    const legacyId = uuidv7();
    const legacySecret = newSecret();
    await gateway.db.query(`INSERT INTO webhook_subscriptions (id, user_id, url, event_types, secret) VALUES ($1, $2, $3, '{*}', $4)`, [
      legacyId,
      alice.id,
      hooks.url,
      legacySecret,
    ]);

    await restart(K1);
    expectSealed(await stored(), 'k1', [legacySecret]);
    // The database now refuses a secret in clear.
    const [check] = await gateway.db.query(`SELECT convalidated FROM pg_constraint WHERE conname = 'webhook_subscriptions_secrets_sealed'`);
    expect(check).toEqual({ convalidated: true });
    await expect(
      gateway.db.query(`UPDATE webhook_subscriptions SET secret = $2 WHERE id = $1`, [legacyId, legacySecret]),
    ).rejects.toThrow(/webhook_subscriptions_secrets_sealed/);
    await pingVerifiedBy(legacyId, [legacySecret]);
  }, 300_000);

  it('keeps a new secret and a rotated one sealed, and both sign during the overlap, across a key rotation', async () => {
    const created = await call('POST', '/api/v1/webhooks', { token: alice.token, json: { url: hooks.url, eventTypes: ['recording.*'] } });
    expect(created.status).toBe(201);
    const { id, secret: first } = created.body as { id: string; secret: string };
    const rotated = await call('POST', `/api/v1/webhooks/${id}/rotate-secret`, { token: alice.token });
    expect(rotated.status).toBe(200);
    const second = rotated.body.secret as string;
    const row = (await stored()).find((r) => r.id === id)!;
    expect(row.previous_secret).not.toBeNull();
    expectSealed([row], 'k1', [first, second]);
    const signed = await pingVerifiedBy(id, [first, second]);
    expect(String(signed.headers['webhook-signature']).split(' ')).toHaveLength(2);

    // A sealed value copied to another subscription does not open there: it is bound to its owner and row.
    const other = (await call('POST', '/api/v1/webhooks', { token: alice.token, json: { url: hooks.url, eventTypes: ['recording.*'] } })).body as { id: string };
    await gateway.db.query(`UPDATE webhook_subscriptions SET secret = $2, previous_secret = NULL WHERE id = $1`, [other.id, row.secret]);
    expect((await call('POST', `/api/v1/webhooks/${other.id}/test`, { token: alice.token })).status).toBe(202);
    const [copied] = await eventually(
      async () => {
        const items = (await call('GET', `/api/v1/webhooks/${other.id}/deliveries`, { token: alice.token })).body.items;
        expect(items[0]?.attempts[0]?.errorCode).toBe('SECRETS.UNREADABLE');
        return items;
      },
      { timeoutMs: 15_000 },
    );
    expect(JSON.stringify(copied)).not.toContain(first);
    await call('DELETE', `/api/v1/webhooks/${other.id}`, { token: alice.token });

    // Key rotation: the new key first, the old one kept; the start reseals every value with the new key.
    await restart(`${K2},${K1}`);
    expectSealed(await stored(), 'k2', [first, second]);
    await pingVerifiedBy(id, [first, second]);

    // Once resealed, the old key can go: the secrets still open and sign.
    await restart(K2);
    await pingVerifiedBy(id, [first, second]);
  }, 300_000);
});
