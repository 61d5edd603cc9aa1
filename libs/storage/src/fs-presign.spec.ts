import { ErrorCode } from '@fleetsign/errors';
import { FS_OBJECT_ROUTE, signFsObjectUrl, verifyFsPresignedUrl } from './fs-presign';

const SECRET = 'test-secret-0123456789abcdef-0123456789';
const BASE = 'https://fleetsign.example/api';
const NOW = new Date('2025-06-01T12:00:00Z');
const EXPIRES = Math.floor(NOW.getTime() / 1000) + 600;

function forbidden(): ReturnType<typeof expect.objectContaining> {
  return expect.objectContaining({ code: ErrorCode.Forbidden });
}

describe('fs presigned URLs', () => {
  const key = 'uploads/acme/fw v1 (ü).bin';

  it('round-trips a GET grant, accepting HEAD too', () => {
    const url = signFsObjectUrl(BASE, SECRET, { method: 'GET', key, expires: EXPIRES });
    expect(url.startsWith(`${BASE}${FS_OBJECT_ROUTE}uploads/acme/`)).toBe(true);
    const grant = verifyFsPresignedUrl(url, { method: 'GET', secret: SECRET, now: NOW });
    expect(grant).toEqual({ method: 'GET', key, expiresAt: new Date(EXPIRES * 1000) });
    expect(verifyFsPresignedUrl(url, { method: 'HEAD', secret: SECRET, now: NOW }).key).toBe(key);
  });

  it('accepts the path and query alone, as a route sees them', () => {
    const url = new URL(signFsObjectUrl(BASE, SECRET, { method: 'GET', key, expires: EXPIRES }));
    const pathAndQuery = url.pathname.replace('/api', '') + url.search;
    expect(verifyFsPresignedUrl(pathAndQuery, { method: 'GET', secret: SECRET, now: NOW }).key).toBe(key);
  });

  it('carries PUT constraints', () => {
    const url = signFsObjectUrl(BASE, SECRET, {
      method: 'PUT',
      key,
      expires: EXPIRES,
      maxBytes: 4096,
      contentType: 'application/octet-stream',
    });
    expect(verifyFsPresignedUrl(url, { method: 'PUT', secret: SECRET, now: NOW })).toEqual({
      method: 'PUT',
      key,
      expiresAt: new Date(EXPIRES * 1000),
      maxBytes: 4096,
      contentType: 'application/octet-stream',
    });
  });

  it('refuses an expired URL', () => {
    const url = signFsObjectUrl(BASE, SECRET, { method: 'GET', key, expires: EXPIRES });
    expect(() =>
      verifyFsPresignedUrl(url, { method: 'GET', secret: SECRET, now: new Date(EXPIRES * 1000) }),
    ).toThrow(forbidden());
  });

  it('refuses the other method', () => {
    const url = signFsObjectUrl(BASE, SECRET, { method: 'GET', key, expires: EXPIRES });
    expect(() => verifyFsPresignedUrl(url, { method: 'PUT', secret: SECRET, now: NOW })).toThrow(forbidden());
    expect(() => verifyFsPresignedUrl(url, { method: 'DELETE', secret: SECRET, now: NOW })).toThrow(
      forbidden(),
    );
  });

  it('refuses another secret', () => {
    const url = signFsObjectUrl(BASE, SECRET, { method: 'GET', key, expires: EXPIRES });
    expect(() => verifyFsPresignedUrl(url, { method: 'GET', secret: `${SECRET}x`, now: NOW })).toThrow(
      forbidden(),
    );
  });

  it.each([
    ['key', (u: URL) => (u.pathname = u.pathname.replace('acme', 'evil'))],
    ['expires', (u: URL) => u.searchParams.set('expires', String(EXPIRES + 3600))],
    ['max', (u: URL) => u.searchParams.set('max', '999999999')],
    ['dropped max', (u: URL) => u.searchParams.delete('max')],
    ['content type', (u: URL) => u.searchParams.set('ct', 'text/html')],
    ['signature', (u: URL) => u.searchParams.set('sig', 'AAAA')],
    ['missing signature', (u: URL) => u.searchParams.delete('sig')],
    ['malformed expires', (u: URL) => u.searchParams.set('expires', '1e12')],
  ])('refuses a tampered %s', (_what, tamper) => {
    const url = new URL(
      signFsObjectUrl(BASE, SECRET, {
        method: 'PUT',
        key,
        expires: EXPIRES,
        maxBytes: 10,
        contentType: 'application/octet-stream',
      }),
    );
    tamper(url);
    expect(() => verifyFsPresignedUrl(url, { method: 'PUT', secret: SECRET, now: NOW })).toThrow(forbidden());
  });

  it('refuses paths outside the route and invalid keys', () => {
    expect(() =>
      verifyFsPresignedUrl('/v1/jobs/x?expires=1&sig=a', { method: 'GET', secret: SECRET, now: NOW }),
    ).toThrow(forbidden());
    expect(() =>
      verifyFsPresignedUrl('/v1/objects/a/%2E%2E/b?expires=1&sig=a', {
        method: 'GET',
        secret: SECRET,
        now: NOW,
      }),
    ).toThrow(forbidden());
    expect(() =>
      verifyFsPresignedUrl('/v1/objects/%E0%A4%A?expires=1&sig=a', {
        method: 'GET',
        secret: SECRET,
        now: NOW,
      }),
    ).toThrow(forbidden());
  });

  it('refuses to sign an invalid key', () => {
    expect(() => signFsObjectUrl(BASE, SECRET, { method: 'GET', key: '../x', expires: EXPIRES })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});
