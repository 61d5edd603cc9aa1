import { ServiceError, describeErrorAnswer, displayUrl, networkReason } from './service-error';

describe('describeErrorAnswer', () => {
  it('reads an RFC 9457 problem: status, code and detail', () => {
    const body = JSON.stringify({ type: 'urn:x', title: 'Conflict', status: 409, code: 'IDEMPOTENCY_CONFLICT', detail: 'Same key,\nother body' });
    expect(describeErrorAnswer(409, 'Conflict', body)).toEqual({
      code: 'IDEMPOTENCY_CONFLICT',
      text: 'HTTP 409 IDEMPOTENCY_CONFLICT: Same key, other body',
    });
  });

  it('reads the code of an S3 XML error', () => {
    const xml = '<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message></Error>';
    expect(describeErrorAnswer(403, 'Forbidden', xml)).toEqual({ code: 'SignatureDoesNotMatch', text: 'HTTP 403 SignatureDoesNotMatch: Forbidden' });
  });

  it('falls back to the status text for anything else', () => {
    expect(describeErrorAnswer(502, 'Bad Gateway', '<html>proxy</html>')).toEqual({ text: 'HTTP 502: Bad Gateway' });
  });
});

describe('ServiceError.transient', () => {
  it.each([
    [undefined, true],
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [501, false],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
    [422, false],
  ])('status %s: %s', (status, transient) => {
    expect(new ServiceError('x', status).transient).toBe(transient);
  });
});

describe('displayUrl', () => {
  it('drops credentials, query (presigned signatures) and fragment', () => {
    expect(displayUrl('https://user:pw@s3.example.com/bucket/key.bin?X-Amz-Signature=abc#f')).toBe('https://s3.example.com/bucket/key.bin');
    expect(displayUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(displayUrl('not a url')).toBe('(invalid URL)');
  });
});

describe('networkReason', () => {
  it("prefers the socket error Node's fetch wraps as cause", () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(networkReason(new TypeError('fetch failed', { cause }))).toBe('connect ECONNREFUSED 127.0.0.1:9');
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(networkReason(new TypeError('fetch failed', { cause: reset }))).toBe('UND_ERR_SOCKET: other side closed');
    expect(networkReason(new Error('timeout'))).toBe('timeout');
  });
});
