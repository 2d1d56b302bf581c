/**
 * Pipeline benchmark (`npm run bench:pipeline`): generated lectures through the whole pipeline
 * in the distributed mode (the seven services as separate processes, on the machine's real
 * PostgreSQL and RabbitMQ), to see how much of the time from upload to READY is the work itself
 * and how much is orchestration. See docs/performance.md ("Pipeline") for what the figures mean.
 *
 *   Work       ffprobe, ffmpeg (silence detection, cut, audio extraction, conversion to WAV) and
 *              pocketsphinx, as the services run them: the services are given timing wrappers
 *              (tools.ts) instead of the binaries, so every call is timed where it happens.
 *   Wall       from the gateway accepting the upload to the gateway's read model taking READY.
 *   Overhead   wall minus work, split into the hand-offs on the critical path (messages between
 *              the stages, through ingest) and the time the workers spend outside the tools
 *              (storage copies, checksums, topics, subtitles, the export).
 *   Hand-offs  from a stage's result (created by its worker) to the start of the next stage's
 *              handler, for every stage boundary of every recording, from the services' outbox
 *              and inbox rows (timeline.ts); and as the gateway's stage timings show them.
 *   Floor      the same tool commands run directly by the benchmark on the same source, one after
 *              another with nothing else in between.
 *
 * Recordings run one after another. The first BENCH_RECORDINGS - 1 are short lectures (they also
 * warm the services up); the last is the long one, whose figures are the headline. Everything
 * runs in a database, a vhost and a temporary folder created for the run and removed at the end.
 * Environment (all optional):
 *   BENCH_LECTURE_SECONDS  length of the main lecture (default 600)
 *   BENCH_RECORDINGS       recordings in all, the main one included (default 3)
 *   BENCH_SHORT_SECONDS    length of the other lectures (default 60)
 *   BENCH_FLOOR            1 to run the work floor on the main lecture, 0 to skip it (default 1)
 *   BENCH_POLL_MS          how often the client asks the gateway whether the recording is READY (default 1000;
 *                          the figures do not depend on it: READY is timed from the gateway's inbox)
 *   BENCH_IDLE_SECONDS     how long to measure the CPU the services use with nothing to do (default 10)
 *   TEST_PG_URL, TEST_AMQP_URL  servers (default the local ones, as for the tests)
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createTestDatabase, createTestVhost, freePort, generateLecture, startMailCatcher, type MailCatcher, type RunningProcess, type TestDatabase, type TestVhost } from '@leap/testing';
import { SERVICES, signUp, startServiceProcess, type ApiClient } from '../../e2e/support';
import { probeInfrastructure, type ProbeResult } from './probe';
import { readToolRuns, realTools, STEPS, workFloor, wrapperCost, writeWrappers, type FloorStep, type ToolRun, type TrimWindow } from './tools';
import { busyMs, criticalStages, endHandOffs, readTimeline, stageHandOffs, STAGES, type HandOff, type Stage, type Timeline } from './timeline';

function intEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}, got "${raw}"`);
  return Math.floor(value);
}

const config = {
  lectureSeconds: intEnv('BENCH_LECTURE_SECONDS', 600, 30),
  recordings: intEnv('BENCH_RECORDINGS', 3),
  shortSeconds: intEnv('BENCH_SHORT_SECONDS', 60, 30),
  floor: intEnv('BENCH_FLOOR', 1, 0) !== 0,
  pollMs: intEnv('BENCH_POLL_MS', 1000, 10),
  idleSeconds: intEnv('BENCH_IDLE_SECONDS', 10, 0),
};
const TARGET_OVERHEAD = 0.05;
const TARGET_HANDOFF_P99_MS = 50;
const TARGET_HANDOFF_P50_MS = 15;
/** Silences the generated lectures start and end with (the trim keeps 5 s of each), and one in the middle. */
const LECTURE_SHAPE = { leadingSilenceSeconds: 10, trailingSilenceSeconds: 10, middleSilenceSeconds: 4 };
const SCHEMAS = ['gateway', 'ingest', 'media_processing', 'transcription', 'publishing', 'storage', 'quota'];

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ resources

