import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');
const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; severity: number; message: string; line: number }[];
}

function eslint(args: string[], stdin?: string): LintResult[] {
  const out = spawnSync(process.execPath, [eslintBin, '--format', 'json', ...args], {
    cwd: root,
    input: stdin,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!out.stdout.trim().startsWith('[')) throw new Error(`eslint failed: ${out.stderr || out.stdout}`);
  return JSON.parse(out.stdout) as LintResult[];
}

function boundaryErrors(file: string, code: string): string[] {
  const [result] = eslint(['--stdin', '--stdin-filename', join(root, file)], code);
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  beforeAll(() => {
    // The rule reads Nx's project graph; a fresh clone has none cached, and the rule would skip.
    const graph = spawnSync(process.execPath, [join(root, 'node_modules', 'nx', 'bin', 'nx.js'), 'show', 'projects'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    if (graph.status !== 0) throw new Error(`nx could not build the project graph: ${graph.stderr || graph.stdout}`);
  });

  it('forbid a service from importing another service', () => {
    expect(boundaryErrors('services/gateway/src/probe.ts', `import { ingestService } from '@leap/ingest-service';\nexport const x = ingestService;\n`)).not.toEqual([]);
    expect(boundaryErrors('services/gateway/src/probe.ts', `import { ingestService } from '../../ingest/src/service';\nexport const x = ingestService;\n`)).not.toEqual([]);
  });

  it('forbid a shared library from importing a service', () => {
    expect(boundaryErrors('libs/messaging/src/probe.ts', `import { quotaService } from '@leap/quota-service';\nexport const x = quotaService;\n`)).not.toEqual([]);
  });

  it('let a service use the shared libraries, and tests use the test support', () => {
    expect(boundaryErrors('services/gateway/src/probe.ts', `import { MessageBus } from '@leap/messaging';\nexport const x = MessageBus;\n`)).toEqual([]);
    expect(boundaryErrors('libs/messaging/src/probe.int-spec.ts', `import { eventually } from '@leap/testing';\nexport const x = eventually;\n`)).toEqual([]);
  });

  it('hold across the whole repository', () => {
    const results = eslint(['.']);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(errors).toEqual([]);
  });
});
