#!/usr/bin/env node
/**
 * `npm test`: type-check, then the whole Jest suite in parallel (unit, integration against the
 * real PostgreSQL and RabbitMQ, end-to-end), then the few files that disturb the shared broker
 * (`*.serial-spec.ts`, e.g. a RabbitMQ restart) one at a time. Extra arguments go to Jest.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const args = process.argv.slice(2);

function step(title, command, commandArgs) {
  process.stdout.write(`\n▶ ${title}\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [command, ...commandArgs], { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stdout.write(`✖ ${title} failed after ${seconds}s\n`);
    process.exit(result.status ?? 1);
  }
  process.stdout.write(`✔ ${title} (${seconds}s)\n`);
}

if (args.length === 0) step('Type-check', bin('typescript', 'bin/tsc'), ['-p', 'tsconfig.json', '--noEmit']);
step('Tests', bin('jest', 'bin/jest.js'), ['--testPathIgnorePatterns', '\\.serial-spec\\.ts$', '/node_modules/', ...args]);
if (args.length === 0) step('Tests that restart shared servers (one at a time)', bin('jest', 'bin/jest.js'), ['--runInBand', '--testMatch', '**/*.serial-spec.ts']);