interface World {
  work?: string;
  db?: TestDatabase;
  vhost?: TestVhost;
  admin?: Client;
  /** Catches the gateway's mails (its SMTP_URL), for the verification links of the bench users. */
  mail?: MailCatcher;
  services: Map<string, RunningProcess>;
}

async function teardown(world: World): Promise<void> {
  await Promise.all([...world.services.values()].map((p) => p.stop('SIGTERM', 15_000).catch(() => undefined)));
  await world.admin?.end().catch(() => undefined);
  await world.mail?.close().catch(() => undefined);
  await world.vhost?.drop().catch((e: Error) => console.error(`could not delete vhost ${world.vhost?.name}: ${e.message}`));
  await world.db?.drop().catch((e: Error) => console.error(`could not drop database ${world.db?.name}: ${e.message}`));
  if (world.work) await rm(world.work, { recursive: true, force: true }).catch(() => undefined);
}

// ------------------------------------------------------------------ CPU (Linux /proc; left out elsewhere)

function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, USER_HZ = 100
  } catch {
    return undefined;
  }
}

/** The broker's Erlang VM: the oldest beam.smp. */
function brokerPid(): number | undefined {
  let best: { pid: number; started: number } | undefined;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'beam.smp') continue;
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
        if (!best || started < best.started) best = { pid: Number(entry), started };
      } catch {
        // gone
      }
    }
  } catch {
    // no /proc
  }
  return best?.pid;
}

function machineTicks(): [busy: number, total: number] | undefined {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return [total - (v[3] ?? 0) - (v[4] ?? 0), total];
  } catch {
    return undefined;
  }
}

interface CpuSnapshot {
  services: Map<string, number | undefined>;
  postgres: Map<number, number>;
  broker?: { pid: number; ms: number | undefined };
  machine?: [number, number];
}

interface CpuUse {
  services: Map<string, number>;
  postgres: number;
  broker?: number;
  machineBusy?: number;
}

async function cpuSnapshot(world: World): Promise<CpuSnapshot> {
  const services = new Map<string, number | undefined>();
  for (const [name, p] of world.services) services.set(name, procCpuMs(p.pid));
  const postgres = new Map<number, number>();
  const { rows } = await world.admin!.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  for (const { pid } of rows) {
    const ms = procCpuMs(pid);
    if (ms !== undefined) postgres.set(pid, ms);
  }
  const broker = brokerPid();
  return { services, postgres, broker: broker ? { pid: broker, ms: procCpuMs(broker) } : undefined, machine: machineTicks() };
}

async function cpuSince(world: World, start: CpuSnapshot): Promise<CpuUse> {
  const end = await cpuSnapshot(world);
  const services = new Map<string, number>();
  for (const [name, ms] of end.services) if (ms !== undefined && start.services.get(name) !== undefined) services.set(name, ms - start.services.get(name)!);
  let postgres = 0;
  for (const [pid, ms] of end.postgres) postgres += ms - (start.postgres.get(pid) ?? 0);
  const use: CpuUse = { services, postgres };
  if (end.broker?.ms !== undefined && start.broker?.ms !== undefined && end.broker.pid === start.broker.pid) use.broker = end.broker.ms - start.broker.ms;
  if (end.machine && start.machine && end.machine[1] > start.machine[1]) use.machineBusy = (end.machine[0] - start.machine[0]) / (end.machine[1] - start.machine[1]);
  return use;
}

// ------------------------------------------------------------------ one recording

interface RecordingRun {
  label: string;
  seconds: number;
  id: string;
  /** The client received the 202, and saw READY in a GET. */
  acceptedByClient: number;
  readySeenByClient: number;
  timeline: Timeline;
  tools: ToolRun[];
  cpu?: CpuUse;
  /** Messages the services wrote about the recording (outbox rows), by schema. */
  messages: Map<string, number>;
  /** Transactions committed in the run's database from the upload until the pipeline was quiet again. */
  transactions: number;
}

