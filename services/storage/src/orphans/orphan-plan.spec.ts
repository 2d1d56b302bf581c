import { objectsWithoutRecording, type Presence } from './orphan-plan';

const now = new Date('2026-01-10T12:00:00Z');
const old = new Date('2026-01-10T10:00:00Z');
const HOUR = 3_600_000;
const key = (user: string, recording: string, name = 'source.mp4') => `users/${user}/recordings/${recording}/${name}`;

describe('objects without a recording', () => {
  const recordings = new Map<string, Presence>([
    ['live', { userId: 'u1', deleteState: null }],
    ['soft', { userId: 'u1', deleteState: 'SOFT' }],
    ['purged', { userId: 'u1', deleteState: 'PURGED' }],
  ]);

  it('finds objects of unknown, foreign and purged recordings, and leaves live and restorable ones alone', () => {
    const objects = [
      { key: key('u1', 'live'), sizeBytes: 1, modifiedAt: old },
      { key: key('u1', 'soft'), sizeBytes: 2, modifiedAt: old },
      { key: key('u1', 'purged', 'audio.mp3'), sizeBytes: 3, modifiedAt: old },
      { key: key('u1', 'unknown'), sizeBytes: 4, modifiedAt: old },
      { key: key('u2', 'live'), sizeBytes: 5, modifiedAt: old },
      { key: 'users/u1/thumbnails/a.png', sizeBytes: 6, modifiedAt: old },
    ];
    expect(objectsWithoutRecording(objects, recordings, now, HOUR)).toEqual([
      { key: key('u1', 'purged', 'audio.mp3'), userId: 'u1', recordingId: 'purged', sizeBytes: '3', reason: 'RECORDING_PURGED' },
      { key: key('u1', 'unknown'), userId: 'u1', recordingId: 'unknown', sizeBytes: '4', reason: 'NO_RECORDING' },
      { key: key('u2', 'live'), userId: 'u2', recordingId: 'live', sizeBytes: '5', reason: 'NO_RECORDING' },
    ]);
  });

  it('does not judge objects younger than the minimum age: their recording may not be registered yet', () => {
    const fresh = new Date(now.getTime() - HOUR + 1);
    expect(objectsWithoutRecording([{ key: key('u1', 'unknown'), sizeBytes: 1, modifiedAt: fresh }], recordings, now, HOUR)).toEqual([]);
  });
});
