import { resolve } from 'node:path';
import { LocalObjectStore } from './local-object-store';
import type { ObjectStore } from './object-store';

export interface ObjectStoreSettings {
  STORAGE_BACKEND: 'local' | 's3';
  STORAGE_LOCAL_ROOT: string;
}

/** The store a service's configuration asks for. */
export function createObjectStore(settings: ObjectStoreSettings): ObjectStore {
  if (settings.STORAGE_BACKEND === 's3') {
    throw new Error('STORAGE_BACKEND=s3 is not available yet; use STORAGE_BACKEND=local');
  }
  return new LocalObjectStore(resolve(settings.STORAGE_LOCAL_ROOT));
}
