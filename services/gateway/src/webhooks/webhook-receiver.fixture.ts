/**
 * A webhook receiver on 127.0.0.1 for the webhook specs: it keeps every request (headers and raw
 * body) and answers as `respond` says for the n-th request (from 1): a status, Retry-After, or
 * no answer at all until `release()`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

export type ReceiverAnswer = { status: number; retryAfter?: string } | 'hang';

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** Requests held open right now. */
  readonly hanging: number;
  respond: (n: number, request: ReceivedWebhook) => ReceiverAnswer;
  release(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(respond: WebhookReceiver['respond'] = () => ({ status: 204 })): Promise<WebhookReceiver> {
  const held = new Set<ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    received: [],
    get hanging() {
      return held.size;
    },
    respond,
    release() {
      for (const res of held) res.writeHead(200).end('late');
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        receiver.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.received.push(request);
      const answer = receiver.respond(receiver.received.length, request);
      if (answer === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      res.writeHead(answer.status, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}).end(answer.status >= 400 ? 'receiver says no' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  return receiver;
}
