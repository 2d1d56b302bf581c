export * from './outbox-inbox.sql';
export * from './outbox-inbox.migration';
export * from './data-source';
export * from './migrate';
export * from './transaction';
export * from './database-health';
