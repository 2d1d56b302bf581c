/**
 * A recording's way through the pipeline, rebuilt after the fact from what the services wrote
 * anyway: the outbox rows of every message (with the envelope's creation time and the relay pass
 * that published it), and the inbox rows of every handled message (whose `received_at` is the start
 * of the handler's transaction). All services share the run's database, one schema each, and one
 * clock (the machine's), so the times compare directly.
 *
 * For each stage this gives:
 *   commandAt    ingest created the stage's command (the gateway's `startedAt` of the stage);
 *   commandSent  ingest's outbox relay started the pass that published it;
 *   workerStart  the worker's handler transaction began (its inbox row);
 *   workerDone   the worker created its result event, right after the work;
 *   resultSent   the worker's relay started the pass that published the result;
 *   ingestAt     ingest began handling the result (its inbox row), and stamped the stage finished.
 */
import type { Client } from 'pg';

export const STAGES = ['TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES', 'UPLOAD'] as const;
export type Stage = (typeof STAGES)[number];

const STAGE_MESSAGES: Record<Stage, { command: string; result: string; schema: string }> = {
  TRIM: { command: 'media.recording.trim.v1', result: 'media.recording.trimmed.v1', schema: 'media_processing' },
  TRANSCRIBE: { command: 'transcription.recording.transcribe.v1', result: 'transcription.recording.transcribed.v1', schema: 'transcription' },
  EXTRACT_TOPICS: { command: 'transcription.topics.extract.v1', result: 'transcription.topics.extracted.v1', schema: 'transcription' },
  GENERATE_SUBTITLES: { command: 'transcription.subtitles.generate.v1', result: 'transcription.subtitles.generated.v1', schema: 'transcription' },
  UPLOAD: { command: 'publishing.recording.publish.v1', result: 'publishing.recording.published.v1', schema: 'publishing' },
};

const REGISTER = 'ingest.recording.register-uploaded.v1';
const STATUS_CHANGED = 'ingest.recording.status-changed.v1';

/** One message: created (envelope time, ms), published (relay pass start), handled (handler transaction start). */
export interface Hop {
  createdAt: number;
  sentAt: number;
  handledAt: number;
  /**
   * Rows of the same recording that the relay published before this one in the same pass. The
   * relay publishes an aggregate's rows one at a time, each after the previous one's confirm.
   */
  ahead?: number;
}

export interface StageTimeline {
  stage: Stage;
  command: Hop;
  result: Hop;
  /** Result events the worker wrote for this stage (more than one means the stage ran again). */
  results: number;
  /** As the gateway shows them (GET /api/v1/recordings/{id}), ms since the epoch. */
  gatewayStartedAt: number;
  gatewayFinishedAt: number;
}

export interface Timeline {
  id: string;
  /** The gateway accepted the upload: it created the register command in the transaction that stored the recording. */
  register: Hop;
  stages: Record<Stage, StageTimeline>;
  /** ingest's READY status event; handledAt is the gateway read model taking it (READY visible). */
  ready: Hop;
}

interface OutboxRow {
  seq: number;
  id: string;
  routing_key: string;
  ts: number;
  sent: number | null;
  body: string;
}

async function outbox(db: Client, schema: string, recordingId: string): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `SELECT seq::float8 AS seq, id, routing_key, (message->>'timestamp')::float8 AS ts, extract(epoch FROM sent_at)::float8 * 1000 AS sent, message->>'body' AS body
       FROM "${schema}".outbox WHERE aggregate_id = $1 ORDER BY seq`,
    [recordingId],
  );
  return rows;
}

async function handledAt(db: Client, schema: string, messageId: string): Promise<number> {
  const { rows } = await db.query<{ at: number }>(`SELECT extract(epoch FROM received_at)::float8 * 1000 AS at FROM "${schema}".inbox WHERE message_id = $1 ORDER BY received_at LIMIT 1`, [
    messageId,
  ]);
  if (!rows[0]) throw new Error(`no ${schema}.inbox row for message ${messageId}`);
  return rows[0].at;
}

function sent(row: OutboxRow): number {
  if (row.sent === null) throw new Error(`outbox message ${row.id} (${row.routing_key}) was never published`);
  return row.sent;
}

/** How many rows of the same outbox (all about the same recording) went out before `row` in its relay pass. */
function ahead(rows: OutboxRow[], row: OutboxRow): number {
  return rows.filter((r) => r.sent === row.sent && r.seq < row.seq).length;
}

