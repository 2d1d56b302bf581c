import { CreateQuota1767225600000 } from './1767225600000-create-quota.migration';
import { QuotaWarnings1767860000000 } from './1767860000000-quota-warnings.migration';
import { AutomationLimitOverrides1767900000000 } from './1767900000000-automation-limit-overrides.migration';
import { TranscriptionUsage1767950000000 } from './1767950000000-transcription-usage.migration';
import { ProcessingUsage1767970000000 } from './1767970000000-processing-usage.migration';

/** The migrations of the quota schema, in order. */
export const quotaMigrations = [CreateQuota1767225600000, QuotaWarnings1767860000000, AutomationLimitOverrides1767900000000, TranscriptionUsage1767950000000, ProcessingUsage1767970000000];
