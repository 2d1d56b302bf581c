export * from './outbox-inbox.sql';
export * from './outbox-inbox.migration';
export * from './data-source';
export * from './migrate';
export * from './database-health';
export * from './after-commit';
export * from './exclusive-schedule';
