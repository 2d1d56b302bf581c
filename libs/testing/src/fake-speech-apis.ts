import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSilences } from '@leap/media-tools';

/**
 * Fake speech-to-text APIs on 127.0.0.1 for tests: an OpenAI-compatible transcription server and
 * AssemblyAI. They follow the documented request and response shapes (multipart `verbose_json`;
 * upload, submit, poll, sentences), check the API key, and can be told to fail: a queue of faults
 * (any status, 429 with Retry-After), an outage after a number of transcriptions, slow service,
 * slow polling. What they "hear" comes from a recogniser the test gives, which reads the audio
 * itself (see `toneWordsRecogniser`), so timestamps can be checked after chunking and stitching.
 */

export interface FakeWord {
  text: string;
  /** Seconds from the start of the audio the fake received. */
  start: number;
  end: number;
  confidence?: number;
}

export interface FakeHeard {
  words: FakeWord[];
  durationSeconds: number;
  /** BCP 47 code; `en` when absent. */
  language?: string;
}

/** Turns the audio a fake received into words. */
export type FakeRecogniser = (audio: { path: string; sha256: string; bytes: number }) => Promise<FakeHeard>;

export interface FakeFault {
  status: number;
  /** Sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
  /** The error's message (default per status). */
  message?: string;
}

/** One audio file that reached the fake, and what became of it. */
export interface FakeReceipt {
  sha256: string;
  bytes: number;
  /** `transcribed` once words were sent back; the fault's status otherwise. */
  outcome: 'transcribed' | 'pending' | number;
  /** Form fields (OpenAI) or submit parameters (AssemblyAI) that came with it. */
  params: Record<string, unknown>;
}

interface FakeCommon {
  /** The base URL a client is configured with. */
  url: string;
  apiKey: string;
  /** Every audio received, in order. */
  readonly received: FakeReceipt[];
  /** Answer the next transcription requests with these, in order (consumed). */
  faults: FakeFault[];
  /** After this many successful transcriptions, every further one is answered with `fault` (an outage). */
  outageAfter?: { transcriptions: number; fault: FakeFault };
  /** Transcriptions in flight right now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Hashes of the audio transcribed successfully, in order. */
  transcribed(): string[];
  close(): Promise<void>;
}

export interface FakeOpenAiTranscription extends FakeCommon {
  /** `verbose_json` requests without `timestamp_granularities[]=word` get no words, as the real API does. */
  readonly requests: number;
}

export interface FakeAssemblyAi extends FakeCommon {
  /** Polls answered `queued`/`processing` before a transcript completes. */
  pollsBeforeDone: number;
  /** Make `/sentences` answer 500 (the client then builds segments from words). */
  sentencesFail: boolean;
  /** The next transcript ends with `status: error` and this message (consumed). */
  transcriptErrors: string[];
  readonly polls: number;
  /** URLs it downloaded the audio from (a submitted `audio_url` that is not one of its uploads). */
  readonly fetched: string[];
}

export interface FakeSpeechOptions {
  recognise: FakeRecogniser;
  apiKey?: string;
  /** Time each transcription takes, ms (default 0): a floor for benchmarks. */
  serviceTimeMs?: number;
  /** Largest upload accepted, bytes (OpenAI's 25 MB by default; 413 above). */
  maxBytes?: number;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(text);
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Incorrect API key provided',
  413: 'Maximum content size limit exceeded',
  429: 'Rate limit reached, please try again later',
  500: 'The server had an error while processing your request',
  503: 'The engine is currently overloaded',
};

abstract class FakeBase {
  url = '';
  readonly received: FakeReceipt[] = [];
  faults: FakeFault[] = [];
  outageAfter?: { transcriptions: number; fault: FakeFault };
  inFlight = 0;
  maxInFlight = 0;
  protected server!: Server;
  protected dir = '';

  constructor(
    protected readonly options: FakeSpeechOptions,
    readonly apiKey: string,
  ) {}

  transcribed(): string[] {
    return this.received.filter((r) => r.outcome === 'transcribed').map((r) => r.sha256);
  }

  /** The fault for the next transcription, if any: a queued one, or the outage. */
  protected nextFault(): FakeFault | undefined {
    const queued = this.faults.shift();
    if (queued) return queued;
    if (this.outageAfter && this.transcribed().length >= this.outageAfter.transcriptions) return this.outageAfter.fault;
    return undefined;
  }

