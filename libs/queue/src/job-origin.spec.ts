import { isValidRequestId, jobOriginOf } from './job-origin';

describe('isValidRequestId', () => {
  it('accepts the ids clients and proxies send', () => {
    for (const id of ['0f8fad5b-d9cb-469f-a165-70867728950e', '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'ci-build-4711.step:2', 'a', 'x'.repeat(128), 'Root=1-5759e988-bd862e3fe1be46a994272793']) {
      expect(isValidRequestId(id)).toBe(true);
    }
  });

  it('refuses anything that could smuggle junk into logs or headers', () => {
    for (const id of ['', 'x'.repeat(129), 'two words', 'tab\there', 'line\nbreak', '-leading', '<script>', 'ünïcode', 'a"b', undefined, ['a', 'b'], 42]) {
      expect(isValidRequestId(id)).toBe(false);
    }
  });
});

describe('jobOriginOf', () => {
  it('keeps only the origin fields that are set', () => {
    expect(jobOriginOf({ requestId: 'r-1' })).toEqual({ requestId: 'r-1' });
    const traceContext = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    expect(jobOriginOf({ requestId: 'r-1', traceContext, tenant: 't' } as never)).toEqual({ requestId: 'r-1', traceContext });
    expect(jobOriginOf({})).toEqual({});
  });
});
