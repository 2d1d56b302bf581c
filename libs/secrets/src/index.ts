export * from './keyring';
export * from './mask';