  protected async hear(path: string, receipt: FakeReceipt): Promise<FakeHeard> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const [heard] = await Promise.all([
        this.options.recognise({ path, sha256: receipt.sha256, bytes: receipt.bytes }),
        new Promise((r) => setTimeout(r, this.options.serviceTimeMs ?? 0)),
      ]);
      return heard;
    } finally {
      this.inFlight -= 1;
    }
  }

  async start(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, path: string): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), 'leap-fake-speech-'));
    this.server = createServer((req, res) => {
      handle(req, res).catch((error: Error) => send(res, 500, { error: { message: error.message } }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

class OpenAiFake extends FakeBase implements FakeOpenAiTranscription {
  requests = 0;

  private error(res: ServerResponse, fault: FakeFault): void {
    const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
    const type = fault.status === 429 ? 'rate_limit_exceeded' : fault.status >= 500 ? 'server_error' : 'invalid_request_error';
    send(res, fault.status, { error: { message: fault.message ?? DEFAULT_MESSAGES[fault.status] ?? 'Error', type, param: null, code: null } }, headers);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return this.error(res, { status: 404, message: `Unknown request URL: ${req.method} ${req.url}` });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return this.error(res, { status: 401 });
    this.requests += 1;
    const body = await readBody(req);
    if (body.length > (this.options.maxBytes ?? 25 * 1024 * 1024)) return this.error(res, { status: 413 });
    const form = await new Response(body, { headers: { 'content-type': String(req.headers['content-type'] ?? '') } }).formData().catch(() => undefined);
    const file = form?.get('file');
    if (!form || !(file instanceof Blob)) return this.error(res, { status: 400, message: "Missing required parameter: 'file'" });
    if (!form.get('model')) return this.error(res, { status: 400, message: "Missing required parameter: 'model'" });
    const audio = Buffer.from(await file.arrayBuffer());
    const params: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      if (key === 'file') continue;
      const prev = params[key];
      params[key] = prev === undefined ? value : ([] as unknown[]).concat(prev, value);
    }
    const receipt: FakeReceipt = { sha256: sha256(audio), bytes: audio.length, outcome: 'pending', params };
    this.received.push(receipt);
    const fault = this.nextFault();
    if (fault) {
      receipt.outcome = fault.status;
      return this.error(res, fault);
    }
    const path = join(this.dir, `${randomUUID()}-${(file as File).name || 'audio'}`);
    await writeFile(path, audio);
    try {
      const heard = await this.hear(path, receipt);
      const granularities = ([] as unknown[]).concat(params['timestamp_granularities[]'] ?? []);
      const format = String(params.response_format ?? 'json');
      receipt.outcome = 'transcribed';
      const text = heard.words.map((w) => w.text).join(' ');
      if (format !== 'verbose_json') return send(res, 200, { text });
      send(res, 200, {
        task: 'transcribe',
        language: LANGUAGE_NAMES[heard.language ?? 'en'] ?? heard.language ?? 'english',
        duration: heard.durationSeconds,
        text,
        ...(granularities.includes('word') ? { words: heard.words.map((w) => ({ word: w.text, start: w.start, end: w.end })) } : {}),
        ...(granularities.length === 0 || granularities.includes('segment')
          ? {
              segments: sentences(heard.words).map((s, id) => ({
                id, seek: 0, start: s.start, end: s.end, text: ` ${s.text}`, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1.2, no_speech_prob: 0.01,
              })),
            }
          : {}),
      });
    } finally {
      await rm(path, { force: true });
    }
  }
}

/** OpenAI answers `language` as a name in `verbose_json`. */
const LANGUAGE_NAMES: Record<string, string> = { en: 'english', ru: 'russian', de: 'german', fr: 'french', es: 'spanish' };

/** Words grouped into sentences at pauses of a second or more (how the fakes make segments). */
function sentences(words: readonly FakeWord[]): Array<{ start: number; end: number; text: string; words: FakeWord[] }> {
  const out: Array<{ start: number; end: number; text: string; words: FakeWord[] }> = [];
  for (const word of words) {
    const last = out.at(-1);
    if (last && word.start - last.end < 1) {
      last.words.push(word);
      last.end = word.end;
      last.text = `${last.text} ${word.text}`;
    } else out.push({ start: word.start, end: word.end, text: word.text, words: [word] });
  }
  return out;
}

interface FakeTranscript {
  id: string;
  receipt: FakeReceipt;
  polls: number;
  heard?: FakeHeard;
  error?: string;
  params: Record<string, unknown>;
}

class AssemblyAiFake extends FakeBase implements FakeAssemblyAi {
  pollsBeforeDone = 2;
  sentencesFail = false;
  transcriptErrors: string[] = [];
  polls = 0;
  readonly fetched: string[] = [];
  private readonly uploads = new Map<string, { path: string; receipt: FakeReceipt }>();
  private readonly transcripts = new Map<string, FakeTranscript>();

  private error(res: ServerResponse, fault: FakeFault): void {
    const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
    send(res, fault.status, { error: fault.message ?? DEFAULT_MESSAGES[fault.status] ?? 'Error' }, headers);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== this.apiKey) return this.error(res, { status: 401, message: 'Authentication error, API token missing/invalid' });
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'POST' && url.pathname === '/v2/upload') {
      const audio = await readBody(req);
      if (audio.length === 0) return this.error(res, { status: 400, message: 'Upload body is empty' });
      const receipt: FakeReceipt = { sha256: sha256(audio), bytes: audio.length, outcome: 'pending', params: {} };
      this.received.push(receipt);
      const fault = this.nextFault();
      if (fault) {
        receipt.outcome = fault.status;
        return this.error(res, fault);
      }
      const id = randomUUID();
      const path = join(this.dir, id);
      await writeFile(path, audio);
      this.uploads.set(id, { path, receipt });
      return send(res, 200, { upload_url: `${this.url}/upload/${id}` });
    }
    if (req.method === 'POST' && url.pathname === '/v2/transcript') {
      const params = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
      const audioUrl = String(params.audio_url ?? '');
      const upload = this.uploads.get(audioUrl.split('/').pop() ?? '') ?? (/^https?:\/\//.test(audioUrl) && !audioUrl.startsWith(`${this.url}/upload/`) ? await this.download(audioUrl) : undefined);
      if (!upload) return this.error(res, { status: 400, message: 'Invalid audio_url' });
      if ('error' in upload) return this.error(res, { status: 400, message: upload.error });
      if (params.keyterms_prompt !== undefined && (!Array.isArray(params.keyterms_prompt) || params.keyterms_prompt.length > 1000)) {
        return this.error(res, { status: 400, message: 'keyterms_prompt must be a list of at most 1000 terms' });
      }
      upload.receipt.params = params;
      const transcript: FakeTranscript = { id: randomUUID(), receipt: upload.receipt, polls: 0, params };
      const error = this.transcriptErrors.shift();
      if (error) transcript.error = error;
      else {
        void this.hear(upload.path, upload.receipt).then(
          (heard) => (transcript.heard = heard),
          (e: Error) => (transcript.error = e.message),
        );
      }
      this.transcripts.set(transcript.id, transcript);
      return send(res, 200, this.view(transcript, 'queued'));
    }
    const sentencesMatch = /^\/v2\/transcript\/([^/]+)\/sentences$/.exec(url.pathname);
    if (req.method === 'GET' && sentencesMatch) {
      const t = this.transcripts.get(sentencesMatch[1]!);
      if (!t) return this.error(res, { status: 404, message: 'Transcript not found' });
      if (this.sentencesFail) return this.error(res, { status: 500 });
      if (!t.heard) return this.error(res, { status: 400, message: 'Transcript is not completed' });
      return send(res, 200, {
        id: t.id,
        confidence: 0.9,
        audio_duration: t.heard.durationSeconds,
        sentences: sentences(t.heard.words).map((s) => ({ text: s.text, start: ms(s.start), end: ms(s.end), confidence: 0.9, speaker: null, words: s.words.map(wordView) })),
      });
    }
    const pollMatch = /^\/v2\/transcript\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && pollMatch) {
      const t = this.transcripts.get(pollMatch[1]!);
      if (!t) return this.error(res, { status: 404, message: 'Transcript not found' });
      this.polls += 1;
      t.polls += 1;
      if (t.polls <= this.pollsBeforeDone || (!t.heard && !t.error)) return send(res, 200, this.view(t, t.polls === 1 ? 'queued' : 'processing'));
      if (t.error) {
        t.receipt.outcome = 500;
        return send(res, 200, this.view(t, 'error'));
      }
      t.receipt.outcome = 'transcribed';
      return send(res, 200, this.view(t, 'completed'));
    }
    return this.error(res, { status: 404, message: 'Not found' });
  }

  /** The audio at a URL of the caller's (a presigned storage URL), as AssemblyAI downloads it. */
  private async download(audioUrl: string): Promise<{ path: string; receipt: FakeReceipt } | { error: string }> {
    this.fetched.push(audioUrl);
    const answer = await fetch(audioUrl).catch((e: Error) => e);
    if (answer instanceof Error || !answer.ok) return { error: `Download error, unable to download ${audioUrl}` };
    const audio = Buffer.from(await answer.arrayBuffer());
    const receipt: FakeReceipt = { sha256: sha256(audio), bytes: audio.length, outcome: 'pending', params: {} };
    this.received.push(receipt);
    const path = join(this.dir, randomUUID());
    await writeFile(path, audio);
    return { path, receipt };
  }

  private view(t: FakeTranscript, status: string): Record<string, unknown> {
    const done = status === 'completed' && t.heard;
    return {
      id: t.id,
      status,
      audio_url: t.params.audio_url,
      speech_model: Array.isArray(t.params.speech_models) ? t.params.speech_models[0] : null,
      language_code: done ? (t.heard!.language ?? t.params.language_code ?? 'en') : (t.params.language_code ?? null),
      text: done ? t.heard!.words.map((w) => w.text).join(' ') : null,
      words: done ? t.heard!.words.map(wordView) : null,
      audio_duration: done ? t.heard!.durationSeconds : null,
      error: status === 'error' ? t.error : undefined,
    };
  }
}

const ms = (seconds: number): number => Math.round(seconds * 1000);
const wordView = (w: FakeWord) => ({ text: w.text, start: ms(w.start), end: ms(w.end), confidence: w.confidence ?? 0.95, speaker: null });

/** An OpenAI-compatible transcription server; configure clients with `url` (it ends in `/v1`) and `apiKey`. */
export async function startFakeOpenAiTranscription(options: FakeSpeechOptions): Promise<FakeOpenAiTranscription> {
  const fake = new OpenAiFake(options, options.apiKey ?? 'sk-test-openai');
  return fake.start((req, res) => fake.handle(req, res), '/v1');
}

/** An AssemblyAI server; configure clients with `url` and `apiKey`. */
export async function startFakeAssemblyAi(options: FakeSpeechOptions): Promise<FakeAssemblyAi> {
  const fake = new AssemblyAiFake(options, options.apiKey ?? 'aai-test-key');
  return fake.start((req, res) => fake.handle(req, res), '');
}

export interface ToneWord {
  /** How long the tone of this word lasts, seconds. */
  seconds: number;
  text: string;
}

/**
 * A recogniser for generated "speech" made of tone bursts: every stretch of sound (between
 * silences found by ffmpeg's silencedetect) is a word, named by its length from `lexicon`
 * (within `toleranceSeconds`); a burst of any other length is `filler`. Deterministic, reads the
 * audio itself, and places each word where its tone is in the file it was given — so after
 * chunking and stitching, a word's time tells whether the offsets were right.
 */
export function toneWordsRecogniser(lexicon: readonly ToneWord[], options: { toleranceSeconds?: number; filler?: string; language?: string } = {}): FakeRecogniser {
  const tolerance = options.toleranceSeconds ?? 0.08;
  return async ({ path }) => {
    const report = await detectSilences(path, { thresholdDb: -35, minSilenceSeconds: 0.15 });
    const duration = report.decodedSeconds ?? 0;
    const words: FakeWord[] = [];
    let soundFrom = 0;
    const bursts: Array<[number, number]> = [];
    for (const s of report.silences) {
      if (s.start - soundFrom > 0.05) bursts.push([soundFrom, s.start]);
      soundFrom = s.end;
    }
    if (duration - soundFrom > 0.05) bursts.push([soundFrom, duration]);
    for (const [start, end] of bursts) {
      const match = lexicon.find((w) => Math.abs(end - start - w.seconds) <= tolerance);
      words.push({ text: match?.text ?? options.filler ?? 'um', start: Math.round(start * 1000) / 1000, end: Math.round(end * 1000) / 1000 });
    }
    return { words, durationSeconds: duration, language: options.language ?? 'en' };
  };
}
