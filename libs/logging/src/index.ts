export * from './context';
export * from './redact';
export * from './formats';
export * from './create-logger';
export * from './memory-transport';
export * from './nest-logger';
