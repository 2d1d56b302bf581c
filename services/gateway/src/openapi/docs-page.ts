import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Where the reference page and its assets are served, and the document it shows. */
export const DOCS_PATH = '/api/docs';
export const ASSETS_PATH = `${DOCS_PATH}/assets`;
export const DOCUMENT_PATH = '/api/v1/openapi.json';

/** The page: Swagger UI from the gateway itself (no CDN, works offline), showing this API's document. */
export const DOCS_PAGE_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>LEAP API reference</title>
    <link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${ASSETS_PATH}/swagger-ui-bundle.js" charset="utf-8"></script>
    <script src="${ASSETS_PATH}/leap-docs.js" charset="utf-8"></script>
  </body>
</html>
`;

/** Starts Swagger UI on the document; a separate file so the page needs no inline script. */
const INITIALIZER = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${DOCUMENT_PATH}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    layout: 'BaseLayout',
    presets: [SwaggerUIBundle.presets.apis],
    validatorUrl: null,
    withCredentials: true,
    displayRequestDuration: true,
  });
});
`;

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const PNG = 'image/png';
const MAP = 'application/json; charset=utf-8';

/** The only files served under the assets path: name → swagger-ui-dist file (or our own text), type. */
const ASSETS: Record<string, { contentType: string; file?: string; text?: string }> = {
  'swagger-ui.css': { contentType: CSS, file: 'swagger-ui.css' },
  'swagger-ui.css.map': { contentType: MAP, file: 'swagger-ui.css.map' },
  'swagger-ui-bundle.js': { contentType: JS, file: 'swagger-ui-bundle.js' },
  'swagger-ui-bundle.js.map': { contentType: MAP, file: 'swagger-ui-bundle.js.map' },
  'favicon-32x32.png': { contentType: PNG, file: 'favicon-32x32.png' },
  'favicon-16x16.png': { contentType: PNG, file: 'favicon-16x16.png' },
  'leap-docs.js': { contentType: JS, text: INITIALIZER },
};

/** The names the assets route answers. */
export const ASSET_NAMES = Object.keys(ASSETS).sort();

export interface DocsAsset {
  body: Buffer;
  contentType: string;
}

const loaded = new Map<string, Promise<DocsAsset>>();

/** An asset of the page, read from swagger-ui-dist once and kept; undefined for any other name. */
export function docsAsset(name: string): Promise<DocsAsset> | undefined {
  const spec = Object.hasOwn(ASSETS, name) ? ASSETS[name]! : undefined;
  if (!spec) return undefined;
  let asset = loaded.get(name);
  if (!asset) {
    const body = spec.file ? readFile(join(dirname(require.resolve('swagger-ui-dist/package.json')), spec.file)) : Promise.resolve(Buffer.from(spec.text!, 'utf8'));
    asset = body.then((bytes) => ({ body: bytes, contentType: spec.contentType }));
    // A failed read is not kept, so the next request tries again.
    asset.catch(() => loaded.delete(name));
    loaded.set(name, asset);
  }
  return asset;
}
