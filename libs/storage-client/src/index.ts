export * from './keys';
export * from './object-store';
export * from './local-object-store';
export * from './create-object-store';
