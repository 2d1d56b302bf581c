import type { AdminApi } from './admin-api';
import { EXIT, main } from './main';

/** An admin API that answers the calls the test expects, in order, and fails on any other. */
function scriptedApi(script: { method: string; path: string; body?: unknown; reply: { status: number; body: unknown } }[]): AdminApi & { done(): void } {
  const pending = [...script];
  return {
    async call(method, path, body) {
      const next = pending.shift();
      if (!next) throw new Error(`unexpected call ${method} ${path}`);
      expect({ method, path, body }).toEqual({ method: next.method, path: next.path, body: next.body });
      return next.reply;
    },
    done: () => expect(pending).toEqual([]),
  };
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, out: { write: (t: string) => out.push(t) }, err: { write: (t: string) => err.push(t) }, text: () => out.join(''), errors: () => err.join('') };
}

describe('leapctl', () => {
  it('turns a replay of ids, a group, a queue or everything into the body the API takes', async () => {
    const ok = { status: 200, body: { replayed: 1, queues: [{ queue: 'q', source: 'error', count: 1 }] } };
    const api = scriptedApi([
      { method: 'POST', path: '/admin/parked/replay', body: { ids: ['q.error:1', 'q.error:2'] }, reply: ok },
      { method: 'POST', path: '/admin/parked/replay', body: { group: 'abcdefabcdef' }, reply: ok },
      { method: 'POST', path: '/admin/parked/replay', body: { queue: 'q', source: 'dlq' }, reply: ok },
      { method: 'POST', path: '/admin/parked/replay', body: { all: true }, reply: ok },
    ]);
    for (const args of [['q.error:1', 'q.error:2'], ['--group', 'abcdefabcdef'], ['--queue', 'q', '--source', 'dlq'], ['--all']]) {
      const out = io();
      expect(await main(['replay', ...args], out, api)).toBe(EXIT.OK);
      expect(out.text()).toMatch(/^Replayed 1 message\(s\)\nQUEUE\s+SOURCE\s+COUNT\nq\s+error\s+1\n$/);
    }
    api.done();
  });

  it('refuses to guess what to replay, without asking the API', async () => {
    const api = scriptedApi([]);
    for (const args of [[], ['--all', '--group', 'x'], ['--source', 'dlq', '--all']]) {
      const out = io();
      expect(await main(['replay', ...args], out, api)).toBe(EXIT.USAGE);
      expect(out.errors()).toContain('leapctl:');
    }
    expect(await main(['frobnicate'], io(), api)).toBe(EXIT.USAGE);
  });

  it('maps the answers of the API to exit codes', async () => {
    const api = scriptedApi([
      { method: 'GET', path: '/admin/queues', reply: { status: 403, body: { code: 'AUTH.INSUFFICIENT_SCOPE', detail: 'needs admin' } } },
      { method: 'GET', path: '/admin/parked/q.error%3A1', reply: { status: 404, body: { code: 'PARKED.NOT_FOUND', detail: 'No parked message q.error:1' } } },
      { method: 'GET', path: '/admin/queues', reply: { status: 503, body: { code: 'SERVICE.UNAVAILABLE' } } },
    ]);
    const denied = io();
    expect(await main(['queues'], denied, api)).toBe(EXIT.AUTH);
    expect(denied.errors()).toBe('leapctl: AUTH.INSUFFICIENT_SCOPE: needs admin\n');
    expect(await main(['show', 'q.error:1'], io(), api)).toBe(EXIT.NOT_FOUND);
    expect(await main(['queues'], io(), api)).toBe(EXIT.FAILED);
    api.done();
  });

  it('purges in one go with --yes, asking for the token first', async () => {
    const api = scriptedApi([
      { method: 'POST', path: '/admin/parked/purge', body: { queue: 'q' }, reply: { status: 409, body: { code: 'PARKED.CONFIRMATION_REQUIRED', count: 3, confirm: 't.1' } } },
      { method: 'POST', path: '/admin/parked/purge', body: { queue: 'q', confirm: 't.1' }, reply: { status: 200, body: { purged: 3, queues: [] } } },
    ]);
    const out = io();
    expect(await main(['purge', '--queue', 'q', '--yes', '--json'], out, api)).toBe(EXIT.OK);
    expect(JSON.parse(out.text())).toEqual({ purged: 3, queues: [] });
    api.done();
  });
});
