/** One bad or missing key. `message` never contains the value of a secret. */
export interface ConfigIssue {
  key: string;
  message: string;
}

/** Thrown by `loadConfig` with every problem found, one per line. */
export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';
  readonly code = 'CONFIG.INVALID';

  constructor(
    readonly service: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(formatIssues(service, issues));
  }
}

function formatIssues(service: string, issues: readonly ConfigIssue[]): string {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return [`Invalid configuration for ${service} (${count}):`, ...issues.map((issue) => `  - ${issue.key}: ${issue.message}`)].join('\n');
}
