import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@leap/testing';
import { makeWorkDir, processIsAlive, sweepWorkDirs, WorkDirSweeper } from './work-dirs';

/** The id of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('work folders', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'leap-work-dirs-spec-'));
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  it('names a folder after its kind and this process', async () => {
    const dir = await makeWorkDir('trim', root);
    expect(dir).toMatch(new RegExp(`/leap-trim-${process.pid}-[A-Za-z0-9]{6}$`));
    expect(existsSync(dir)).toBe(true);
    await expect(makeWorkDir('../escape', root)).rejects.toThrow(/lower-case/);
  });

  it("removes the folders of ended processes and of jobs running too long, and nothing else", async () => {
    const gone = await deadPid();
    expect(processIsAlive(gone)).toBe(false);
    expect(processIsAlive(process.pid)).toBe(true);
    const orphan = join(root, `leap-trim-${gone}-abcDEF`);
    await mkdir(orphan);
    await writeFile(join(orphan, 'source.mp4'), Buffer.alloc(1024));
    await mkdir(join(orphan, 'frames'));
    await writeFile(join(orphan, 'frames', '1.png'), Buffer.alloc(100));
    const mine = await makeWorkDir('transcribe', root);
    const oldOfLiving = join(root, `leap-pocketsphinx-${process.pid}-old123`);
    await mkdir(oldOfLiving);
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    await utimes(oldOfLiving, twoDaysAgo, twoDaysAgo);
    const ofParent = join(root, `leap-trim-${process.ppid}-parent`);
    await mkdir(ofParent);
    const unrelated = join(root, `other-${gone}-abcdef`);
    await mkdir(unrelated);
    const linkTarget = join(root, 'target');
    await mkdir(linkTarget);
    await writeFile(join(linkTarget, 'keep.txt'), 'not a work folder');
    await symlink(linkTarget, join(orphan, 'outside'));
    const link = join(root, `leap-trim-${gone}-link12`);
    await symlink(linkTarget, link);
    const info: string[] = [];

    const removed = await sweepWorkDirs({ root, maxAgeMs: 24 * 3600_000, logger: { info: (m) => info.push(m), warn: () => undefined } });

    expect(removed.sort()).toEqual([oldOfLiving, orphan].sort());
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(oldOfLiving)).toBe(false);
    expect(existsSync(mine)).toBe(true);
    expect(existsSync(ofParent)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
    expect(existsSync(link)).toBe(true);
    expect(existsSync(join(linkTarget, 'keep.txt'))).toBe(true);
    expect(info).toEqual(['Removed 2 work folder(s) (1124 bytes) of jobs that were killed or ran too long']);
    expect(await sweepWorkDirs({ root, maxAgeMs: 24 * 3600_000 })).toEqual([]);
  });

  it('removes stale folders of any process, its own included, once they are older than the limit', async () => {
    const mine = await makeWorkDir('trim', root);
    const removed = await sweepWorkDirs({ root, maxAgeMs: 60_000, now: Date.now() + 120_000, isAlive: () => true });
    expect(removed).toEqual([mine]);
  });

  it('sweeps shortly after start and then on every interval, until the module is destroyed', async () => {
    const gone = await deadPid();
    const first = join(root, `leap-trim-${gone}-first1`);
    await mkdir(first);
    const sweeper = new WorkDirSweeper({ root, maxAgeMs: 24 * 3600_000, firstDelayMs: 10, intervalMs: 100 });
    sweeper.onApplicationBootstrap();
    try {
      await eventually(() => expect(existsSync(first)).toBe(false));
      const second = join(root, `leap-trim-${gone}-secnd2`);
      await mkdir(second);
      await eventually(() => expect(existsSync(second)).toBe(false));
    } finally {
      await sweeper.onModuleDestroy();
    }
    const after = join(root, `leap-trim-${gone}-after3`);
    await mkdir(after);
    await sleep(300);
    expect(existsSync(after)).toBe(true);
  });

  it('never throws, even when the folder cannot be read', async () => {
    const warnings: string[] = [];
    await expect(sweepWorkDirs({ root: join(root, 'missing'), maxAgeMs: 1, logger: { info: () => undefined, warn: (m) => warnings.push(m) } })).resolves.toEqual([]);
    expect(warnings).toHaveLength(1);
  });
});
