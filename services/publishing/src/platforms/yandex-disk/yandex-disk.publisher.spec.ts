import { YandexDiskError } from '@leap/yandex-disk';
import { asPublishingError, transcriptText } from './yandex-disk.publisher';

describe('Yandex Disk failures in publishing terms', () => {
  it('marks a revoked account, retries rate limits and outages, and refuses the rest at once', () => {
    expect(asPublishingError(new YandexDiskError('revoked', 'refresh refused', 'invalid_grant'))).toMatchObject({
      code: 'PUBLISHING.CREDENTIAL_REVOKED',
      retryable: false,
      details: { needsReauth: true },
    });
    expect(asPublishingError(new YandexDiskError('rate_limited', 'slow down', 'TooManyRequestsError', { retryAfterSeconds: 120 }))).toMatchObject({
      code: 'PUBLISHING.RATE_LIMITED',
      retryable: true,
      details: { retryAfterSeconds: 120 },
    });
    expect(asPublishingError(new YandexDiskError('unavailable', 'down', 'ServiceUnavailableError'))).toMatchObject({ code: 'PUBLISHING.PLATFORM_ERROR', retryable: true });
    for (const failure of ['no_space', 'rejected', 'not_found'] as const) {
      expect(asPublishingError(new YandexDiskError(failure, 'no'))).toMatchObject({ code: 'PUBLISHING.PLATFORM_REJECTED', retryable: false });
    }
    const other = new Error('not ours');
    expect(asPublishingError(other)).toBe(other);
  });
});

describe('transcriptText', () => {
  it('writes a line per segment with its start time, hours when there are any', () => {
    const master = JSON.stringify({ segments: [{ start: 3.7, text: ' Добрый день. ' }, { start: 3725, text: 'Итоги.' }] });
    expect(transcriptText(master)).toBe('[0:03] Добрый день.\n[1:02:05] Итоги.\n');
  });
});
