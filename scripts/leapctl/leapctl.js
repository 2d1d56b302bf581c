#!/usr/bin/env node
// `npx leapctl …`: operators' command line for the admin API (see docs/operations.md).
require('@swc-node/register');
const { main } = require('./main.ts');

main(process.argv.slice(2), { env: process.env, out: process.stdout, err: process.stderr }).then((code) => {
  process.exitCode = code;
});
