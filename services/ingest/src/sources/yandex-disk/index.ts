export * from './yandex-disk-accounts';
export * from './yandex-disk-keys';
export * from './yandex-disk.adapter';
export * from './yandex-disk.source';