async function waitReady(client: ApiClient, id: string, timeoutMs: number): Promise<{ body: any; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.json(`/recordings/${id}`);
    const at = now();
    if (r.body?.failed) throw new Error(`recording ${id} failed: ${JSON.stringify(r.body)}`);
    if (r.body?.status === 'READY') return { body: r.body, at };
    if (Date.now() > deadline) throw new Error(`recording ${id} not READY after ${timeoutMs} ms: ${JSON.stringify(r.body)}`);
    await sleep(config.pollMs);
  }
}

/** Waits until every service has published everything it committed, so the next recording starts on a quiet pipeline. */
async function waitQuiet(admin: Client): Promise<void> {
  const deadline = Date.now() + 30_000;
  const query = SCHEMAS.map((s) => `SELECT count(*)::int AS n FROM "${s}".outbox WHERE sent_at IS NULL AND abandoned_at IS NULL`).join(' UNION ALL ');
  while (Date.now() < deadline) {
    const { rows } = await admin.query<{ n: number }>(query);
    if (rows.every((r) => r.n === 0)) break;
    await sleep(100);
  }
  await sleep(500);
}

/** Transactions committed in the run's database so far (the statistics lag by up to a second; waitQuiet waits longer). */
async function commits(admin: Client): Promise<number> {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query<{ n: string }>(`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`);
  return Number(rows[0]!.n);
}

