import { CreateQuota1767225600000 } from './1767225600000-create-quota.migration';

/** The migrations of the quota schema, in order. */
export const quotaMigrations = [CreateQuota1767225600000];
