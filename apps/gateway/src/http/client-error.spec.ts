import { clientErrorResponse } from './client-error';

describe('clientErrorResponse', () => {
  it('answers a header overflow with a 431 problem whose length is exact', () => {
    const response = clientErrorResponse('HPE_HEADER_OVERFLOW');
    const [head, body] = response.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toContain('Content-Type: application/problem+json');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'REQUEST_HEADERS_TOO_LARGE' });
  });

  it('answers other parser errors with 400 MALFORMED_REQUEST', () => {
    expect(JSON.parse(clientErrorResponse('HPE_INVALID_METHOD').split('\r\n\r\n')[1])).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST' });
  });
});
