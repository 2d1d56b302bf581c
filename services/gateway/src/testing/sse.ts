/**
 * A server-sent events client for the specs: it reads a stream the way `EventSource` does (one
 * message per blank-line-separated block of `id:`, `event:`, `data:` and `retry:` lines; `:` lines
 * are comments) and keeps what came, so a test can wait for it.
 */

export interface SseMessage {
  id?: string;
  event: string;
  data: any;
}

export interface SseStream {
  status: number;
  headers: Headers;
  messages: SseMessage[];
  /** Comment lines (`: heartbeat`), in order. */
  comments: string[];
  retry?: number;
  /** The body of an answer that was not a stream (a problem). */
  body?: any;
  close(): void;
}

/** Opens `url` (a path of the gateway at `base`); answers once the headers are in. */
export async function openSse(base: string, path: string, options: { token?: string; headers?: Record<string, string> } = {}): Promise<SseStream> {
  const abort = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${base}${path}`, { headers, signal: abort.signal });
  const stream: SseStream = { status: response.status, headers: response.headers, messages: [], comments: [], close: () => abort.abort() };
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await response.text();
    try {
      stream.body = JSON.parse(text);
    } catch {
      stream.body = text;
    }
    return stream;
  }
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          parseBlock(block, stream);
        }
      }
    } catch {
      // Closed by the test or the server.
    }
  })();
  return stream;
}

function parseBlock(block: string, stream: SseStream): void {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) stream.comments.push(line.slice(1).trim());
    else if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    else if (line.startsWith('retry:')) stream.retry = Number(line.slice(6).trim());
  }
  if (data.length === 0) return;
  const text = data.join('\n');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  stream.messages.push({ id, event, data: parsed });
}
