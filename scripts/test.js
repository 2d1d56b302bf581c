#!/usr/bin/env node
/**
 * `npm test`: type-check, then the whole Jest suite in parallel (unit, integration against the
 * real PostgreSQL and RabbitMQ, end-to-end), then the few files that disturb the shared broker
 * (`*.serial-spec.ts`, e.g. a RabbitMQ restart) one at a time. Extra arguments go to Jest.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const args = process.argv.slice(2);

const reports = mkdtempSync(join(tmpdir(), 'leap-test-'));
const totals = { passed: 0, failed: 0 };

/** Jest writes its results as JSON too, so the run ends with one summary line for every step. */
function jest(title, jestArgs) {
  const report = join(reports, `${totals.passed + totals.failed}-${Date.now()}.json`);
  const ok = step(title, bin('jest', 'bin/jest.js'), [...jestArgs, '--json', `--outputFile=${report}`], false);
  if (existsSync(report)) {
    const result = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests + (result.numRuntimeErrorTestSuites ?? 0);
  } else if (!ok) {
    totals.failed += 1;
  }
  if (!ok) finish(1);
}

function finish(code) {
  rmSync(reports, { recursive: true, force: true });
  process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed\n`);
  process.exit(code);
}

function step(title, command, commandArgs, exitOnFailure = true) {
  process.stdout.write(`\n▶ ${title}\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [command, ...commandArgs], { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stdout.write(`✖ ${title} failed after ${seconds}s\n`);
    if (exitOnFailure) finish(result.status ?? 1);
    return false;
  }
  process.stdout.write(`✔ ${title} (${seconds}s)\n`);
  return true;
}

if (args.length === 0) step('Type-check', bin('typescript', 'bin/tsc'), ['-p', 'tsconfig.json', '--noEmit']);
jest('Tests', [...args, '--testPathIgnorePatterns', '\\.serial-spec\\.ts$', '/node_modules/']);
if (args.length === 0) jest('Tests that restart shared servers (one at a time)', ['--runInBand', '--testMatch', '**/*.serial-spec.ts']);
finish(0);
