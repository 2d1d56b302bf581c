/** Test support of the gateway's integration specs (never imported by the service itself). */
export * from './http';
export * from './accounts';
export * from './gateway';
export * from './stand-ins';
export * from './operations';
export * from './sse';
export * from './tus';
