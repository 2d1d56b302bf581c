import ExcelJS from 'exceljs';
import type { DataSource } from 'typeorm';
import { newMessageId } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../../testing';

/** Parses RFC 4180 CSV (quoted fields with commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('export of recordings', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  let store: ObjectStore;
  const { call } = httpClient(() => base);
  let alice: Account;
  let bob: Account;
  let lecture: string;

  const exportAs = async (token: string, json: unknown) => {
    const response = await fetch(`${base}/api/v1/recordings/export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  };

  beforeAll(async () => {
    world = await createServiceWorld('gateway_export', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const gateway = await startGateway(world);
    ({ db, base } = gateway);
    store = gateway.app.get(OBJECT_STORE);
    alice = await verifiedUser(gateway.client, db, 'alice@example.org');
    bob = await verifiedUser(gateway.client, db, 'bob@example.org');

    // 1200 recordings of Alice (more than the export fetches at once), one of them with topics and a publication, and one of Bob.
    await db.query(
      `INSERT INTO recordings (id, user_id, title, status, created_at)
       SELECT gen_random_uuid()::text, $1, 'Recording ' || n, CASE WHEN n % 3 = 0 THEN 'READY' ELSE 'PROCESSING' END, now() - n * interval '1 minute'
       FROM generate_series(1, 1200) AS n`,
      [alice.id],
    );
    lecture = newMessageId();
    const topics = await store.put(
      storageKeys.topics(alice.id, lecture),
      Buffer.from(JSON.stringify({ activeVersion: 2, versions: [{ version: 1, summary: 'old' }, { version: 2, summary: 'Newton, "laws", and motion', mainTopics: ['Force', 'Mass'], questions: ['What is inertia?', '=1+1'] }] })),
    );
    await db.query(
      `INSERT INTO recordings (id, user_id, title, status, artifacts, publications, created_at) VALUES ($1, $2, $3, 'READY', $4::jsonb, $5::jsonb, now() + interval '1 minute')`,
      [
        lecture,
        alice.id,
        '=cmd|, "Physics"\nPart 1',
        JSON.stringify({ topics: { key: topics.key, sizeBytes: topics.sizeBytes } }),
        JSON.stringify({ t1: { targetId: 't1', platform: 'YOUTUBE', url: 'https://youtu.be/abc', publishedAt: '2026-03-01T10:00:00Z' } }),
      ],
    );
    await db.query(`INSERT INTO recordings (id, user_id, title, status) VALUES ($1, $2, 'Bob only', 'READY')`, [newMessageId(), bob.id]);
  }, 300_000);

  afterAll(() => world?.close());

  it('streams every recording as JSON, newest first, with the long columns', async () => {
    const reply = await exportAs(alice.token, { format: 'json', verbosity: 'long' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.headers.get('content-disposition')).toMatch(/^attachment; filename="recordings-\d{4}-\d{2}-\d{2}\.json"/);
    const records = JSON.parse(reply.body.toString('utf8')) as Record<string, unknown>[];
    expect(records).toHaveLength(1201);
    expect(records[0]).toMatchObject({
      id: lecture,
      title: '=cmd|, "Physics"\nPart 1',
      status: 'READY',
      summary: 'Newton, "laws", and motion',
      mainTopics: ['Force', 'Mass'],
      questions: ['What is inertia?', '=1+1'],
      publications: [{ platform: 'YOUTUBE', url: 'https://youtu.be/abc' }],
    });
    expect(records[1]!.title).toBe('Recording 1');
    expect(records.at(-1)!.title).toBe('Recording 1200');
    expect(records.some((r) => r.title === 'Bob only')).toBe(false);
  });

  it('takes the list filters, ids and a limit, and answers CSV a spreadsheet reads safely', async () => {
    const reply = await exportAs(alice.token, { format: 'csv', verbosity: 'long', filters: { status: ['READY'], sort: 'title' }, limit: 3 });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = reply.body.toString('utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toEqual(expect.arrayContaining(['id', 'title', 'status', 'publications', 'summary', 'questions']));
    const col = (name: string) => header!.indexOf(name);
    // Sorted by title: the lecture's "=cmd..." sorts before "Recording 1..." ; READY only.
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r[col('status')])).toEqual(['READY', 'READY', 'READY']);
    expect(rows[0]![col('title')]).toBe(`'=cmd|, "Physics"\nPart 1`);
    expect(rows[0]![col('questions')]).toBe('What is inertia?\n=1+1');
    expect(rows[0]![col('publications')]).toBe('YOUTUBE https://youtu.be/abc');
    expect(rows.slice(1).map((r) => r[col('title')])).toEqual(['Recording 1002', 'Recording 1005']);

    const byIds = await exportAs(alice.token, { format: 'json', recordingIds: [lecture, newMessageId()] });
    expect(JSON.parse(byIds.body.toString('utf8')).map((r: { id: string }) => r.id)).toEqual([lecture]);
    // Another tenant's ids export nothing.
    expect(JSON.parse((await exportAs(bob.token, { recordingIds: [lecture] })).body.toString('utf8'))).toEqual([]);
  });

  it('answers XLSX that a spreadsheet library opens, one row per recording', async () => {
    const reply = await exportAs(alice.token, { format: 'xlsx' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(reply.body as never);
    const sheet = workbook.getWorksheet('Recordings')!;
    expect(sheet.rowCount).toBe(1202);
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['id', 'title', 'status']);
    expect(header).not.toContain('summary');
    expect(sheet.getRow(2).getCell(1).value).toBe(lecture);
    expect(sheet.getRow(2).getCell(2).value).toBe('=cmd|, "Physics"\nPart 1');
    expect(sheet.getRow(1202).getCell(2).value).toBe('Recording 1200');
  });

  it('refuses bad input, and an account whose export feature is off', async () => {
    for (const body of [{ format: 'pdf' }, { recordingIds: ['x'] }, { recordingIds: [lecture], filters: {} }, { filters: { status: ['NOPE'] } }, { filters: { sort: 'owner' } }, { limit: 0 }, { extra: 1 }]) {
      expectProblem(await call('POST', '/api/v1/recordings/export', { token: alice.token, json: body }), 400, 'VALIDATION.FAILED');
    }
    await db.query(`UPDATE users SET can_export = false WHERE id = $1`, [bob.id]);
    expectProblem(await call('POST', '/api/v1/recordings/export', { token: bob.token, json: {} }), 403, 'FEATURE.DISABLED');
  });
});
