import { isPublicAddress, normaliseHostName, parseIpAddress, TargetPolicy } from './address-policy';

describe('isPublicAddress', () => {
  it.each([
    // IPv4
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback range'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8 end'],
    ['172.16.0.1', 'private 172.16/12 start'],
    ['172.31.255.255', 'private 172.16/12 end'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'link-local (metadata)'],
    ['100.64.0.1', 'CGNAT start'],
    ['100.127.255.254', 'CGNAT end'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.170', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    // IPv6
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['[::]', 'unspecified in URL brackets'],
    ['[::1]', 'loopback in URL brackets'],
    ['0:0:0:0:0:0:0:1', 'loopback, long form'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local fd00::/8'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with zone id'],
    ['febf:ffff::1', 'link-local end'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    // IPv4 inside IPv6
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['[::ffff:127.0.0.1]', 'IPv4-mapped loopback in brackets'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['::ffff:100.64.0.1', 'IPv4-mapped CGNAT'],
    ['::ffff:0.0.0.0', 'IPv4-mapped unspecified'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['64:ff9b::10.0.0.1', 'NAT64 of private'],
    ['64:ff9b::7f00:1', 'NAT64 of loopback, hex'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1'],
  ])('%s is not public (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['93.184.216.34'],
    ['172.15.255.255'], // just below 172.16/12
    ['172.32.0.0'], // just above 172.16/12
    ['100.63.255.255'], // just below CGNAT
    ['100.128.0.0'], // just above CGNAT
    ['169.253.255.255'],
    ['11.0.0.0'],
    ['223.255.255.255'], // last unicast before multicast
    ['2606:4700:4700::1111'],
    ['2001:4860:4860::8888'],
    ['::ffff:8.8.8.8'], // IPv4-mapped public
    ['64:ff9b::808:808'], // NAT64 of 8.8.8.8
    ['2002:808:808::1'], // 6to4 of 8.8.8.8
    ['fbff:ffff::1'], // just below fc00::/7
  ])('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  it.each([['localhost'], ['example.com'], ['127.1'], ['2130706433'], ['0x7f.0.0.1'], [''], ['[]'], ['1.2.3.4/32']])(
    '%s is not an IP address, so not public',
    (text) => {
      expect(isPublicAddress(text)).toBe(false);
    },
  );
});

describe('parseIpAddress / normaliseHostName', () => {
  it('strips brackets and zone ids and names the family', () => {
    expect(parseIpAddress('[::1]')).toEqual({ address: '::1', family: 'ipv6' });
    expect(parseIpAddress('fe80::1%eth0')).toEqual({ address: 'fe80::1', family: 'ipv6' });
    expect(parseIpAddress('10.0.0.1')).toEqual({ address: '10.0.0.1', family: 'ipv4' });
    expect(parseIpAddress('hooks.example.com')).toBeUndefined();
  });

  it('lower-cases host names and drops a trailing dot', () => {
    expect(normaliseHostName('Hooks.Example.COM.')).toBe('hooks.example.com');
    expect(normaliseHostName('[::1]')).toBe('::1');
  });
});

describe('TargetPolicy', () => {
  it('allows public addresses and refuses private ones by default', () => {
    const policy = new TargetPolicy({ cidrs: [], hosts: [] });
    expect(policy.allowsAddress('8.8.8.8')).toBe(true);
    expect(policy.allowsAddress('127.0.0.1')).toBe(false);
    expect(policy.allowsAddress('::ffff:127.0.0.1')).toBe(false);
    expect(policy.allowsAddress('not-an-ip')).toBe(false);
    expect(policy.allowsHost('localhost')).toBe(false);
  });

  it.each(['192.0.2.10', '198.51.100.7', '203.0.113.200', '198.18.0.1', '198.19.255.254', '2001:db8::1', '2001:db8:ffff::9', '::ffff:203.0.113.5'])(
    'refuses the documentation and benchmarking address %s',
    (address) => {
      expect(new TargetPolicy({ cidrs: [], hosts: [] }).allowsAddress(address)).toBe(false);
    },
  );

  it('still allows the public neighbours of those ranges', () => {
    const policy = new TargetPolicy({ cidrs: [], hosts: [] });
    for (const address of ['192.0.3.1', '198.51.101.1', '203.0.114.1', '198.20.0.1', '2001:db9::1']) expect(policy.allowsAddress(address)).toBe(true);
  });

  it('allows addresses inside allow-listed networks only, in IPv4-mapped form too', () => {
    const policy = new TargetPolicy({ cidrs: ['127.0.0.1/32', '10.20.0.0/16', 'fd00:1::/32'], hosts: [] });
    expect(policy.allowsAddress('127.0.0.1')).toBe(true);
    expect(policy.allowsAddress('::ffff:127.0.0.1')).toBe(true);
    expect(policy.allowsAddress('127.0.0.2')).toBe(false);
    expect(policy.allowsAddress('10.20.5.5')).toBe(true);
    expect(policy.allowsAddress('10.21.0.1')).toBe(false);
    expect(policy.allowsAddress('fd00:1:2::3')).toBe(true);
    expect(policy.allowsAddress('fd00:2::3')).toBe(false);
    expect(policy.allowsAddress('::1')).toBe(false);
  });

  it('matches allow-listed host names case-insensitively and exactly', () => {
    const policy = new TargetPolicy({ cidrs: [], hosts: ['receiver.internal'] });
    expect(policy.allowsHost('Receiver.Internal')).toBe(true);
    expect(policy.allowsHost('receiver.internal.')).toBe(true);
    expect(policy.allowsHost('evil.receiver.internal')).toBe(false);
    expect(policy.allowsHost('receiver.internal.evil.com')).toBe(false);
  });
});
