import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayService } from '@leap/gateway-service';
import { registeredProblemCodes } from '../services/gateway/src/common/problem-details';

const ROOT = join(__dirname, '..');
const api = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');

describe('docs/api.md', () => {
  it('lists every problem code the gateway can answer with, with its status', () => {
    // Loading the service definition loads every feature module and the codes they register.
    expect(gatewayService.name).toBe('gateway');
    const table = api.slice(api.indexOf('## Every problem code'));
    const documented = new Map([...table.matchAll(/^\| `([A-Z_]+(?:\.[A-Z_]+)?)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
    const missing = registeredProblemCodes().filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
    expect(documented.get('INTERNAL')).toBe(500);
  });

  it('covers authentication, errors, pagination, idempotency and rate limits, with curl examples', () => {
    for (const heading of ['## Authentication', '## Errors: problem details', '## Lists', '## Idempotency-Key', '## Rate limits', '## API keys', '## Sessions', '## Admin API']) {
      expect(api).toContain(heading);
    }
    expect((api.match(/curl /g) ?? []).length).toBeGreaterThan(20);
  });
});
