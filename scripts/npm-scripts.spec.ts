import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** The test files an npm script would run (Jest's --listTests), relative to the repository. */
function listed(script: string): string[] {
  const out = execFileSync('npm', ['run', '-s', script, '--', '--listTests'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return out
    .split('\n')
    .filter((line) => line.endsWith('.ts'))
    .map((line) => line.replace(`${ROOT}/`, ''));
}

describe('npm run test:unit', () => {
  it('runs every unit test file and nothing that needs the servers', () => {
    const files = listed('test:unit');
    expect(files.length).toBeGreaterThan(30);
    expect(files.filter((f) => /\.(int|e2e|serial)-spec\.ts$/.test(f))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['libs/config/src/duration.spec.ts', 'services/ingest/src/pipeline/pipeline-state.spec.ts']));
  });
});
