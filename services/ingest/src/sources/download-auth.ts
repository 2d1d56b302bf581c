import type { DownloadRecording } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import type { DataSource } from 'typeorm';
import type { SourceCredentialsRepository } from '../credentials/source-credentials.repository';
import type { DownloadAuthorizer } from '../download/http-original-fetcher';
import type { YandexDiskAccounts, YandexDiskLocator, YandexDiskSource } from './yandex-disk';
import type { ZoomClient } from './zoom/zoom.client';

/**
 * What a synced recording's download needs, looked up when the download runs from what its sync
 * kept with the recording's source (tokens never travel in the download command):
 * - a Zoom recording: the access token of the credential its sync listed it with;
 * - a Yandex Disk file: a fresh href (they expire within hours), asked for with the credential's
 *   token (a folder) or with none (a public link); the href itself needs no token.
 * Others need nothing.
 */
export function downloadAuthorizer(db: DataSource, credentials: SourceCredentialsRepository, zoom: ZoomClient, yandex: { disk: YandexDiskSource; accounts: YandexDiskAccounts }): DownloadAuthorizer {
  return async (cmd: DownloadRecording, signal?: AbortSignal) => {
    const rows: { credentialId: string | null; yandexDisk: YandexDiskLocator | null }[] = await db.query(
      `SELECT metadata->>'credentialId' AS "credentialId", metadata->'yandexDisk' AS "yandexDisk" FROM recording_sources WHERE recording_id = $1`,
      [cmd.recordingId],
    );
    const { credentialId = null, yandexDisk = null } = rows[0] ?? {};
    if (yandexDisk) {
      if (yandexDisk.publicUrl !== undefined) return { url: await yandex.disk.hrefOf(yandexDisk, undefined, signal) };
      if (!credentialId) throw new LeapError('SOURCE.CREDENTIAL_REQUIRED', 'A file of a Yandex Disk folder needs its credential to download', { status: 422, retryable: false });
      const credential = await yandex.accounts.credential(cmd.userId, credentialId);
      return { url: await yandex.accounts.use(credential, (account) => yandex.disk.hrefOf(yandexDisk, account, signal)) };
    }
    if (!credentialId) return {};
    const credential = await credentials.find(undefined, cmd.userId, credentialId);
    if (!credential || credential.platform !== 'zoom') return {};
    return { headers: { authorization: `Bearer ${await zoom.accessToken(credential)}` } };
  };
}
