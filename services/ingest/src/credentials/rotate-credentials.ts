import { rotateAll, type Keyring, type RotationReport } from '@leap/secrets';
import type { SourceCredentialsRepository } from './source-credentials.repository';

const PAGE = 200;

/**
 * Re-seals every source credential that is not sealed with the keyring's active key, a page at a
 * time. A value whose key is gone is reported and left as it is; a value changed meanwhile (a
 * token refresh) is not overwritten.
 */
export async function rotateSourceCredentials(repository: Pick<SourceCredentialsRepository, 'sealedPage' | 'writeSealed'>, keyring: Keyring): Promise<RotationReport> {
  let after: string | null = null;
  return rotateAll(keyring, async () => {
    const page = await repository.sealedPage(after, PAGE);
    if (page.length > 0) after = page[page.length - 1].id;
    return page.map((row) => ({
      value: row.sealedData,
      context: `credential:${row.id}`,
      write: (next: string) => repository.writeSealed(row.id, row.sealedData, next),
    }));
  });
}
