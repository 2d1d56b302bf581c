import type { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

export type { IsolationLevel };

/**
 * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws (the error
 * is rethrown). Everything that must commit together (a state change, its outbox rows, an inbox
 * record) goes through the `manager` it receives.
 */
export function withTransaction<T>(
  dataSource: DataSource,
  fn: (manager: EntityManager) => Promise<T>,
  options: { isolationLevel?: IsolationLevel } = {},
): Promise<T> {
  return options.isolationLevel ? dataSource.transaction(options.isolationLevel, fn) : dataSource.transaction(fn);
}
