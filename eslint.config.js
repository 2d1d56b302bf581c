/**
 * Lint for the whole monorepo. The rule that matters most: module boundaries. A service may use
 * the shared libraries and its own code, never another service's; shared libraries never reach
 * into a service. Only the embedded composition (services/embedded) assembles every service.
 */
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const services = ['gateway', 'ingest', 'media-processing', 'transcription', 'publishing', 'storage', 'quota'];

function boundaries({ allow = [] } = {}) {
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allowCircularSelfDependency: false,
      // The test support builds on a few libraries (templates need persistence, fixtures need
      // media-tools) whose own tests then use the test support: a cycle through test files only.
      ignoredCircularDependencies: ['persistence', 'media-tools', 'config'].map((lib) => [lib, 'testing']),
      allow,
      depConstraints: [
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
        ...services.map((s) => ({ sourceTag: `scope:${s}`, onlyDependOnLibsWithTags: [`scope:${s}`, 'scope:shared'] })),
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
  {
    // The embedded mode runs every service in one process: the one place allowed to import them all.
    files: ['services/embedded/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries({ allow: services.map((s) => `@leap/${s}-service`) }) },
  },
];
