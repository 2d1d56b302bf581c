import { SetMetadata } from '@nestjs/common';

export const STREAMED_BODY = 'leap:streamed-body';

/**
 * The handler reads the request stream itself (a multipart upload): the gateway leaves the body
 * alone instead of reading it as JSON. Every other route takes JSON only.
 */
export const StreamedBody = (mediaType: string) => SetMetadata(STREAMED_BODY, mediaType);
