import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { LeapError } from '@leap/messaging';
import { OBJECT_STORE, SERVICE_CONFIG } from '@leap/platform';
import { parseRecordingKey, type ObjectStore } from '@leap/storage-client';
import type { GatewayConfig } from '../../config/config.schema';
import { registerProblemTitles } from '../../common/problem-details';
import { isUuid } from '../../common/validation';
import { RecordingsRepository, type RecordingRow } from '../recordings.repository';
import { recordingNotFound } from '../problems';
import { openRanged, type RangedDownload } from './ranged-download';
import { MEDIA_URL_DEFAULT_SECONDS, MEDIA_URL_MAX_SECONDS, MediaUrlSigner } from './media-url.signer';

registerProblemTitles({
  'MEDIA.URL_INVALID': 'The media URL is not valid',
  'MEDIA.URL_EXPIRED': 'The media URL has expired',
  'MEDIA.EXPIRES_IN_OUT_OF_RANGE': 'The lifetime asked for is out of range',
  'MEDIA.RANGE_NOT_SATISFIABLE': 'The range starts past the end of the media',
});

/** `original`: the file as it came in; `processed`: the trimmed video. */
export const MEDIA_TYPES = { original: 'source', processed: 'video' } as const;
export type MediaType = keyof typeof MEDIA_TYPES;

export type MediaDownload = RangedDownload;

function artifactNotReady(id: string, type: string): LeapError {
  return new LeapError('ARTIFACT.NOT_READY', `The ${type} media of recording ${id} is not ready yet`, { status: 404 });
}

/**
 * Media URLs of a recording: an S3 presigned URL when the store can sign one, else a gateway URL
 * signed with an HMAC over its path and expiry, served here with HTTP Range so players can seek.
 */
@Injectable()
export class MediaService {
  private readonly signer: MediaUrlSigner;

  constructor(
    private readonly recordings: RecordingsRepository,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {
    const secret = config.MEDIA_URL_SECRET
      ? Buffer.from(config.MEDIA_URL_SECRET, 'utf8')
      : createHmac('sha256', config.JWT_SECRET).update('leap:media-urls').digest();
    this.signer = new MediaUrlSigner(secret);
  }

  /** `{url, expiresIn}` for the caller's recording; 404 for anyone else's or when the media is not there. */
  async mediaUrl(userId: string, id: string, type: MediaType, expiresIn: number = MEDIA_URL_DEFAULT_SECONDS): Promise<{ url: string; expiresIn: number }> {
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MEDIA_URL_MAX_SECONDS) {
      throw new LeapError('MEDIA.EXPIRES_IN_OUT_OF_RANGE', `expires_in must be a whole number of seconds from 1 to ${MEDIA_URL_MAX_SECONDS} (7 days)`, {
        status: 422,
        details: { errors: [{ field: 'expires_in', message: `must be 1-${MEDIA_URL_MAX_SECONDS}` }] },
      });
    }
    const row = isUuid(id) ? await this.recordings.findOwned(userId, id) : undefined;
    if (!row) throw recordingNotFound(id);
    return this.urlFor(row, type, expiresIn);
  }

  /** `{url, expiresIn}` for the media of `row`, whoever asks (the caller checked they may). */
  async urlFor(row: RecordingRow, type: MediaType, expiresIn: number): Promise<{ url: string; expiresIn: number }> {
    const { id, userId } = row;
    const ref = row.artifacts[MEDIA_TYPES[type]];
    const place = ref && parseRecordingKey(ref.key);
    if (!ref || !place || place.userId !== userId || place.recordingId !== id || !(await this.store.exists(ref.key))) throw artifactNotReady(id, type);
    const ext = ref.key.split('.').pop() ?? 'bin';
    const downloadName = `${(row.title ?? id).replace(/[^\p{L}\p{N} ._-]+/gu, '_').slice(0, 100) || id}.${ext}`;
    const url = this.store.presignedGetUrl
      ? await this.store.presignedGetUrl(ref.key, expiresIn, { downloadName })
      : `${this.config.PUBLIC_BASE_URL.replace(/\/$/, '')}${this.signer.sign(ref.key, expiresIn)}`;
    return { url, expiresIn };
  }

  /** The object a signed gateway URL names, whole or the asked range; 403 for an altered or expired URL. */
  async open(token: string, expires: unknown, signature: unknown, range: string | undefined): Promise<MediaDownload> {
    const key = this.signer.verify(token, expires, signature);
    return openRanged(this.store, key, range, () => new LeapError('ARTIFACT.NOT_READY', 'The media is no longer there', { status: 404 }), 'media');
  }
}
