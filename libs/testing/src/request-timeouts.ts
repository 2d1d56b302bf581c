/**
 * How long services started by a test wait for each other's answers. The services' own defaults
 * (a few seconds) suit a production cluster; a test machine running many suites at once can
 * stall a whole process for longer than that, and a request that times out there fails the
 * test for no fault of the code. A wait that gets its answer returns at once, so a generous
 * limit costs nothing; a test about a silent service sets its own short value.
 */
export const TEST_REQUEST_TIMEOUTS: Readonly<Record<string, string>> = {
  QUOTA_REQUEST_TIMEOUT: '60s',
  INGEST_REQUEST_TIMEOUT: '60s',
  PUBLISHING_REQUEST_TIMEOUT: '60s',
  STORAGE_REQUEST_TIMEOUT: '60s',
  JOBS_REQUEST_TIMEOUT: '60s',
  PRESET_LOOKUP_TIMEOUT: '60s',
  ORPHAN_LOOKUP_TIMEOUT: '60s',
};
