#!/usr/bin/env node
/** `npm run start:service -- <name>`: run one service as its own process (distributed mode). */
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const services = ['gateway', 'ingest', 'media-processing', 'transcription', 'publishing', 'storage', 'quota'];
const name = process.argv[2];
if (!services.includes(name)) {
  process.stderr.write(`Usage: npm run start:service -- <${services.join('|')}>\n`);
  process.exit(2);
}
const root = join(__dirname, '..');
const envFile = join(root, '.env');
const nodeArgs = ['-r', '@swc-node/register'];
if (existsSync(envFile)) nodeArgs.unshift(`--env-file=${envFile}`);
const child = spawn(process.execPath, [...nodeArgs, join(root, 'services', name, 'src', 'main.ts')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
