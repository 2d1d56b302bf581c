import { CE_PREFIX, HEADER, type WireMessage } from './envelope';
import { describeParked, faultFingerprint, groupParked, parseParkedId, summaryOf, DELIVERY_LIMIT_FAULT } from './dead-letters';
import { replayedCopy } from './parking-lot';

const parked = (messageId: string, type: string, faultHeaders: Record<string, string | number>): WireMessage => ({
  messageId,
  type,
  contentType: 'application/json',
  timestamp: Date.parse('2026-03-01T10:00:00Z'),
  headers: { [`${CE_PREFIX}type`]: type, [`${CE_PREFIX}subject`]: 'rec-1', ...faultHeaders },
  body: Buffer.from(JSON.stringify({ recordingId: 'rec-1' })),
});

const fault = (code: string, message: string, failedAt: string) => ({
  [HEADER.faultCode]: code,
  [HEADER.faultType]: 'LeapError',
  [HEADER.faultMessage]: message,
  [HEADER.faultStack]: 'LeapError: ...',
  [HEADER.faultedAt]: failedAt,
  [HEADER.faultRetryCount]: 3,
});

describe('dead letters, as operators see them', () => {
  it('takes ids, numbers and quoted values out of a fault message so that one fault makes one group', () => {
    expect(faultFingerprint('Recording 01950000-0000-7000-8000-0000000000aa not found after 3 tries')).toBe('Recording <id> not found after <n> tries');
    expect(faultFingerprint('Bad key "users/a/b.mp4" (size 12.5)')).toBe('Bad key <value> (size <n>)');
  });

  it('groups by queue, type and fault, counts them and keeps first and last seen', () => {
    const messages = [
      parked('m1', 'media.recording.trim.v1', fault('MEDIA.FFMPEG', 'ffmpeg exited with 1 for 01950000-0000-7000-8000-000000000001', '2026-03-01T10:00:02Z')),
      parked('m2', 'media.recording.trim.v1', fault('MEDIA.FFMPEG', 'ffmpeg exited with 1 for 01950000-0000-7000-8000-000000000002', '2026-03-01T10:00:01Z')),
      parked('m3', 'media.recording.trim.v1', fault('MEDIA.STORAGE', 'object missing', '2026-03-01T10:00:03Z')),
    ].map((m) => summaryOf(describeParked('media.trim', 'error', m)));
    const groups = groupParked(messages);
    expect(groups).toHaveLength(2);
    expect(groups[0]).toMatchObject({
      queue: 'media.trim',
      source: 'error',
      code: 'MEDIA.FFMPEG',
      count: 2,
      firstSeen: '2026-03-01T10:00:01Z',
      lastSeen: '2026-03-01T10:00:02Z',
      messageIds: ['m1', 'm2'],
    });
    expect(groups[1]).toMatchObject({ code: 'MEDIA.STORAGE', count: 1 });
    expect(messages[0]!.group).toBe(messages[1]!.group);
  });

  it('files a dead letter, which has no fault headers, under the delivery limit', () => {
    const detail = describeParked('media.trim', 'dlq', parked('m1', 'media.recording.trim.v1', {}));
    expect(detail.id).toBe('media.trim.dlq:m1');
    expect(detail.fault.code).toBe(DELIVERY_LIMIT_FAULT);
    expect(detail.payload).toEqual({ recordingId: 'rec-1' });
  });

  it('reads a parked id back into queue, source and message id', () => {
    expect(parseParkedId('ingest.pipeline.error:0195-a')).toEqual({ queue: 'ingest.pipeline', source: 'error', messageId: '0195-a' });
    expect(parseParkedId('media.trim.dlq:x')).toEqual({ queue: 'media.trim', source: 'dlq', messageId: 'x' });
    expect(parseParkedId('media.trim:x')).toBeUndefined();
  });

  it('replays a message without its fault headers and retry count, with the replay recorded on it', () => {
    const message = parked('m1', 't.v1', { ...fault('X.Y', 'boom', '2026-03-01T10:00:00Z'), [HEADER.retryCount]: 3, [HEADER.replayCount]: 1 });
    const copy = replayedCopy(message, new Date('2026-03-02T00:00:00Z'));
    expect(Object.keys(copy.headers).filter((k) => k.startsWith('x-fault-') || k === HEADER.retryCount)).toEqual([]);
    expect(copy.headers[HEADER.replayCount]).toBe(2);
    expect(copy.headers[HEADER.replayedAt]).toBe('2026-03-02T00:00:00.000Z');
    expect(copy.body).toBe(message.body);
  });
});
