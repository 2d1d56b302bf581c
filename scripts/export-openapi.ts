/**
 * `npm run openapi:export`: writes the gateway's OpenAPI 3.1 document to docs/openapi.json.
 *
 * How: the document is built from the gateway's real module graph, opened in Nest's preview mode
 * (modules, controllers and their decorators are scanned, no provider is instantiated), so no
 * database, broker, Redis or environment is needed and nothing is listening. It is exactly the
 * document the running gateway serves at GET /api/v1/openapi.json: the same generator over the
 * same controllers (openapi.int-spec.ts checks the two are equal). The output is deterministic:
 * paths sorted, no timestamps, `info.version` from the root package.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOfflineOpenApiDocument, serializeOpenApi } from '../services/gateway/src/openapi/offline-document';

export const OPENAPI_PATH = join(__dirname, '..', 'docs', 'openapi.json');

if (require.main === module) {
  buildOfflineOpenApiDocument()
    .then((document) => {
      mkdirSync(join(OPENAPI_PATH, '..'), { recursive: true });
      writeFileSync(OPENAPI_PATH, serializeOpenApi(document));
      process.stdout.write(`Wrote ${OPENAPI_PATH} (${Object.keys(document.paths).length} paths)\n`);
    })
    .catch((error: Error) => {
      process.stderr.write(`openapi:export failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    });
}
