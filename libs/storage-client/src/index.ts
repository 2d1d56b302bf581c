export * from './keys';
export * from './object-store';
export * from './local-object-store';
export * from './s3-object-store';
export * from './create-object-store';
export * from './checksum-meter';
export * from './user-input';
