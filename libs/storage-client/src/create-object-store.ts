import { resolve } from 'node:path';
import { LocalObjectStore } from './local-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

export interface ObjectStoreSettings {
  STORAGE_BACKEND: 'local' | 's3';
  STORAGE_LOCAL_ROOT: string;
  S3_BUCKET?: string;
  S3_REGION?: string;
  S3_ENDPOINT?: string;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
  S3_PREFIX?: string;
  S3_FORCE_PATH_STYLE?: boolean;
  S3_PUBLIC_ENDPOINT?: string;
  S3_PART_SIZE?: number;
  S3_UPLOAD_CONCURRENCY?: number;
}

/** The store a service's configuration asks for (the config schema has already required the S3 keys for `s3`). */
export function createObjectStore(settings: ObjectStoreSettings): ObjectStore {
  if (settings.STORAGE_BACKEND === 's3') {
    const missing = (['S3_BUCKET', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).filter((k) => !settings[k]);
    if (missing.length) throw new Error(`STORAGE_BACKEND=s3 needs ${missing.join(', ')}`);
    return new S3ObjectStore({
      bucket: settings.S3_BUCKET!,
      region: settings.S3_REGION!,
      endpoint: settings.S3_ENDPOINT,
      accessKeyId: settings.S3_ACCESS_KEY_ID!,
      secretAccessKey: settings.S3_SECRET_ACCESS_KEY!,
      prefix: settings.S3_PREFIX,
      forcePathStyle: settings.S3_FORCE_PATH_STYLE,
      publicEndpoint: settings.S3_PUBLIC_ENDPOINT,
      partSize: settings.S3_PART_SIZE,
      queueSize: settings.S3_UPLOAD_CONCURRENCY,
    });
  }
  return new LocalObjectStore(resolve(settings.STORAGE_LOCAL_ROOT));
}
