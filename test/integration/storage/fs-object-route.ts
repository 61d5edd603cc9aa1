import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import { pipeline } from 'node:stream';
import { type ObjectStore, Sha256CheckStream, verifyFsPresignedUrl } from '@fleetsign/storage';

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.SourceNotFound]: 404,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.InvalidArgument]: 400,
  [ErrorCode.UploadChecksumMismatch]: 400,
};

/**
 * A minimal stand-in for the gateway's `/v1/objects/*` route, so presigned fs URLs can
 * be exercised over real HTTP: verify the URL, then stream to or from the store.
 */
export class FsObjectRoute {
  private server?: Server;
  store?: ObjectStore;

  constructor(private readonly secret: string) {}

  /** Listens on a loopback port and returns the base URL. */
  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const grant = verifyFsPresignedUrl(req.url ?? '', { method: req.method ?? 'GET', secret: this.secret });
      if (grant.method === 'GET') {
        const body = await this.store!.get(grant.key);
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        body.pipe(res);
        return;
      }
      if (grant.contentType !== undefined && req.headers['content-type'] !== grant.contentType) {
        res.writeHead(403).end('content type does not match the presigned URL');
        return;
      }
      // As the gateway's route: the body is hashed on its way in and refused at its end when it is not the signed SHA-256.
      const checked = new Sha256CheckStream(grant.sha256, grant.key);
      pipeline(req, checked, () => undefined);
      await this.store!.put(grant.key, checked, { maxBytes: grant.maxBytes, contentType: grant.contentType });
      res.writeHead(200).end();
    } catch (err) {
      const status = isFleetSignError(err) ? (STATUS[err.code] ?? 500) : 500;
      res.writeHead(status, { connection: 'close' }).end(isFleetSignError(err) ? err.code : 'error');
      req.resume();
    }
  }
}
