/**
 * leapctl: the operators' command line. It speaks the gateway's admin API with an API key that has
 * the `admin` scope (LEAP_API_URL and LEAP_API_KEY, or --url and --api-key), prints tables for
 * people and JSON for scripts (--json), and exits with a code scripts can act on (EXIT).
 */
import { parseArgs } from 'node:util';
import { httpAdminApi, UnreachableError, type AdminApi } from './admin-api';
import { clip, table } from './table';

export const EXIT = {
  OK: 0,
  /** Anything unexpected (a 5xx, an answer that is not what the API documents). */
  FAILED: 1,
  /** Bad arguments, or the API refused the request as invalid (400). */
  USAGE: 2,
  /** Missing or refused credentials (401, 403). */
  AUTH: 3,
  /** The named message is not parked (404). */
  NOT_FOUND: 4,
  /** A purge that needs confirming: nothing was purged; the token to confirm with was printed. */
  CONFIRM: 5,
  /** The gateway could not be reached. */
  UNREACHABLE: 6,
} as const;

export interface Io {
  env: Record<string, string | undefined>;
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

const USAGE = `Usage: leapctl [--url URL] [--api-key KEY] [--json] <command>

Commands:
  queues                               every queue with waiting, parked (.error) and dead-lettered (.dlq) counts
  parked [--queue Q] [--group]         parked messages, or (--group) their groups by fault
  show <id>                            one parked message in full (id: <parking queue>:<message id>)
  replay <id>... | --group G | --queue Q [--source error|dlq] | --all
                                       send parked messages back to the queue they failed on
  purge <id>... | --group G | --queue Q [--source error|dlq] | --all  [--yes | --confirm TOKEN]
                                       drop parked messages for good (asks for a confirmation token)

Environment: LEAP_API_URL (e.g. http://localhost:3000), LEAP_API_KEY (an API key with the admin scope).
Exit codes: 0 ok, 1 failed, 2 usage, 3 credentials refused, 4 not found, 5 purge needs confirming, 6 gateway unreachable.
`;

class Exit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export async function main(argv: string[], io: Io, api?: AdminApi): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err.write(`leapctl: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? io.out : io.err).write(USAGE);
    return values.help ? EXIT.OK : EXIT.USAGE;
  }
  const url = values.url ?? io.env.LEAP_API_URL;
  const key = values['api-key'] ?? io.env.LEAP_API_KEY;
  if (!api && (!url || !key)) {
    io.err.write('leapctl: set LEAP_API_URL and LEAP_API_KEY (or pass --url and --api-key)\n');
    return EXIT.USAGE;
  }
  const client = api ?? httpAdminApi(url!, key!);
  const [command, ...args] = positionals;
  const print = (json: unknown, text: () => string) => io.out.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : text());
  try {
    switch (command) {
      case 'queues': {
        const body = await expectOk(client.call('GET', '/admin/queues'));
        print(body, () =>
          table(
            ['QUEUE', 'WAITING', 'ERROR', 'DLQ'],
            body.queues.map((q: { queue: string; depth: number; error: number; dlq: number }) => [q.queue, q.depth, q.error, q.dlq]),
          ) + `\n${body.parked} parked (${body.transport} transport)\n`,
        );
        return EXIT.OK;
      }
      case 'parked': {
        const query = values.queue ? `?queue=${encodeURIComponent(values.queue)}` : '';
        if (values.grouped) {
          const body = await expectOk(client.call('GET', `/admin/parked/groups${query}`));
          print(body, () =>
            table(
              ['GROUP', 'COUNT', 'QUEUE', 'SOURCE', 'TYPE', 'CODE', 'LAST SEEN', 'FAULT'],
              body.groups.map((g: any) => [g.group, g.count, g.queue, g.source, g.type, g.code, g.lastSeen, clip(g.sample, 80)]),
            ),
          );
          return EXIT.OK;
        }
        const body = await expectOk(client.call('GET', `/admin/parked${query}`));
        print(body, () =>
          table(
            ['ID', 'TYPE', 'CODE', 'FAILED AT', 'GROUP', 'FAULT'],
            body.messages.map((m: any) => [m.id, m.type, m.fault.code, m.fault.failedAt, m.group, clip(m.fault.message, 60)]),
          ),
        );
        return EXIT.OK;
      }
      case 'show': {
        if (args.length !== 1) throw new Exit(EXIT.USAGE, 'show takes one parked message id');
        const body = await expectOk(client.call('GET', `/admin/parked/${encodeURIComponent(args[0]!)}`));
        print(body, () => showText(body));
        return EXIT.OK;
      }
      case 'replay': {
        const body = await expectOk(client.call('POST', '/admin/parked/replay', selection(values, args)));
        print(body, () => `Replayed ${body.replayed} message(s)\n${outcomes(body.queues)}`);
        return EXIT.OK;
      }
      case 'purge': {
        const chosen = selection(values, args);
        let confirm = values.confirm;
        if (confirm === undefined) {
          const ask = await client.call('POST', '/admin/parked/purge', chosen);
          if (ask.status !== 409 || ask.body?.code !== 'PARKED.CONFIRMATION_REQUIRED') await expectOk(Promise.resolve(ask));
          if (!values.yes) {
            print({ count: ask.body.count, confirm: ask.body.confirm, expiresAt: ask.body.expiresAt }, () =>
              `This would purge ${ask.body.count} message(s) for good. Nothing was purged.\n` +
              `To go ahead, run the same command with --confirm ${ask.body.confirm} (valid until ${ask.body.expiresAt}), or with --yes.\n`,
            );
            return EXIT.CONFIRM;
          }
          confirm = ask.body.confirm as string;
        }
        const body = await expectOk(client.call('POST', '/admin/parked/purge', { ...chosen, confirm }));
        print(body, () => `Purged ${body.purged} message(s)\n${outcomes(body.queues)}`);
        return EXIT.OK;
      }
      default:
        throw new Exit(EXIT.USAGE, `unknown command "${command}"\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof Exit) {
      io.err.write(`leapctl: ${error.message}\n`);
      return error.code;
    }
    if (error instanceof UnreachableError) {
      io.err.write(`leapctl: ${error.message}\n`);
      return EXIT.UNREACHABLE;
    }
    throw error;
  }
}

