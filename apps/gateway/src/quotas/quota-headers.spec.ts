import type { FastifyReply, FastifyRequest } from 'fastify';
import { noteQuota, writeQuotaHeaders } from './quota-headers';

function replyRecorder() {
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => ((headers[name] = value), reply) } as unknown as FastifyReply;
  return { reply, headers };
}

describe('RateLimit fields', () => {
  it('writes nothing when no quota was counted', () => {
    const { reply, headers } = replyRecorder();
    writeQuotaHeaders({} as FastifyRequest, reply);
    expect(headers).toEqual({});
  });

  it('lists every policy counted for the request, the latest state of each', () => {
    const request = {} as FastifyRequest;
    noteQuota(request, { policy: 'requests', limit: 600, windowSec: 60, remaining: 599, resetSec: 42 });
    noteQuota(request, { policy: 'signatures', limit: 100, windowSec: 86_400, remaining: 90, resetSec: 3600 });
    noteQuota(request, { policy: 'signatures', limit: 100, windowSec: 86_400, remaining: 89, resetSec: 3599 });
    const { reply, headers } = replyRecorder();
    writeQuotaHeaders(request, reply);
    expect(headers).toEqual({
      'ratelimit-policy': '"requests";q=600;w=60, "signatures";q=100;w=86400',
      ratelimit: '"requests";r=599;t=42, "signatures";r=89;t=3599',
    });
  });
});
