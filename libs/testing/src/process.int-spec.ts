import { readFileSync } from 'node:fs';
import { eventually } from './eventually';
import { freePort } from './free-port';
import { ProcessStartError, type RunningProcess, startProcess } from './process';

const node = process.execPath;

/** Running (not gone, not a zombie waiting to be reaped). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('startProcess', () => {
  const started: RunningProcess[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.kill()));
  });

  it('waits for a line of output, captures stdout and stderr, and stops on a signal', async () => {
    const script = `
      console.error('warming up');
      setTimeout(() => console.log('listening on ' + process.env.GREETING_PORT), 200);
      process.on('SIGTERM', () => { console.log('shutting down'); process.exit(0); });
      setInterval(() => {}, 1000);
    `;
    const child = await startProcess({
      command: node,
      args: ['-e', script],
      env: { GREETING_PORT: '4321' },
      readyWhen: (line) => line.startsWith('listening on'),
    });
    started.push(child);

    expect(child.isRunning()).toBe(true);
    expect(child.lines()).toEqual(['warming up', 'listening on 4321']);

    const exit = await child.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(child.output()).toContain('shutting down');
    expect(child.isRunning()).toBe(false);
  });

  it('waits until a readiness URL answers 2xx', async () => {
    const port = await freePort();
    const script = `
      let ready = false;
      setTimeout(() => { ready = true; }, 300);
      require('node:http').createServer((req, res) => { res.statusCode = ready ? 200 : 503; res.end(); })
        .listen(${port}, '127.0.0.1', () => console.log('http up'));
    `;
    const child = await startProcess({ command: node, args: ['-e', script], readyUrl: `http://127.0.0.1:${port}/health` });
    started.push(child);

    const response = await fetch(`http://127.0.0.1:${port}/health`);
    expect(response.status).toBe(200);
  });

  it('shows the captured output when the process dies before it is ready', async () => {
    const script = `console.log('reading config'); console.error('DATABASE_URL is missing'); process.exit(3);`;
    const failure = await startProcess({ name: 'gateway', command: node, args: ['-e', script], readyWhen: (l) => l === 'ready' }).catch(
      (e: unknown) => e,
    );

    expect(failure).toBeInstanceOf(ProcessStartError);
    const message = (failure as Error).message;
    expect(message).toMatch(/^gateway exited \(code 3\) before printing the awaited line/);
    expect(message).toContain('reading config');
    expect(message).toContain('DATABASE_URL is missing');
  });

  it('kills the process and shows its output when readiness times out', async () => {
    const script = `console.log('still booting'); setInterval(() => {}, 1000);`;
    const failure = await startProcess({
      name: 'slow',
      command: node,
      args: ['-e', script],
      readyWhen: (l) => l === 'ready',
      readyTimeoutMs: 500,
    }).then(
      () => new Error('started although it never printed "ready"'),
      (e: Error) => e,
    );

    expect(failure.message).toMatch(/^slow: no matching line within 500 ms/);
    expect(failure.message).toContain('still booting');
  });

  it('kill() ends the whole process group at once, even a child that ignores SIGTERM', async () => {
    const grandchild = `process.on('SIGTERM', () => {}); console.log('grandchild ' + process.pid); setInterval(() => {}, 1000);`;
    const script = `
      process.on('SIGTERM', () => {});
      const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'inherit' });
      setInterval(() => {}, 1000);
    `;
    const child = await startProcess({ command: node, args: ['-e', script], readyWhen: (l) => l.startsWith('grandchild') });
    started.push(child);
    const grandchildPid = Number(child.lines().find((l) => l.startsWith('grandchild'))!.split(' ')[1]);

    const exit = await child.kill();
    expect(exit.signal).toBe('SIGKILL');
    await eventually(() => expect(isAlive(grandchildPid)).toBe(false), { timeoutMs: 2000 });
  });

  it('stop() falls back to SIGKILL when the process ignores the signal', async () => {
    const script = `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('ready'); setInterval(() => {}, 1000);`;
    const child = await startProcess({ command: node, args: ['-e', script], readyWhen: (l) => l === 'ready' });
    started.push(child);

    const exit = await child.stop('SIGTERM', 300);
    expect(exit.signal).toBe('SIGKILL');
    expect(child.output()).toContain('ignoring SIGTERM');
  });

  it('waitForLine() finds lines printed after start-up', async () => {
    const script = `console.log('ready'); setTimeout(() => console.log('job 7 done'), 200); setInterval(() => {}, 1000);`;
    const child = await startProcess({ command: node, args: ['-e', script], readyWhen: (l) => l === 'ready' });
    started.push(child);
    expect(await child.waitForLine((l) => l.startsWith('job'), 5000)).toBe('job 7 done');
  });

  it('reports a command that cannot be spawned', async () => {
    const failure = await startProcess({ command: '/nonexistent/leap-binary' }).then(
      () => new Error('started a command that does not exist'),
      (e: Error) => e,
    );
    expect(failure).toBeInstanceOf(ProcessStartError);
    expect(failure.message).toContain('ENOENT');
  });
});
