/**
 * Lint for the whole monorepo. The rule that matters most: module boundaries. A service may use
 * the shared libraries and its own code, never another service's; shared libraries never reach
 * into a service. Only the embedded composition (services/embedded) assembles every service.
 */
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const services = ['gateway', 'ingest', 'media-processing', 'transcription', 'publishing', 'storage', 'quota'];
const tests = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.serial-spec.ts', '**/test-support/**'];

function boundaries({ allowTesting = false, allow = [] } = {}) {
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allowCircularSelfDependency: false,
      allow,
      depConstraints: [
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
        ...services.map((s) => ({ sourceTag: `scope:${s}`, onlyDependOnLibsWithTags: [`scope:${s}`, 'scope:shared'] })),
        {
          sourceTag: 'type:lib',
          notDependOnLibsWithTags: allowTesting ? ['type:service', 'type:composition'] : ['type:testing', 'type:service', 'type:composition'],
        },
        { sourceTag: 'type:composition', onlyDependOnLibsWithTags: ['scope:shared', ...services.map((s) => `scope:${s}`)] },
      ],
    },
  ];
}

module.exports = [
  {
    ignores: ['**/node_modules/**', '**/dist/**', '.leap/**', 'tmp/**', 'coverage/**', 'libs/contracts/src/generated/**', '**/*.js', '**/*.mjs'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: { '@nx/enforce-module-boundaries': boundaries() },
  },
  { files: tests, rules: { '@nx/enforce-module-boundaries': boundaries({ allowTesting: true }) } },
  {
    // The embedded mode runs every service in one process: the one place allowed to import them all.
    files: ['services/embedded/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries({ allow: services.map((s) => `@leap/${s}-service`) }) },
  },
];
