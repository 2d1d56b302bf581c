/** One Jest run for the whole monorepo: unit (*.spec.ts), integration (*.int-spec.ts) and
 * end-to-end (*.e2e-spec.ts) files run in parallel; each integration file gets its own
 * database and RabbitMQ vhost from @leap/testing. Files named *.serial-spec.ts disturb the
 * shared broker (for example restart it) and run afterwards, one at a time (see scripts/test.js). */
const fs = require('node:fs');
const swc = JSON.parse(fs.readFileSync(__dirname + '/.swcrc', 'utf8'));
delete swc.$schema;

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/scripts', '<rootDir>/e2e'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.serial-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: {
    '^@leap/([a-z-]+)-service$': '<rootDir>/services/$1/src/service.ts',
    '^@leap/([a-z-]+)-service/testing$': '<rootDir>/services/$1/src/testing/index.ts',
    '^@leap/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  globalSetup: '<rootDir>/scripts/jest/global-setup.ts',
  // A guard against a hung test, not a speed check: a loaded machine makes real processes slow.
  testTimeout: 180000,
  maxWorkers: process.env.JEST_MAX_WORKERS ?? 2,
};
