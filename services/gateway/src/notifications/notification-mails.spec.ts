import { quotaWarningMail } from './notification-mails';

describe('quota warning mails', () => {
  const warning = (metric: string, used: number, thresholdPercent: number) => quotaWarningMail('ada@example.org', { metric, used, limit: 10, thresholdPercent, period: '2026-12' }, 'https://leap.example/unsubscribe');

  it.each([
    ['QUOTA_METRIC_PROCESSING', 'Limit reached: processing runs this month', 'You have used 10 runs of 10 runs', 'New recordings wait, paused, and runs you start are refused'],
    ['QUOTA_METRIC_TRANSCRIPTIONS', 'Limit reached: transcriptions this month', 'You have used 10 transcriptions of 10 transcriptions', 'Transcriptions are refused until the next period starts'],
    ['QUOTA_METRIC_RECORDINGS', 'Limit reached: recordings this month', 'You have used 10 recordings of 10 recordings', 'New recordings are refused until the next period starts'],
  ])('says what the limit reached of %s means', (metric, subject, usage, consequence) => {
    const mail = warning(metric, 10, 100);
    expect(mail.subject).toBe(subject);
    expect(mail.text).toContain(usage);
    expect(mail.text).toContain(consequence);
  });

  it('says what comes at the limit when a share of it is used', () => {
    const mail = warning('QUOTA_METRIC_PROCESSING', 8, 80);
    expect(mail.subject).toBe('80 % used: processing runs this month');
    expect(mail.text).toContain('Once the limit is reached, new recordings wait, paused, until the next period.');
  });
});
