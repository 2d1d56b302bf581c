import type { ApiDocOptions } from '../common/api-doc';
import { RECORDING_HEADER, TUS_EXTENSIONS } from './resumable-uploads.service';

const TUS_RESUMABLE = { 'Tus-Resumable': { description: 'The tus version: `1.0.0`.', required: true, schema: { type: 'string', enum: ['1.0.0'] } } };
const ID = { id: 'The upload id (the last segment of the `Location` its creation answered).' };
const TUS_HEADERS_OUT = { 'Tus-Resumable': 'The tus version: `1.0.0`.' };

/** A tus request body: the next bytes of the file, nothing else. */
const BYTES = {
  contentType: 'application/offset+octet-stream',
  schema: { type: 'string', contentMediaType: 'application/octet-stream' },
  description: 'The next bytes of the file, starting at `Upload-Offset`. Any size; an interrupted PATCH keeps what arrived.',
};

export const discoverDoc: ApiDocOptions = {
  summary: 'Discover resumable uploads (tus)',
  description: 'tus 1.0 discovery: the versions, extensions and largest upload size the server takes. No body.',
  tag: 'Uploads',
  responses: {
    204: {
      description: 'The tus capabilities.',
      headers: {
        'Tus-Version': '`1.0.0`.',
        'Tus-Extension': `\`${TUS_EXTENSIONS.join(',')}\`.`,
        'Tus-Max-Size': 'The largest `Upload-Length` accepted (UPLOAD_MAX_BYTES).',
      },
    },
  },
};

export const createDoc: ApiDocOptions = {
  summary: 'Start a resumable upload (tus)',
  description:
    'tus 1.0 creation. Admission applies the rules of `POST /api/v1/recordings` to what the request announces: `Upload-Length` within UPLOAD_MAX_BYTES, ' +
    'a file name with a supported extension (and an audio or video `filetype`, if given), quota. The answer\'s `Location` is the upload; send the bytes ' +
    'with PATCH, resume after an interruption by asking HEAD where it stands. With `Content-Type: application/offset+octet-stream` the first bytes may ' +
    'come along (creation-with-upload). An unfinished upload expires after UPLOAD_RESUMABLE_EXPIRY (`Upload-Expires`).',
  tag: 'Uploads',
  headers: {
    ...TUS_RESUMABLE,
    'Upload-Length': { description: 'The size of the file in bytes (`Upload-Defer-Length` is not supported).', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
    'Upload-Metadata': {
      description: 'Comma-separated `key base64(value)` pairs: `filename` (or `name`, required), `filetype` (or `type`), `title` (default: the file name without its extension).',
      required: true,
    },
  },
  rawBody: { ...BYTES, description: 'Optional (creation-with-upload): the first bytes of the file.' },
  responses: {
    201: {
      description: 'The upload is created.',
      headers: { ...TUS_HEADERS_OUT, Location: 'The upload: `/api/v1/uploads/{id}`.', 'Upload-Expires': 'When the unfinished upload is removed.', 'Upload-Offset': 'With a first chunk: the bytes received.' },
    },
  },
  problems: {
    400: ['UPLOAD.EMPTY'],
    404: ['UPLOAD.NOT_FOUND'],
    412: ['UPLOAD.TUS_VERSION_UNSUPPORTED'],
    413: ['UPLOAD.TOO_LARGE'],
    415: ['UPLOAD.UNSUPPORTED_TYPE'],
    429: ['QUOTA.EXCEEDED'],
    503: ['QUOTA.UNAVAILABLE', 'UPLOAD.BUSY', 'UPLOAD.NOT_STORED'],
  },
};

export const statusDoc: ApiDocOptions = {
  summary: 'Where a resumable upload stands (tus)',
  description:
    `tus 1.0 HEAD: \`Upload-Offset\` is where to resume. A finished upload answers its full length and the recording it became (\`${RECORDING_HEADER}\`). ` +
    'No body (errors too: read the status and `Content-Type`).',
  tag: 'Uploads',
  params: ID,
  headers: TUS_RESUMABLE,
  responses: {
    200: {
      description: 'The upload.',
      headers: {
        ...TUS_HEADERS_OUT,
        'Upload-Offset': 'Bytes received so far.',
        'Upload-Length': 'The size of the file.',
        'Upload-Metadata': 'The metadata sent at creation.',
        [RECORDING_HEADER]: 'Once finished: the id of the recording it became.',
      },
    },
  },
  problems: { 404: ['UPLOAD.NOT_FOUND'], 410: ['UPLOAD.EXPIRED'], 412: ['UPLOAD.TUS_VERSION_UNSUPPORTED'], 415: ['UPLOAD.UNSUPPORTED_TYPE'], 503: ['UPLOAD.BUSY', 'UPLOAD.NOT_STORED'] },
};

export const appendDoc: ApiDocOptions = {
  summary: 'Send bytes of a resumable upload (tus)',
  description:
    'tus 1.0 PATCH: appends the body at `Upload-Offset`, which must be where the upload stands (HEAD says). When the last byte arrives the file is checked ' +
    `(its first bytes must be the container its name promises), stored and registered as a recording, as a direct upload is; \`${RECORDING_HEADER}\` names it.`,
  tag: 'Uploads',
  params: ID,
  headers: { ...TUS_RESUMABLE, 'Upload-Offset': { description: 'Where these bytes start: the offset HEAD answered.', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } } },
  rawBody: BYTES,
  responses: {
    204: {
      description: 'The bytes are stored.',
      headers: { ...TUS_HEADERS_OUT, 'Upload-Offset': 'Bytes received so far.', 'Upload-Expires': 'While unfinished: when it is removed.', [RECORDING_HEADER]: 'On the last PATCH: the new recording.' },
    },
  },
  problems: {
    404: ['UPLOAD.NOT_FOUND'],
    409: ['UPLOAD.ALREADY_COMPLETE', 'UPLOAD.OFFSET_MISMATCH'],
    410: ['UPLOAD.EXPIRED'],
    412: ['UPLOAD.TUS_VERSION_UNSUPPORTED'],
    413: ['UPLOAD.TOO_LARGE'],
    415: ['REQUEST.UNSUPPORTED_MEDIA_TYPE', 'UPLOAD.UNSUPPORTED_TYPE'],
    503: ['UPLOAD.BUSY', 'UPLOAD.NOT_STORED'],
  },
};

export const terminateDoc: ApiDocOptions = {
  summary: 'Cancel a resumable upload (tus)',
  description: 'tus 1.0 termination: the bytes received are deleted and the quota reserved for the upload is given back. A finished upload is a recording: delete that instead.',
  tag: 'Uploads',
  params: ID,
  headers: TUS_RESUMABLE,
  responses: { 204: { description: 'Cancelled; nothing of it is left.', headers: TUS_HEADERS_OUT } },
  problems: { 404: ['UPLOAD.NOT_FOUND'], 409: ['UPLOAD.ALREADY_COMPLETE'], 412: ['UPLOAD.TUS_VERSION_UNSUPPORTED'], 503: ['UPLOAD.BUSY'] },
};
