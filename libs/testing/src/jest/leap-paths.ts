import Module from 'node:module';
import { join, resolve } from 'node:path';

/**
 * Jest loads its global setup with Node's own resolver, which knows neither the tsconfig paths nor
 * the moduleNameMapper. This maps `@leap/<name>` to `libs/<name>/src/index.ts` the same way for
 * everything the global setup imports (Jest's transform compiles the TypeScript).
 */
const libs = resolve(__dirname, '../../../..');
const marker = Symbol.for('leap.paths.registered');
const loader = Module as unknown as {
  _resolveFilename(request: string, ...rest: unknown[]): string;
  [marker]?: boolean;
};

if (!loader[marker]) {
  loader[marker] = true;
  const original = loader._resolveFilename;
  loader._resolveFilename = function (request: string, ...rest: unknown[]): string {
    const service = /^@leap\/([a-z-]+)-service$/.exec(request);
    if (service) return original.call(this, join(libs, 'services', service[1]!, 'src', 'service.ts'), ...rest);
    const match = /^@leap\/([a-z-]+)$/.exec(request);
    return original.call(this, match ? join(libs, 'libs', match[1]!, 'src', 'index.ts') : request, ...rest);
  };
}
