import { Writable } from 'node:stream';
import { createProcessLogger } from '@fleetsign/process-kit';
import { GATEWAY_LOGGER } from './gateway-logger';

const createGatewayLogger = (level: 'info', stream: Writable) => createProcessLogger({ ...GATEWAY_LOGGER, level }, stream);

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, stream };
}

describe('the gateway logger', () => {
  it('redacts authorization headers wherever they are logged', () => {
    const { lines, stream } = capture();
    const logger = createGatewayLogger('info', stream);
    logger.info({ headers: { authorization: 'Bearer fsk_secret1' } }, 'a');
    logger.info({ request: { headers: { authorization: 'Bearer fsk_secret2' } } }, 'b');
    logger.info({ authorization: 'Bearer fsk_secret3', uploadUrl: 'https://s3/x?X-Amz-Signature=abc' }, 'c');
    const text = lines.join('');
    expect(text).not.toMatch(/fsk_secret|X-Amz-Signature/);
    expect(text.match(/\[Redacted\]/g)).toHaveLength(4);
  });

  it('logs request paths without their query string', () => {
    const { lines, stream } = capture();
    const logger = createGatewayLogger('info', stream);
    logger.info({ req: { method: 'GET', url: '/v1/objects/a/b.bin?expires=1&sig=SIGNATURE', ip: '127.0.0.1', id: 'req-1' } }, 'x');
    const entry = JSON.parse(lines[0]) as { req: Record<string, unknown> };
    expect(entry.req).toEqual({ method: 'GET', path: '/v1/objects/a/b.bin', remoteAddress: '127.0.0.1', id: 'req-1' });
  });
});
