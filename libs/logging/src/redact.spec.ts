import { isSensitiveKey, isSerializedError, redact, REDACTED, redactString, serializeError } from './redact';

describe('isSensitiveKey', () => {
  it.each([
    'password',
    'newPassword',
    'db_passwd',
    'secret',
    'clientSecret',
    'JWT_SECRET',
    'token',
    'accessToken',
    'refresh_token',
    'authorization',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'apiKey',
    'api_key',
    'API-KEY',
    'x-api-key',
    'api key',
    'apikey',
    'accessKey',
    'S3_ACCESS_KEY_ID',
    'access_key',
    'privateKey',
    'private_key',
  ])('treats %s as sensitive', (key) => {
    expect(isSensitiveKey(key)).toBe(true);
  });

  it.each(['userId', 'recordingId', 'message', 'passed', 'compass', 'keyName', 'status', 'url'])('leaves %s alone', (key) => {
    expect(isSensitiveKey(key)).toBe(false);
  });
});

describe('redactString', () => {
  it('hides bearer tokens', () => {
    expect(redactString('Authorization: Bearer eyJhbGciOi.J9.abc-_~+/= was sent')).toBe('Authorization: Bearer [REDACTED] was sent');
    expect(redactString('bearer abc123')).toBe('bearer [REDACTED]');
  });

  it('hides the password of URLs and keeps the rest', () => {
    expect(redactString('connecting to amqp://user:pass@host:5672/vhost')).toBe('connecting to amqp://user:[REDACTED]@host:5672/vhost');
    expect(redactString('postgres://leap:s3cr3t@db:5432/leap?sslmode=require')).toBe('postgres://leap:[REDACTED]@db:5432/leap?sslmode=require');
    expect(redactString('redis://:onlypass@cache:6379')).toBe('redis://:[REDACTED]@cache:6379');
    expect(redactString('postgres://db:5432/leap and http://user@host')).toBe('postgres://db:5432/leap and http://user@host');
  });

  it('hides sensitive query parameters and password pairs', () => {
    expect(redactString('GET https://s3.example.org/o?X-Amz-Credential=AK%2F1&X-Amz-Signature=abcdef&part=2')).toBe(
      'GET https://s3.example.org/o?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&part=2',
    );
    expect(redactString('https://api.example.org/cb?access_token=tok123&state=s')).toBe('https://api.example.org/cb?access_token=[REDACTED]&state=s');
    expect(redactString('host=db user=leap password=hunter2 dbname=leap')).toBe('host=db user=leap password=[REDACTED] dbname=leap');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Recording 0193 trimmed: 12 silences, 340 s removed';
    expect(redactString(text)).toBe(text);
  });
});

describe('redact', () => {
  it('replaces sensitive keys at any depth, in objects and arrays', () => {
    const input = {
      user: { id: 'u1', password: 'hunter2', profile: { apiKey: 'k', name: 'Ann' } },
      headers: { authorization: 'Bearer abc', cookie: 'sid=1', 'content-type': 'application/json' },
      tokens: [{ refresh_token: 'r' }, { kind: 'x' }],
      nothing: { secret: undefined, token: null },
    };
    expect(redact(input)).toEqual({
      user: { id: 'u1', password: REDACTED, profile: { apiKey: REDACTED, name: 'Ann' } },
      headers: { authorization: REDACTED, cookie: REDACTED, 'content-type': 'application/json' },
      tokens: REDACTED,
      nothing: { secret: undefined, token: null },
    });
  });

  it('redacts whole objects under sensitive keys', () => {
    expect(redact({ credentials: { privateKey: { pem: 'x' } }, secrets: { a: 1 } })).toEqual({ credentials: { privateKey: REDACTED }, secrets: REDACTED });
  });

  it('redacts strings inside values', () => {
    expect(redact({ url: 'amqp://guest:guest@mq', note: ['Bearer xyz'] })).toEqual({ url: `amqp://guest:${REDACTED}@mq`, note: [`Bearer ${REDACTED}`] });
  });

  it('does not change its input', () => {
    const input = { password: 'p', nested: { token: 't' } };
    redact(input);
    expect(input).toEqual({ password: 'p', nested: { token: 't' } });
  });

  it('serializes errors with name, message, stack, code, own fields and cause, redacted', () => {
    class UploadFailed extends Error {
      override name = 'UploadFailed';
      code = 'PUBLISHING.UPLOAD_FAILED';
      retryable = true;
      accessToken = 'ya29.token';
    }
    const cause = new Error('socket hang up calling https://u:pw@api.example.org');
    const error = new UploadFailed('upload rejected for Bearer abc.def', { cause });
    const result = redact({ error }) as { error: Record<string, unknown> };
    expect(result.error).toMatchObject({
      name: 'UploadFailed',
      message: `upload rejected for Bearer ${REDACTED}`,
      code: 'PUBLISHING.UPLOAD_FAILED',
      retryable: true,
      accessToken: REDACTED,
      cause: { name: 'Error', message: `socket hang up calling https://u:${REDACTED}@api.example.org` },
    });
    expect(result.error.stack).toEqual(expect.stringContaining('UploadFailed: upload rejected for Bearer [REDACTED]'));
    expect(isSerializedError(result.error)).toBe(true);
    expect(isSerializedError(result.error.cause)).toBe(true);
  });

  it('writes numeric codes and leaves out a missing code', () => {
    const numbered = Object.assign(new Error('x'), { code: 42 });
    expect(serializeError(numbered).code).toBe(42);
    expect(serializeError(new Error('y'))).not.toHaveProperty('code');
  });

  it('survives cycles, shared references, dates, buffers, bigints, maps and sets', () => {
    const shared = { id: 1 };
    const cyclic: Record<string, unknown> = { name: 'loop', a: shared, b: shared };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ name: 'loop', a: { id: 1 }, b: { id: 1 }, self: '[Circular]' });
    expect(
      redact({
        at: new Date('2025-01-02T03:04:05.000Z'),
        bytes: Buffer.from('abc'),
        big: 10n,
        map: new Map([['password', 'p'], ['k', 'v']]),
        set: new Set(['Bearer t']),
      }),
    ).toEqual({ at: '2025-01-02T03:04:05.000Z', bytes: '[Buffer 3 bytes]', big: '10', map: { password: REDACTED, k: 'v' }, set: [`Bearer ${REDACTED}`] });
  });

  it('cuts very deep nesting', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i++) deep = { child: deep };
    expect(JSON.stringify(redact(deep))).toContain('[Truncated]');
  });
});
