import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { MessageBus } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { gatewayTestEnv, startGateway, verifiedUser } from '../../services/gateway/src/testing';
import { poisonServices, type PoisonServices } from '../../services/gateway/src/admin/dead-letters/poison-services.fixture';
import { EXIT } from './main';

const BIN = join(__dirname, 'leapctl.js');
const RECORDINGS = ['01950000-0000-7000-8000-00000000c001', '01950000-0000-7000-8000-00000000c002'];

/** Runs the real command line, as `npx leapctl …` does, with the environment given. */
function leapctl(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe.each(['amqp', 'postgres'] as const)('leapctl against a gateway on the %s transport', (transport) => {
  let world: ServiceWorld;
  let bus: MessageBus;
  let env: Record<string, string>;
  let poison: PoisonServices;

  beforeAll(async () => {
    world = await createServiceWorld(`leapctl_${transport}`, gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', MESSAGING_TRANSPORT: transport }));
    poison = poisonServices();
    await poison.start(world);
    const gateway = await startGateway(world);
    bus = gateway.app.get(MessageBus);
    const admin = await verifiedUser(gateway.client, gateway.db, 'ops@example.org', { role: 'admin' });
    const key = await gateway.client.call('POST', '/api/v1/api-keys', { token: admin.token, json: { name: 'leapctl', scopes: ['read', 'write', 'admin'] } });
    expect(key.status).toBe(201);
    env = { LEAP_API_URL: gateway.base, LEAP_API_KEY: key.body.key };
  }, 300_000);

  afterAll(() => world?.close());

  it('shows the poison messages of two services grouped by fault, and replays them once fixed: each is handled once', async () => {
    for (const id of RECORDINGS) await poison.send(bus, id);
    await eventually(async () => expect(JSON.parse((await leapctl(['queues', '--json'], env)).stdout).parked).toBe(4), { timeoutMs: 30_000, intervalMs: 200 });

    const queues = await leapctl(['queues'], env);
    expect(queues.code).toBe(EXIT.OK);
    expect(queues.stdout).toMatch(/^QUEUE\s+WAITING\s+ERROR\s+DLQ$/m);
    expect(queues.stdout).toMatch(/^media\.trim\s+0\s+2\s+0$/m);
    expect(queues.stdout).toMatch(/^transcription\.transcribe\s+0\s+2\s+0$/m);

    const grouped = await leapctl(['parked', '--group'], env);
    expect(grouped.code).toBe(EXIT.OK);
    const lines = grouped.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^GROUP\s+COUNT\s+QUEUE\s+SOURCE\s+TYPE\s+CODE\s+LAST SEEN\s+FAULT$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(1, 6)).sort()).toEqual([
      ['2', 'media.trim', 'error', 'media.recording.trim.v1', 'MEDIA.FFMPEG_FAILED'],
      ['2', 'transcription.transcribe', 'error', 'transcription.recording.transcribe.v1', 'TRANSCRIPTION.PROVIDER_REFUSED'],
    ]);
    const groups = JSON.parse((await leapctl(['parked', '--group', '--json'], env)).stdout).groups as { group: string; queue: string }[];

    const messages = JSON.parse((await leapctl(['parked', '--queue', 'media.trim', '--json'], env)).stdout).messages as { id: string }[];
    const shown = await leapctl(['show', messages[0]!.id], env);
    expect(shown.code).toBe(EXIT.OK);
    expect(shown.stdout).toContain('fault:     MEDIA.FFMPEG_FAILED (LeapError)');
    expect(shown.stdout).toContain(`"recordingId": "${RECORDINGS[0]}"`);

    poison.broken = false;
    const media = groups.find((g) => g.queue === 'media.trim')!;
    const one = await leapctl(['replay', '--group', media.group], env);
    expect(one.code).toBe(EXIT.OK);
    expect(one.stdout).toContain('Replayed 2 message(s)');
    const rest = await leapctl(['replay', '--all', '--json'], env);
    expect(JSON.parse(rest.stdout)).toMatchObject({ replayed: 2 });

    await eventually(() => {
      expect([...poison.handled['media.trim']].sort()).toEqual(RECORDINGS);
      expect([...poison.handled['transcription.transcribe']].sort()).toEqual(RECORDINGS);
    }, { timeoutMs: 15_000 });
    expect(JSON.parse((await leapctl(['queues', '--json'], env)).stdout).parked).toBe(0);
  }, 300_000);

  it('asks for a confirmation before a purge, and exits with codes scripts can use', async () => {
    poison.broken = true;
    await poison.send(bus, '01950000-0000-7000-8000-00000000c003');
    await eventually(async () => expect(JSON.parse((await leapctl(['queues', '--json'], env)).stdout).parked).toBe(2), { timeoutMs: 30_000, intervalMs: 200 });

    const ask = await leapctl(['purge', '--queue', 'media.trim'], env);
    expect(ask.code).toBe(EXIT.CONFIRM);
    const token = /--confirm (\S+)/.exec(ask.stdout)![1]!;
    expect(ask.stdout).toContain('This would purge 1 message(s)');
    const purged = await leapctl(['purge', '--queue', 'media.trim', '--confirm', token], env);
    expect(purged.code).toBe(EXIT.OK);
    expect(purged.stdout).toContain('Purged 1 message(s)');
    const yes = await leapctl(['purge', '--all', '--yes', '--json'], env);
    expect(JSON.parse(yes.stdout)).toMatchObject({ purged: 1 });

    expect((await leapctl(['show', 'media.trim.error:01950000-0000-7000-8000-000000000000'], env)).code).toBe(EXIT.NOT_FOUND);
    expect((await leapctl(['replay'], env)).code).toBe(EXIT.USAGE);
    expect((await leapctl(['queues'], { ...env, LEAP_API_KEY: 'leap_not_a_key' })).code).toBe(EXIT.AUTH);
    expect((await leapctl(['queues'], { LEAP_API_URL: 'http://127.0.0.1:9', LEAP_API_KEY: 'x' })).code).toBe(EXIT.UNREACHABLE);
  }, 300_000);
});
