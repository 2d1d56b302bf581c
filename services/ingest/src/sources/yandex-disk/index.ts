export * from './yandex-disk-keys';
export * from './yandex-disk.source';