async function runRecording(world: World, api: string, label: string, file: string, seconds: number, index: number, measureCpu: boolean): Promise<Omit<RecordingRun, 'tools'>> {
  const client = await signUp(api, `bench-${index}-${Date.now()}@example.org`, world.mail!);
  const cpuStart = measureCpu ? await cpuSnapshot(world) : undefined;
  const commitsBefore = await commits(world.admin!);
  const upload = await client.upload(file, `Benchmark lecture ${index + 1}`);
  const acceptedByClient = now();
  if (upload.status !== 202) throw new Error(`upload answered ${upload.status}: ${JSON.stringify(upload.body)}`);
  const id = upload.body.id as string;
  const { body, at } = await waitReady(client, id, 120_000 + seconds * 1000);
  const cpu = cpuStart ? await cpuSince(world, cpuStart) : undefined;
  await waitQuiet(world.admin!);
  const transactions = (await commits(world.admin!)) - commitsBefore;
  const timeline = await readTimeline(world.admin!, id, body);
  const messages = new Map<string, number>();
  for (const schema of SCHEMAS) {
    const { rows } = await world.admin!.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE aggregate_id = $1`, [id]);
    if (rows[0]!.n > 0) messages.set(schema, rows[0]!.n);
  }
  return { label, seconds, id, acceptedByClient, readySeenByClient: at, timeline, cpu, messages, transactions };
}

// ------------------------------------------------------------------ statistics and output

/** Nearest rank, as in bench/bus. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-');
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
const s = (v: number) => (Number.isFinite(v) ? (v / 1000).toFixed(2) : '-');
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '-');

function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function table(headers: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const toolMs = (runs: ToolRun[]) => runs.reduce((a, r) => a + (r.end - r.start), 0);
const toolCpu = (runs: ToolRun[]) => runs.reduce((a, r) => a + r.cpuMs, 0);

interface Breakdown {
  wall: number;
  work: number;
  overhead: number;
  handOffs: number;
  /** How many hand-offs the critical path has. */
  handOffCount: number;
  outsideTools: number;
  /** Tool calls, each of which also started a timing wrapper. */
  calls: number;
}

function breakdown(r: RecordingRun): Breakdown {
  const t = r.timeline;
  const wall = t.ready.handledAt - t.register.createdAt;
  const work = toolMs(r.tools);
  const critical = criticalStages(t);
  const path = [...endHandOffs(t), ...stageHandOffs(t).filter((h) => critical.includes(h.to as Stage) && critical.includes(h.from as Stage))];
  const handOffs = path.reduce((a, h) => a + h.ms, 0);
  const busy = critical.reduce((a, st) => a + busyMs(t.stages[st]), 0);
  return { wall, work, overhead: wall - work, handOffs, handOffCount: path.length, outsideTools: busy - work, calls: r.tools.length };
}

function report(
  runs: RecordingRun[],
  floor: FloorStep[] | undefined,
  probe: ProbeResult,
  idle: { seconds: number; cpu: CpuUse } | undefined,
  wrapperMs: number,
  loadAtStart: number[],
): { overheadMet: boolean; handOffMet: boolean } {
  const main = runs[runs.length - 1]!;
  const b = breakdown(main);
  const t = main.timeline;
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');
  console.log('');
  console.log(`Pipeline benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`);
  console.log(
    `main lecture ${config.lectureSeconds} s, ${runs.length - 1} more of ${config.shortSeconds} s before it; distributed mode, 7 service processes; ` +
      `load average at start ${load(loadAtStart)}, at end ${load(loadavg())}`,
  );

  // --- the main recording
  console.log('');
  console.log(`Main recording (${main.seconds} s lecture, ${main.id})`);
  const toolsBy = (step: string) => main.tools.filter((r) => r.step === step);
  const ffmpegMs = toolMs(main.tools.filter((r) => r.tool !== 'pocketsphinx'));
  const sphinxMs = toolMs(main.tools.filter((r) => r.tool === 'pocketsphinx'));
  const rows: string[][] = [
    ['wall: upload accepted -> READY visible in the gateway', s(b.wall), '', ''],
    ['work: ffprobe + ffmpeg (trim, audio extraction, wav)', s(ffmpegMs), pct(ffmpegMs / b.work), ''],
    ['work: pocketsphinx', s(sphinxMs), pct(sphinxMs / b.work), ''],
    ['work in all', s(b.work), '100.0 %', ''],
    ['overhead: wall - work', s(b.overhead), pct(b.overhead / b.work), b.overhead / b.work < TARGET_OVERHEAD ? 'met' : 'NOT met'],
    [`  hand-offs on the critical path (${b.handOffCount})`, s(b.handOffs), pct(b.handOffs / b.work), ''],
    ['  in the workers, outside the tools', s(b.outsideTools), pct(b.outsideTools / b.work), ''],
    [`    of which starting the timing wrappers (${b.calls} x ${ms(wrapperMs)} ms)`, s(b.calls * wrapperMs), pct((b.calls * wrapperMs) / b.work), ''],
    ['overhead without the wrappers', s(b.overhead - b.calls * wrapperMs), pct((b.overhead - b.calls * wrapperMs) / b.work), ''],
  ];
  if (floor) {
    const f = floor.reduce((a, x) => a + x.toolMs, 0);
    rows.push(['work floor: the same commands run directly', s(f), pct(f / b.work), '']);
    rows.push(['wall - floor', s(b.wall - f), pct((b.wall - f) / f), '']);
  }
  console.log(table(['', 's', '% of the work', `target < ${TARGET_OVERHEAD * 100} %`], rows, [false, true, true, false]));
  console.log(
    `client: 202 received ${ms(main.acceptedByClient - t.register.createdAt)} ms after the gateway accepted the upload; ` +
      `READY seen by polling every ${config.pollMs} ms, ${ms(main.readySeenByClient - t.ready.handledAt)} ms after the gateway took it`,
  );

  // --- per stage
  console.log('');
  console.log(
    table(
      ['stage (main recording)', 'gateway duration', 'worker busy', 'tools', 'busy - tools', 'gateway - busy', 'tool calls'],
      STAGES.map((st) => {
        const x = t.stages[st];
        const busy = busyMs(x);
        const inStage = main.tools.filter((r) => r.start >= x.command.handledAt && r.end <= x.result.createdAt + 1);
        const tools = toolMs(inStage);
        return [st, s(x.gatewayFinishedAt - x.gatewayStartedAt), s(busy), s(tools), s(busy - tools), s(x.gatewayFinishedAt - x.gatewayStartedAt - busy), String(inStage.length)];
      }),
      [false, true, true, true, true, true, true],
    ),
  );

  // --- where the workers' time outside the tools goes
  const gapRows: string[][] = [];
  for (const st of ['TRIM', 'TRANSCRIBE'] as const) {
    const x = t.stages[st];
    const calls = main.tools.filter((r) => r.start >= x.command.handledAt && r.end <= x.result.createdAt + 1);
    let cursor = x.command.handledAt;
    let previous = 'handler started';
    for (const call of calls) {
      gapRows.push([st, `${previous} -> ${call.step}`, ms(call.start - cursor)]);
      cursor = call.end;
      previous = call.step;
    }
    gapRows.push([st, `${previous} -> result created`, ms(x.result.createdAt - cursor)]);
  }
  console.log('');
  console.log(table(['worker time between tool calls (main recording)', 'from -> to', 'ms'], gapRows, [false, false, true]));

  // --- tools: pipeline against the floor
  console.log('');
  console.log(
    table(
      ['tool step (main recording)', 'in the pipeline, ms', 'CPU ms', ...(floor ? ['floor, ms', 'CPU ms', 'floor as its caller saw it, ms'] : [])],
      STEPS.map(({ step, label }) => {
        const runsOf = toolsBy(step);
        const f = floor?.find((x) => x.step === step);
        return [label, ms(toolMs(runsOf)), fmt(toolCpu(runsOf)), ...(floor ? [ms(f?.toolMs ?? NaN), fmt(f?.cpuMs ?? NaN), ms(f?.callerMs ?? NaN)] : [])];
      }),
      [false, true, true, true, true, true],
    ),
  );
  console.log(`starting a wrapper costs ${ms(wrapperMs)} ms per call (outside the measured tool time: it counts as overhead); ${main.tools.length} calls`);

  // --- CPU
  if (main.cpu) {
    const c = main.cpu;
    const wallS = b.wall / 1000;
    const total = (v: Map<string, number>) => [...v.values()].reduce((a, x) => a + x, 0);
    const perSecond = (v: number | undefined, seconds: number) => (v === undefined || seconds <= 0 ? '-' : ms(v / seconds));
    const names = [...c.services.keys()];
    console.log('');
    console.log(
      table(
        ['CPU', 'main recording, ms', 'per second of it, ms', ...(idle ? [`idle, ${idle.seconds} s: ms per second`] : [])],
        [
          ['tools (through the wrappers)', fmt(toolCpu(main.tools)), perSecond(toolCpu(main.tools), wallS), ...(idle ? ['-'] : [])],
          ...names.map((name) => [
            `service ${name}`,
            fmt(c.services.get(name) ?? NaN),
            perSecond(c.services.get(name), wallS),
            ...(idle ? [perSecond(idle.cpu.services.get(name), idle.seconds)] : []),
          ]),
          ['services in all', fmt(total(c.services)), perSecond(total(c.services), wallS), ...(idle ? [perSecond(total(idle.cpu.services), idle.seconds)] : [])],
          ['PostgreSQL backends of the run', fmt(c.postgres), perSecond(c.postgres, wallS), ...(idle ? [perSecond(idle.cpu.postgres, idle.seconds)] : [])],
          ['broker (whole, shared with other users)', c.broker === undefined ? '-' : fmt(c.broker), perSecond(c.broker, wallS), ...(idle ? [perSecond(idle.cpu.broker, idle.seconds)] : [])],
          ['machine busy', c.machineBusy === undefined ? '-' : pct(c.machineBusy), '', ...(idle ? [idle.cpu.machineBusy === undefined ? '-' : pct(idle.cpu.machineBusy)] : [])],
        ],
        [false, true, true, true],
      ),
    );
  }

  // --- every recording
  console.log('');
  console.log(
    table(
      ['recording', 'lecture s', 'wall s', 'work s', 'overhead s', 'overhead %', 'hand-offs s', 'outside tools s', 'slowest hand-off ms'],
      runs.map((r) => {
        const x = breakdown(r);
        const slowest = Math.max(...stageHandOffs(r.timeline).map((h) => h.ms));
        return [r.label, String(r.seconds), s(x.wall), s(x.work), s(x.overhead), pct(x.overhead / x.work), s(x.handOffs), s(x.outsideTools), ms(slowest)];
      }),
      [false, true, true, true, true, true, true, true, true],
    ),
  );

  const msgs = [...main.messages.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(
    `messages written about the main recording (outbox rows): ${[...main.messages.values()].reduce((a, v) => a + v, 0)} (${msgs}); ` +
      `transactions committed in the run's database meanwhile: ${fmt(main.transactions)} (including the client's polling and the relays' idle passes)`,
  );

  // --- hand-offs
  const between = runs.flatMap((r) => stageHandOffs(r.timeline));
  const ends = runs.flatMap((r) => endHandOffs(r.timeline));
  const stat = (v: number[]) => [String(v.length), ms(percentile(v, 50)), ms(percentile(v, 99)), ms(Math.max(...v))];
  const edge = (list: HandOff[], from: string, to: string) => list.filter((h) => (from === '*' || h.from === from) && h.to === to).map((h) => h.ms);
  console.log('');
  console.log(
    table(
      ['hand-off: result created -> next handler started', 'n', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['between stages, all', ...stat(between.map((h) => h.ms))],
        ['  TRIM -> TRANSCRIBE', ...stat(edge(between, 'TRIM', 'TRANSCRIBE'))],
        ['  TRANSCRIBE -> EXTRACT_TOPICS', ...stat(edge(between, 'TRANSCRIBE', 'EXTRACT_TOPICS'))],
        ['  TRANSCRIBE -> GENERATE_SUBTITLES', ...stat(edge(between, 'TRANSCRIBE', 'GENERATE_SUBTITLES'))],
        ['  the later of topics/subtitles -> UPLOAD', ...stat(edge(between, '*', 'UPLOAD'))],
        ['upload accepted -> TRIM', ...stat(edge(ends, 'upload accepted', 'TRIM'))],
        ['UPLOAD -> READY visible in the gateway', ...stat(edge(ends, 'UPLOAD', 'READY visible'))],
        ['gateway view: finishedAt -> next startedAt', ...stat(between.map((h) => h.gatewayMs))],
      ],
      [false, true, true, true, true],
    ),
  );
  const legs: [keyof HandOff['legs'], string][] = [
    ['resultOut', "result created -> worker's relay pass (commit, wake-up)"],
    ['resultIn', 'relay pass -> ingest handler started (publish, broker, delivery)'],
    ['decide', 'ingest handler started -> command created'],
    ['commandOut', "command created -> ingest's relay pass (commit, wake-up)"],
    ['commandIn', 'relay pass -> next worker handler started'],
  ];
  console.log('');
  console.log(
    table(
      ['legs of the hand-offs between stages', 'p50 ms', 'p99 ms', 'max ms'],
      legs.map(([k, label]) => {
        const v = between.map((h) => h.legs[k]);
        return [label, ms(percentile(v, 50)), ms(percentile(v, 99)), ms(Math.max(...v))];
      }),
      [false, true, true, true],
    ),
  );

  const byAhead = new Map<number, number[]>();
  for (const h of [...between, ...ends]) byAhead.set(h.ahead, [...(byAhead.get(h.ahead) ?? []), h.legs.commandIn]);
  console.log('');
  console.log(
    table(
      ['last leg (relay pass -> next handler) by rows ahead in the pass', 'n', 'p50 ms', 'p99 ms', 'max ms'],
      [...byAhead.entries()].sort((a, b) => a[0] - b[0]).map(([n, v]) => [String(n), ...stat(v)]),
      [false, true, true, true, true],
    ),
  );
  const legCells = (h: HandOff) => [ms(h.legs.resultOut), ms(h.legs.resultIn), ms(h.legs.decide), ms(h.legs.commandOut), ms(h.legs.commandIn)];
  console.log('');
  console.log(
    table(
      ['hand-offs of the main recording', 'ms', 'result out', 'result in', 'ingest', 'command out', 'command in', 'rows ahead in the pass'],
      [...endHandOffs(t).slice(0, 1), ...stageHandOffs(t), ...endHandOffs(t).slice(1)].map((h) => [`${h.from} -> ${h.to}`, ms(h.ms), ...legCells(h), String(h.ahead)]),
      [false, true, true, true, true, true, true, true],
    ),
  );
  console.log('');
  console.log(
    table(
      [`one hop of the infrastructure, pipeline idle (${probe.pgRoundTrip.length} samples each)`, 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['PostgreSQL round trip (SELECT 1)', probe.pgRoundTrip],
        ['RabbitMQ publish -> delivery, TCP_NODELAY (as the AMQP transport connects)', probe.amqpNoDelay.deliver],
        ['RabbitMQ publish -> confirm, TCP_NODELAY', probe.amqpNoDelay.confirm],
        ["RabbitMQ publish -> delivery, amqplib's default (Nagle on)", probe.amqpDefault.deliver],
        ["RabbitMQ publish -> confirm, amqplib's default (Nagle on)", probe.amqpDefault.confirm],
      ].map(([label, v]) => [label as string, ms(percentile(v as number[], 50)), ms(percentile(v as number[], 99)), ms(Math.max(...(v as number[])))]),
      [false, true, true, true],
    ),
  );

  const reruns = runs.flatMap((r) => STAGES.filter((st) => r.timeline.stages[st].results > 1).map((st) => `${r.label} ${st}`));
  if (reruns.length > 0) console.log(`stages that ran more than once: ${reruns.join(', ')}`);
  const p99 = percentile(between.map((h) => h.ms), 99);
  const p50 = percentile(between.map((h) => h.ms), 50);
  const overheadMet = b.overhead / b.work < TARGET_OVERHEAD;
  const handOffMet = p99 <= TARGET_HANDOFF_P99_MS && p50 <= TARGET_HANDOFF_P50_MS;
  console.log('');
  console.log(
    `target: overhead < ${TARGET_OVERHEAD * 100} % of the work: ${pct(b.overhead / b.work)} -> ${overheadMet ? 'met' : 'NOT met'}; ` +
      `hand-offs between stages p50 <= ${TARGET_HANDOFF_P50_MS} ms and p99 <= ${TARGET_HANDOFF_P99_MS} ms: ${ms(p50)} / ${ms(p99)} ms over ${between.length} -> ${handOffMet ? 'met' : 'NOT met'}` +
      (between.length < 100 ? ' (fewer than 100 hand-offs: p99 is the slowest one)' : ''),
  );
  return { overheadMet, handOffMet };
}