function parse(argv: string[]) {
  // `--group` names a group to replay or purge, but is a bare switch of `parked`.
  const args = argv.includes('parked') ? argv.map((arg) => (arg === '--group' ? '--grouped' : arg)) : argv;
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      group: { type: 'string' },
      grouped: { type: 'boolean' },
      queue: { type: 'string' },
      source: { type: 'string' },
      all: { type: 'boolean' },
      yes: { type: 'boolean' },
      confirm: { type: 'string' },
    },
  });
}

/** The body of a replay or purge: exactly one of ids, a group, a queue, or everything. */
function selection(values: ReturnType<typeof parse>['values'], ids: string[]): Record<string, unknown> {
  const chosen: Record<string, unknown>[] = [];
  if (ids.length) chosen.push({ ids });
  if (values.group) chosen.push({ group: values.group });
  if (values.queue) chosen.push({ queue: values.queue, ...(values.source ? { source: values.source } : {}) });
  if (values.all) chosen.push({ all: true });
  if (chosen.length !== 1) throw new Exit(EXIT.USAGE, 'name exactly one of: message ids, --group G, --queue Q, --all');
  if (values.source && !values.queue) throw new Exit(EXIT.USAGE, '--source only goes with --queue');
  return chosen[0]!;
}

async function expectOk(reply: Promise<{ status: number; body: any }>): Promise<any> {
  const { status, body } = await reply;
  if (status >= 200 && status < 300) return body;
  const what = body?.code ? `${body.code}: ${body.detail ?? body.title ?? ''}` : `HTTP ${status}`;
  const errors = Array.isArray(body?.errors) ? body.errors.map((e: { field: string; message: string }) => `\n  ${e.field}: ${e.message}`).join('') : '';
  if (status === 400) throw new Exit(EXIT.USAGE, what + errors);
  if (status === 401 || status === 403) throw new Exit(EXIT.AUTH, what);
  if (status === 404) throw new Exit(EXIT.NOT_FOUND, what);
  throw new Exit(EXIT.FAILED, what);
}

function outcomes(queues: { queue: string; source: string; count: number }[]): string {
  return queues.length ? table(['QUEUE', 'SOURCE', 'COUNT'], queues.map((q) => [q.queue, q.source, q.count])) : '';
}

function showText(m: any): string {
  const lines = [
    `id:        ${m.id}`,
    `queue:     ${m.queue} (${m.source})`,
    `type:      ${m.type}`,
    `message:   ${m.messageId}`,
    ...(m.subject ? [`subject:   ${m.subject}`] : []),
    ...(m.tenant ? [`tenant:    ${m.tenant}`] : []),
    `fault:     ${m.fault.code}${m.fault.type ? ` (${m.fault.type})` : ''}`,
    `           ${m.fault.message}`,
    ...(m.fault.consumer ? [`consumer:  ${m.fault.consumer}`] : []),
    `failed at: ${m.fault.failedAt}${m.fault.retryCount !== undefined ? `, after ${m.fault.retryCount} retry tier(s)` : ''}`,
    `replayed:  ${m.replayCount} time(s) before`,
    '',
    'headers:',
    ...Object.entries(m.headers).map(([k, v]) => (k === 'x-fault-stack' ? '' : `  ${k}: ${v}`)).filter(Boolean),
    '',
    'payload:',
    JSON.stringify(m.payload, null, 2),
    ...(m.fault.stack ? ['', 'stack:', m.fault.stack] : []),
  ];
  return `${lines.join('\n')}\n`;
}
