import { Client } from 'pg';
import { eventually } from './eventually';
import { createTestDatabase, type TestDatabase } from './infra';

describe('eventually', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE arrivals (what text)');
  });

  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('waits until a row written later is there, and returns the assertion value', async () => {
    const writer = setTimeout(() => void client.query(`INSERT INTO arrivals VALUES ('late row')`), 300);
    try {
      const rows = await eventually(async () => {
        const { rows } = await client.query('SELECT what FROM arrivals');
        expect(rows).toHaveLength(1);
        return rows;
      });
      expect(rows).toEqual([{ what: 'late row' }]);
    } finally {
      clearTimeout(writer);
    }
  });

  it('throws the last failure once the time is up', async () => {
    let attempts = 0;
    const started = Date.now();
    const failure = await eventually(
      () => {
        attempts += 1;
        throw new Error(`attempt ${attempts} failed`);
      },
      { timeoutMs: 250, intervalMs: 20 },
    ).catch((e: Error) => e);

    const elapsed = Date.now() - started;
    expect(failure.message).toContain(`attempt ${attempts} failed`);
    expect(attempts).toBeGreaterThan(3);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(5000); // gives up near its timeout, even on a busy machine
  });

  it('passes at once without waiting when the assertion already holds', async () => {
    const started = Date.now();
    expect(await eventually(() => 42, { intervalMs: 1000 })).toBe(42);
    expect(Date.now() - started).toBeLessThan(900); // less than one interval: it did not wait
  });
});
