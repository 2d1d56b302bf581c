import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeWorkDir, processIsAlive, sweepWorkDirs } from './work-dirs';

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
    const mine = await makeWorkDir('transcribe', root);
    const oldOfLiving = join(root, `leap-pocketsphinx-${process.pid}-old123`);
    await mkdir(oldOfLiving);
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    await utimes(oldOfLiving, twoDaysAgo, twoDaysAgo);
    const unrelated = join(root, `other-${gone}-abcdef`);
    await mkdir(unrelated);
    const linkTarget = join(root, 'target');
    await mkdir(linkTarget);
    const link = join(root, `leap-trim-${gone}-link12`);
    await symlink(linkTarget, link);
    const info: string[] = [];

    const removed = await sweepWorkDirs({ root, maxAgeMs: 24 * 3600_000, logger: { info: (m) => info.push(m), warn: () => undefined } });

    expect(removed.sort()).toEqual([oldOfLiving, orphan].sort());
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(oldOfLiving)).toBe(false);
    expect(existsSync(mine)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
    expect(existsSync(link)).toBe(true);
    expect(existsSync(linkTarget)).toBe(true);
    expect(info).toEqual(['Removed 2 work folder(s) of jobs that were killed or ran too long']);
    expect(await sweepWorkDirs({ root, maxAgeMs: 24 * 3600_000 })).toEqual([]);
  });

  it('never throws, even when the folder cannot be read', async () => {
    const warnings: string[] = [];
    await expect(sweepWorkDirs({ root: join(root, 'missing'), maxAgeMs: 1, logger: { info: () => undefined, warn: (m) => warnings.push(m) } })).resolves.toEqual([]);
    expect(warnings).toHaveLength(1);
  });
});
