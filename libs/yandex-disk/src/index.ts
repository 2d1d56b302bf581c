export * from './errors';
export * from './yandex-disk.client';
