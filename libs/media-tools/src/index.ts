export * from './errors';
export * from './binaries';
export * from './progress';
export * from './process';
export * from './probe';
export * from './silence';
export * from './work-dirs';
