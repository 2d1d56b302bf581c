/**
 * Tracing is a separate entry point (`@leap/platform/src/tracing`), not part of the platform's
 * index: it must be loaded before the modules it instruments, which the index loads.
 */
export * from './tracing';
export * from './run-traced-service';
export { flushSpans } from './flush';
