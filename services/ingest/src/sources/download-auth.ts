import type { DownloadRecording } from '@leap/contracts';
import type { DataSource } from 'typeorm';
import type { SourceCredentialsRepository } from '../credentials/source-credentials.repository';
import type { ZoomClient } from './zoom/zoom.client';

/**
 * The headers a recording's download needs: a Zoom recording's is the access token of the
 * credential its sync listed it with, fetched when the download runs (tokens never travel in
 * the download command). Others need none.
 */
export function downloadAuthorizer(db: DataSource, credentials: SourceCredentialsRepository, zoom: ZoomClient) {
  return async (cmd: DownloadRecording): Promise<Record<string, string>> => {
    const rows: { credentialId: string | null }[] = await db.query(`SELECT metadata->>'credentialId' AS "credentialId" FROM recording_sources WHERE recording_id = $1`, [cmd.recordingId]);
    const credentialId = rows[0]?.credentialId;
    if (!credentialId) return {};
    const credential = await credentials.find(undefined, cmd.userId, credentialId);
    if (!credential || credential.platform !== 'zoom') return {};
    return { authorization: `Bearer ${await zoom.accessToken(credential)}` };
  };
}
