import { z } from 'zod';

export const thumbnailSchema = z.object({
  name: z.string().describe('The file name, e.g. `lecture.png`; the key is `users/<your id>/thumbnails/<name>`.'),
  url: z.string().describe('Where the image is: `/api/v1/thumbnails/{name}`.'),
  isTemplate: z.boolean().describe('`true` for an image of the shared library you have no copy of (served as the fallback).'),
  sizeBytes: z.number().int(),
  contentType: z.enum(['image/png', 'image/jpeg']),
  modifiedAt: z.string().describe('RFC 3339.'),
});

export const thumbnailListSchema = z.object({ thumbnails: z.array(thumbnailSchema).describe('Your thumbnails by name, then the shared ones you have no copy of.') });

export const thumbnailAnswerSchema = z.object({ message: z.string(), thumbnail: thumbnailSchema });

export const thumbnailQuerySchema = z.object({
  use_template: z
    .enum(['true', 'false'])
    .optional()
    .describe('`false`: only your copy, no fallback to the shared library. Default `true`.'),
});

const IMAGE_FILE = { type: 'string', format: 'binary', description: 'A PNG or JPEG image of at most 2 MB (2097152 bytes), recognised by its content; the file name ends in .png, .jpg or .jpeg.' };

export const createThumbnailBody = {
  contentType: 'multipart/form-data',
  schema: {
    type: 'object',
    required: ['file'],
    properties: {
      file: IMAGE_FILE,
      custom_filename: {
        type: 'string',
        description: 'The name to keep it under, without extension (one given is dropped): 1 to 100 letters, digits, `-` or `_`. Default: the file name, other characters made `_`.',
      },
    },
  },
};

export const replaceThumbnailBody = {
  contentType: 'multipart/form-data',
  schema: { type: 'object', required: ['file'], properties: { file: IMAGE_FILE } },
};

export const NAME_PARAM = { name: 'The thumbnail\'s file name, e.g. `lecture.png`.' };
