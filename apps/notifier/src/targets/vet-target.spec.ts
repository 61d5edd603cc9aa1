import { ErrorCode } from '@fleetsign/errors';
import { DeliveryFailure } from '../delivery/delivery-failure';
import { TargetPolicy } from './address-policy';
import { type HostLookup, type ResolvedAddress, vetDeliveryTarget } from './vet-target';

/** A resolver with fixed answers that records which names were asked. */
function fixedLookup(answers: Record<string, ResolvedAddress[]>): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (host: string) => {
    asked.push(host);
    const found = answers[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  return Object.assign(lookup, { asked });
}

async function failureOf(promise: Promise<unknown>): Promise<DeliveryFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DeliveryFailure) return err;
    throw err;
  }
  throw new Error('expected a DeliveryFailure');
}

const OPEN = new TargetPolicy({ cidrs: [], hosts: [] });
const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

describe('vetDeliveryTarget', () => {
  it('returns the first resolved address of a public host, to connect to', async () => {
    const lookup = fixedLookup({ 'hooks.example.com': [v4('93.184.216.34'), v6('2606:2800:220:1::1')] });
    const target = await vetDeliveryTarget('https://hooks.example.com/fleetsign?token=abc', OPEN, lookup);
    expect(target).toMatchObject({ hostName: 'hooks.example.com', address: '93.184.216.34', family: 4 });
    expect(target.url.pathname).toBe('/fleetsign');
  });

  it.each([
    ['http://10.0.0.1/', '10.0.0.1'],
    ['http://127.0.0.1:8080/hook', '127.0.0.1'],
    ['http://[::1]/', '::1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://0.0.0.0/', '0.0.0.0'],
    ['http://[::]/', '::'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
  ])('refuses %s without resolving it (an IP literal, %s)', async (url, address) => {
    const lookup = fixedLookup({});
    const failure = await failureOf(vetDeliveryTarget(url, OPEN, lookup));
    expect(failure).toMatchObject({ code: ErrorCode.WebhookTargetRefused, permanent: true, outcome: 'refused' });
    expect(failure.message).toContain(address);
    expect(lookup.asked).toEqual([]);
    expect(JSON.parse(failure.reason)).toEqual({ code: 'WEBHOOK_TARGET_REFUSED', message: failure.message });
  });

  it('refuses a name when any of its addresses is private (DNS pointing inside)', async () => {
    const lookup = fixedLookup({ 'rebind.example.com': [v4('93.184.216.34'), v4('10.1.2.3')] });
    const failure = await failureOf(vetDeliveryTarget('https://rebind.example.com/', OPEN, lookup));
    expect(failure).toMatchObject({ code: ErrorCode.WebhookTargetRefused, permanent: true });
    expect(failure.message).toContain('10.1.2.3');
  });

  it('refuses localhost, which resolves to loopback', async () => {
    const lookup = fixedLookup({ localhost: [v6('::1'), v4('127.0.0.1')] });
    const failure = await failureOf(vetDeliveryTarget('http://localhost:3000/', OPEN, lookup));
    expect(failure.code).toBe(ErrorCode.WebhookTargetRefused);
  });

  it('allows private addresses inside allow-listed networks only', async () => {
    const policy = new TargetPolicy({ cidrs: ['127.0.0.1/32'], hosts: [] });
    const target = await vetDeliveryTarget('http://127.0.0.1:4000/hook', policy, fixedLookup({}));
    expect(target).toMatchObject({ address: '127.0.0.1', family: 4 });
    const failure = await failureOf(vetDeliveryTarget('http://127.0.0.2:4000/hook', policy, fixedLookup({})));
    expect(failure.code).toBe(ErrorCode.WebhookTargetRefused);
  });

  it('allows every address of an allow-listed host name, and pins the first', async () => {
    const policy = new TargetPolicy({ cidrs: [], hosts: ['receiver.internal'] });
    const lookup = fixedLookup({ 'receiver.internal': [v4('10.9.8.7'), v4('10.9.8.6')] });
    const target = await vetDeliveryTarget('http://Receiver.Internal/hook', policy, lookup);
    expect(target).toMatchObject({ hostName: 'receiver.internal', address: '10.9.8.7' });
  });

  it.each([['ftp://hooks.example.com/'], ['file:///etc/passwd'], ['gopher://127.0.0.1/'], ['not a url'], ['']])(
    'refuses %j: only http and https URLs',
    async (url) => {
      const failure = await failureOf(vetDeliveryTarget(url, OPEN, fixedLookup({})));
      expect(failure).toMatchObject({ code: ErrorCode.WebhookTargetRefused, permanent: true });
    },
  );

  it('treats a name that does not resolve as a retryable failure, naming only the origin', async () => {
    const failure = await failureOf(vetDeliveryTarget('https://gone.example.com/path?token=secret', OPEN, fixedLookup({})));
    expect(failure).toMatchObject({ code: ErrorCode.WebhookDeliveryFailed, permanent: false, outcome: 'network_error' });
    expect(failure.message).toContain('https://gone.example.com');
    expect(failure.message).not.toContain('token=secret');
  });
});