/** Reads the recording's timeline; `detail` is the gateway's GET /api/v1/recordings/{id} once READY. */
export async function readTimeline(db: Client, recordingId: string, detail: { stages: { stage: string; startedAt: string | null; finishedAt: string | null }[] }): Promise<Timeline> {
  const gateway = await outbox(db, 'gateway', recordingId);
  const ingest = await outbox(db, 'ingest', recordingId);
  const registerRow = gateway.find((r) => r.routing_key === REGISTER);
  if (!registerRow) throw new Error(`no register command for ${recordingId} in gateway.outbox`);
  const register: Hop = { createdAt: registerRow.ts, sentAt: sent(registerRow), handledAt: await handledAt(db, 'ingest', registerRow.id) };

  const workerOutboxes = new Map<string, OutboxRow[]>();
  const stages = {} as Record<Stage, StageTimeline>;
  for (const stage of STAGES) {
    const m = STAGE_MESSAGES[stage];
    const commandRow = ingest.find((r) => r.routing_key === m.command);
    if (!commandRow) throw new Error(`no ${m.command} for ${recordingId} in ingest.outbox`);
    if (!workerOutboxes.has(m.schema)) workerOutboxes.set(m.schema, await outbox(db, m.schema, recordingId));
    const resultRows = workerOutboxes.get(m.schema)!.filter((r) => r.routing_key === m.result);
    const resultRow = resultRows[0];
    if (!resultRow) throw new Error(`no ${m.result} for ${recordingId} in ${m.schema}.outbox`);
    const view = detail.stages.find((s) => s.stage === stage);
    stages[stage] = {
      stage,
      command: { createdAt: commandRow.ts, sentAt: sent(commandRow), handledAt: await handledAt(db, m.schema, commandRow.id), ahead: ahead(ingest, commandRow) },
      result: { createdAt: resultRow.ts, sentAt: sent(resultRow), handledAt: await handledAt(db, 'ingest', resultRow.id) },
      results: resultRows.length,
      gatewayStartedAt: view?.startedAt ? Date.parse(view.startedAt) : NaN,
      gatewayFinishedAt: view?.finishedAt ? Date.parse(view.finishedAt) : NaN,
    };
  }

  const readyRow = ingest.find((r) => r.routing_key === STATUS_CHANGED && (JSON.parse(r.body) as { status?: string }).status === 'RECORDING_STATUS_READY');
  if (!readyRow) throw new Error(`no READY status event for ${recordingId} in ingest.outbox`);
  const ready: Hop = { createdAt: readyRow.ts, sentAt: sent(readyRow), handledAt: await handledAt(db, 'gateway', readyRow.id), ahead: ahead(ingest, readyRow) };
  return { id: recordingId, register, stages, ready };
}

/** From a stage's end (or the upload) to the start of the next stage's work (or READY being visible). */
export interface HandOff {
  from: Stage | 'upload accepted';
  to: Stage | 'READY visible';
  /** Result created (or upload accepted) to the next worker's handler starting. */
  ms: number;
  /** Rows of the recording the relay published ahead of the next message in its pass. */
  ahead: number;
  legs: {
    /** Result created -> the worker's relay pass started: the commit and the relay's wake-up. */
    resultOut: number;
    /** That pass -> ingest began handling it: publish, broker, delivery, waiting for the handler. */
    resultIn: number;
    /** ingest handling -> the command created: ingest's own work on the recording. */
    decide: number;
    /** Command created -> ingest's relay pass started: ingest's commit and its relay's wake-up. */
    commandOut: number;
    /** That pass -> the next worker began its handler transaction. */
    commandIn: number;
  };
  /** The same gap as the gateway shows it: the previous stage's finishedAt to this one's startedAt. */
  gatewayMs: number;
}

function handOff(from: HandOff['from'], to: HandOff['to'], result: Hop, next: Hop, gatewayMs: number): HandOff {
  return {
    from,
    to,
    ms: next.handledAt - result.createdAt,
    ahead: next.ahead ?? 0,
    legs: {
      resultOut: result.sentAt - result.createdAt,
      resultIn: result.handledAt - result.sentAt,
      decide: next.createdAt - result.handledAt,
      commandOut: next.sentAt - next.createdAt,
      commandIn: next.handledAt - next.sentAt,
    },
    gatewayMs,
  };
}

/**
 * The hand-offs between stages: TRIM -> TRANSCRIBE, TRANSCRIBE -> EXTRACT_TOPICS and
 * GENERATE_SUBTITLES (started together), and the later of those two -> UPLOAD (the one whose
 * result ingest handled last is the one that started the upload).
 */
export function stageHandOffs(t: Timeline): HandOff[] {
  const s = t.stages;
  const gap = (a: StageTimeline, b: StageTimeline) => b.gatewayStartedAt - a.gatewayFinishedAt;
  const last = s.EXTRACT_TOPICS.result.handledAt >= s.GENERATE_SUBTITLES.result.handledAt ? s.EXTRACT_TOPICS : s.GENERATE_SUBTITLES;
  return [
    handOff('TRIM', 'TRANSCRIBE', s.TRIM.result, s.TRANSCRIBE.command, gap(s.TRIM, s.TRANSCRIBE)),
    handOff('TRANSCRIBE', 'EXTRACT_TOPICS', s.TRANSCRIBE.result, s.EXTRACT_TOPICS.command, gap(s.TRANSCRIBE, s.EXTRACT_TOPICS)),
    handOff('TRANSCRIBE', 'GENERATE_SUBTITLES', s.TRANSCRIBE.result, s.GENERATE_SUBTITLES.command, gap(s.TRANSCRIBE, s.GENERATE_SUBTITLES)),
    handOff(last.stage, 'UPLOAD', last.result, s.UPLOAD.command, gap(last, s.UPLOAD)),
  ];
}

/** The two ends: the accepted upload -> TRIM's work starting, and UPLOAD's end -> READY visible in the gateway. */
export function endHandOffs(t: Timeline): HandOff[] {
  const s = t.stages;
  const accepted: Hop = { createdAt: t.register.createdAt, sentAt: t.register.sentAt, handledAt: t.register.handledAt };
  return [handOff('upload accepted', 'TRIM', accepted, s.TRIM.command, NaN), handOff('UPLOAD', 'READY visible', s.UPLOAD.result, t.ready, NaN)];
}

/** The critical path: the stages that the recording waited for, in order (the later of topics and subtitles). */
export function criticalStages(t: Timeline): Stage[] {
  const s = t.stages;
  const last = s.EXTRACT_TOPICS.result.handledAt >= s.GENERATE_SUBTITLES.result.handledAt ? 'EXTRACT_TOPICS' : 'GENERATE_SUBTITLES';
  return ['TRIM', 'TRANSCRIBE', last, 'UPLOAD'];
}

/** How long the worker was busy with a stage: its handler transaction's start to its result. */
export const busyMs = (s: StageTimeline) => s.result.createdAt - s.command.handledAt;
