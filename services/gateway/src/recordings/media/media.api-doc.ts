import { z } from 'zod';
import type { ApiDocOptions } from '../../common/api-doc';
import { ID_PARAM } from '../recordings.api-doc';
import { MEDIA_TYPES } from './media.service';
import { MEDIA_URL_DEFAULT_SECONDS, MEDIA_URL_MAX_SECONDS } from './media-url.signer';

export const mediaUrlQuerySchema = z.object({
  type: z.enum(Object.keys(MEDIA_TYPES) as ['original', 'processed']).describe('`original`: the file as uploaded or downloaded; `processed`: the trimmed video.'),
  expires_in: z.coerce
    .number()
    .int()
    .optional()
    .describe(`How long the URL works, in seconds: 1 to ${MEDIA_URL_MAX_SECONDS} (7 days); default ${MEDIA_URL_DEFAULT_SECONDS}.`),
});

export const mediaUrlSchema = z.object({
  url: z.string().url().describe('Fetch it with a plain GET, no credential; it supports `Range`. With S3 it is a presigned S3 URL, otherwise a signed gateway URL.'),
  expiresIn: z.number().int().describe('Seconds the URL stays valid from now.'),
});

export const mediaDownloadQuerySchema = z.object({
  expires: z.string().describe('When the URL stops working, in seconds since the epoch (signed).'),
  signature: z.string().describe('HMAC-SHA256 over the path and `expires`, base64url.'),
});

export const mediaUrlDoc: ApiDocOptions = {
  summary: 'Get a media URL',
  description:
    'A short-lived URL to play or download the original or processed media of the recording, for a `<video>` element or a download. ' +
    'With the S3 backend it is a presigned S3 URL; with local storage a gateway URL (`/api/v1/media/...`) signed with an HMAC over its path and expiry. ' +
    'Either refuses a changed or expired URL and supports `Range` requests.',
  params: ID_PARAM,
  query: mediaUrlQuerySchema,
  responses: { 200: { description: 'The URL and its lifetime.', schema: mediaUrlSchema } },
  problems: { 404: ['ARTIFACT.NOT_READY', 'RECORDING.NOT_FOUND'], 422: ['MEDIA.EXPIRES_IN_OUT_OF_RANGE'] },
};

export const mediaDownloadDoc: ApiDocOptions = {
  summary: 'Download media through a signed URL',
  description:
    'Serves what a signed media URL names (as answered by `GET /api/v1/recordings/{id}/media` with local storage). No credential: the signature is the permission, ' +
    'bound to the path and the expiry. Honours `Range: bytes=...` (206 with `Content-Range`) so players can seek.',
  tag: 'Recordings',
  params: { token: 'The object the URL was signed for (opaque).' },
  query: mediaDownloadQuerySchema,
  responses: {
    200: { description: 'The whole media.', contentType: 'application/octet-stream', headers: { 'Accept-Ranges': 'bytes', ETag: 'The SHA-256 of the content, when known.' } },
    206: { description: 'The asked range.', contentType: 'application/octet-stream', headers: { 'Content-Range': 'bytes <start>-<end>/<size>', 'Accept-Ranges': 'bytes' } },
  },
  problems: { 403: ['MEDIA.URL_EXPIRED', 'MEDIA.URL_INVALID'], 404: ['ARTIFACT.NOT_READY'], 416: ['MEDIA.RANGE_NOT_SATISFIABLE'] },
};