// ------------------------------------------------------------------ main

let interrupted = false;

async function main(): Promise<void> {
  const world: World = { services: new Map() };
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.error('interrupted: cleaning up');
    void teardown(world).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const loadAtStart = loadavg();
  log(
    `bench:pipeline on ${cpus().length} cores: main lecture ${config.lectureSeconds} s, ${config.recordings} recordings in all ` +
      `(the others ${config.shortSeconds} s), work floor ${config.floor ? 'on' : 'off'}`,
  );
  try {
    world.work = await mkdtemp(join(tmpdir(), 'leap-bench-pipeline-'));
    await chmod(world.work, 0o755);
    const real = realTools();
    const wrappers = await writeWrappers(join(world.work, 'bin'), join(world.work, 'tool-log'), real);
    const wrapperMs = await wrapperCost(join(world.work, 'wrapper-cost'));
    log(`tools: ${real.ffmpeg}, ${real.ffprobe}, ${real.pocketsphinx}; a timing wrapper costs ${ms(wrapperMs)} ms per call`);

    log('generating the lectures');
    const mainLecture = await generateLecture({ dir: world.work, durationSeconds: config.lectureSeconds, ...LECTURE_SHAPE, fileName: 'lecture.mp4' });
    const shortLecture =
      config.recordings > 1 ? await generateLecture({ dir: world.work, durationSeconds: config.shortSeconds, ...LECTURE_SHAPE, fileName: 'short.mp4' }) : undefined;

    world.db = await createTestDatabase({ prefix: 'leap_test_bench_pipeline' });
    world.vhost = await createTestVhost('leap_test_bench_pipeline');
    log(`database ${world.db.name}, vhost ${world.vhost.name}; starting the seven services`);
    const common = {
      DATABASE_URL: world.db.url,
      RABBITMQ_URL: world.vhost.url,
      JWT_SECRET: 'pipeline-bench-secret-that-is-long-enough',
      STORAGE_BACKEND: 'local',
      STORAGE_LOCAL_ROOT: join(world.work, 'storage'),
      EXPORT_ROOT: join(world.work, 'exports'),
    };
    const toolEnv: Record<string, Record<string, string>> = {
      'media-processing': { FFMPEG_PATH: wrappers.ffmpeg, FFPROBE_PATH: wrappers.ffprobe },
      transcription: { FFMPEG_PATH: wrappers.ffmpeg, POCKETSPHINX_PATH: wrappers.pocketsphinx, POCKETSPHINX_MODEL_DIR: real.modelDir },
    };
    world.mail = await startMailCatcher();
    const gatewayEnv = (port: number) => ({ SMTP_URL: world.mail!.url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
    let api = '';
    const started = now();
    await Promise.all(
      SERVICES.map(async (name) => {
        const port = await freePort();
        if (name === 'gateway') api = `http://127.0.0.1:${port}/api/v1`;
        const own = name === 'gateway' ? gatewayEnv(port) : toolEnv[name];
        world.services.set(name, await startServiceProcess(name, { ...common, ...own, PORT: String(port) }, 240_000));
      }),
    );
    log(`services ready after ${s(now() - started)} s`);
    world.admin = new Client({ connectionString: world.db.url, application_name: 'bench-pipeline-admin' });
    await world.admin.connect();

    const results: Omit<RecordingRun, 'tools'>[] = [];
    for (let i = 0; i < config.recordings; i++) {
      const isMain = i === config.recordings - 1;
      const seconds = isMain ? config.lectureSeconds : config.shortSeconds;
      const label = isMain ? 'main' : `short ${i + 1}`;
      log(`recording ${i + 1} of ${config.recordings}: ${label}, ${seconds} s lecture`);
      const r = await runRecording(world, api, label, isMain ? mainLecture.path : shortLecture!.path, seconds, i, isMain);
      results.push(r);
      log(`  READY after ${s(r.timeline.ready.handledAt - r.timeline.register.createdAt)} s`);
    }

    const allTools = await readToolRuns(wrappers.logDir);
    const failedTools = allTools.filter((r) => r.exitCode !== 0);
    if (failedTools.length > 0) log(`warning: ${failedTools.length} tool calls failed: ${failedTools.map((r) => `${r.tool} ${r.exitCode}`).join(', ')}`);
    const runs: RecordingRun[] = results.map((r) => ({
      ...r,
      tools: allTools.filter((x) => x.start >= r.timeline.register.createdAt && x.end <= r.timeline.ready.handledAt),
    }));

    let idle: { seconds: number; cpu: CpuUse } | undefined;
    if (config.idleSeconds > 0) {
      log(`measuring the services' CPU for ${config.idleSeconds} s with nothing to do`);
      const idleStart = await cpuSnapshot(world);
      await sleep(config.idleSeconds * 1000);
      idle = { seconds: config.idleSeconds, cpu: await cpuSince(world, idleStart) };
    }

    log('probing the infrastructure: PostgreSQL round trips and RabbitMQ hops');
    const probe = await probeInfrastructure(world.db.url, world.vhost.url);

    let floor: FloorStep[] | undefined;
    if (config.floor) {
      const main = runs[runs.length - 1]!;
      const cut = main.tools.find((r) => r.step === 'cut');
      if (!cut) throw new Error('the main recording was not cut, so the floor cannot repeat its trim');
      const ss = Number(cut.args[cut.args.indexOf('-ss') + 1]);
      const window: TrimWindow = { start: ss, end: ss + Number(cut.args[cut.args.indexOf('-t') + 1]) };
      log(`work floor: the main recording's tool commands run directly (keeping ${window.start.toFixed(3)}-${window.end.toFixed(3)} s)`);
      floor = await workFloor(mainLecture.path, window, join(world.work, 'floor'), real);
      log(`work floor: ${s(floor.reduce((a, x) => a + x.toolMs, 0))} s`);
    }

    report(runs, floor, probe, idle, wrapperMs, loadAtStart);
    const warnings = [...world.services.entries()].flatMap(([name, p]) =>
      p.lines().filter((line) => /"level":"(warn|error)"/.test(line)).map((line) => `${name}: ${line.slice(0, 300)}`),
    );
    console.log(`warnings and errors the services logged: ${warnings.length}${warnings.length > 0 ? `\n  ${warnings.slice(0, 10).join('\n  ')}` : ''}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) {
      await teardown(world);
      log('services stopped; database, vhost and files removed');
    }
  }
}

main().catch((error: Error) => {
  if (interrupted) return;
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
