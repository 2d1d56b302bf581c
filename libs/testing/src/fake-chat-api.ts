import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeFault } from './fake-speech-apis';

/**
 * A fake OpenAI-compatible chat API (DeepSeek, OpenAI) on 127.0.0.1: `POST /chat/completions`
 * and `/v1/chat/completions` with a Bearer key, answering `chat.completion` objects with usage.
 * The test says what the model answers (`respond`, which sees the request: malformed JSON is just
 * a string), and can queue faults (any status, 429 with Retry-After).
 */
export interface FakeChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  temperature?: number;
  max_tokens?: number;
  response_format?: { type: string };
}

export interface FakeChat {
  /** Base URL for a client (`/chat/completions` is added to it). */
  url: string;
  apiKey: string;
  /** Every completion request received, in order. */
  readonly requests: FakeChatRequest[];
  faults: FakeFault[];
  /** What the model answers next; replace it per test. */
  respond: (request: FakeChatRequest) => string;
  close(): Promise<void>;
}

/** Words, roughly: how the fake counts tokens. */
const tokens = (text: string): number => text.split(/\s+/).filter(Boolean).length;

export async function startFakeChat(options: { apiKey?: string; respond?: (request: FakeChatRequest) => string } = {}): Promise<FakeChat> {
  const fake: FakeChat = {
    url: '',
    apiKey: options.apiKey ?? 'sk-test-chat',
    requests: [],
    faults: [],
    respond: options.respond ?? (() => '{}'),
    close: async () => undefined,
  };
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) =>
    send(res, status, { error: { message, type: status === 429 ? 'rate_limit_error' : 'invalid_request_error', code: null } }, headers);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !['/chat/completions', '/v1/chat/completions'].includes(req.url ?? '')) return error(res, 404, `Unknown route ${req.method} ${req.url}`);
    if (req.headers.authorization !== `Bearer ${fake.apiKey}`) return error(res, 401, 'Authentication Fails (no such user)');
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    let request: FakeChatRequest;
    try {
      request = JSON.parse(Buffer.concat(parts).toString('utf8')) as FakeChatRequest;
    } catch {
      return error(res, 400, 'Invalid JSON body');
    }
    if (!request.model || !Array.isArray(request.messages) || request.messages.length === 0) return error(res, 400, 'model and messages are required');
    fake.requests.push(request);
    const fault = fake.faults.shift();
    if (fault) {
      return error(res, fault.status, fault.message ?? 'The server is busy', fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) });
    }
    const content = fake.respond(request);
    const prompt = request.messages.reduce((sum, m) => sum + tokens(m.content), 0);
    send(res, 200, {
      id: `chatcmpl-${fake.requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: prompt, completion_tokens: tokens(content), total_tokens: prompt + tokens(content) },
    });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => error(res, 500, e.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  return fake;
}
