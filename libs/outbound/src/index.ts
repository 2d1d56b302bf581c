export * from './ip-address';
export * from './address-class';
export * from './errors';
export * from './outbound-policy';
export * from './outbound-http';
export * from './guarded-proxy';
