import { BlockList, isIP } from 'node:net';
import type { PrivateTargetAllowList } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

type IpFamily = 'ipv4' | 'ipv6';
type Subnet = readonly [network: string, prefix: number];

/** IPv4 networks a webhook must not reach: the host itself, private networks, and anything not routable publicly. */
const NON_PUBLIC_IPV4: readonly Subnet[] = [
  ['0.0.0.0', 8], // "this network", including the unspecified address 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, where cloud metadata endpoints live
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including the broadcast address
];

/**
 * IPv6 networks a webhook must not reach. IPv4-mapped addresses (::ffff:a.b.c.d) need no
 * entry: BlockList checks them against the IPv4 rules.
 */
const NON_PUBLIC_IPV6: readonly Subnet[] = [
  ['::', 96], // unspecified (::), loopback (::1) and the deprecated IPv4-compatible form
  ['::ffff:0:0:0', 96], // IPv4-translated
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

/** 'a.b.c.d' as two IPv6 groups ('a0b:c0d'), for prefixes that embed an IPv4 address. */
function ipv4AsGroups(ipv4: string): string {
  const [a, b, c, d] = ipv4.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * IPv6 prefixes that carry an IPv4 address reach that address through a gateway:
 * NAT64 (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16). Each non-public IPv4 network is
 * refused in those forms too.
 */
function embeddedIpv4Subnets(): Subnet[] {
  return NON_PUBLIC_IPV4.flatMap(([network, prefix]): Subnet[] => [
    [`64:ff9b::${ipv4AsGroups(network)}`, 96 + prefix],
    [`2002:${ipv4AsGroups(network)}::`, 16 + prefix],
  ]);
}

function blockList(ipv4: readonly Subnet[], ipv6: readonly Subnet[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of ipv4) list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of ipv6) list.addSubnet(network, prefix, 'ipv6');
  return list;
}

const NON_PUBLIC = blockList(NON_PUBLIC_IPV4, [...NON_PUBLIC_IPV6, ...embeddedIpv4Subnets()]);

/** An IP address without URL brackets or IPv6 zone id, with its family; undefined when `text` is not an IP address. */
export function parseIpAddress(text: string): { address: string; family: IpFamily } | undefined {
  let address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // A zone id (fe80::1%eth0) names an interface, not a different address; BlockList cannot parse it.
  const zoneAt = address.indexOf('%');
  if (zoneAt !== -1) address = address.slice(0, zoneAt);
  const version = isIP(address);
  if (version === 0) return undefined;
  return { address, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * True when `ip` is a publicly routable unicast address: not loopback, private, link-local,
 * carrier-grade NAT, unspecified, multicast or reserved, in IPv4, IPv6, IPv4-mapped, NAT64
 * or 6to4 form. Anything that is not an IP address is not public.
 */
export function isPublicAddress(ip: string): boolean {
  const parsed = parseIpAddress(ip);
  return parsed !== undefined && !NON_PUBLIC.check(parsed.address, parsed.family);
}

/** A URL host name in the form the allow-list stores: lower case, no brackets, no trailing dot. */
export function normaliseHostName(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase().replace(/\.$/, '');
}

/**
 * Which webhook targets may be connected to: public addresses always; private ones only
 * when the operator allow-listed their network or the URL's host name.
 */
export class TargetPolicy {
  private readonly allowedNetworks: BlockList;
  private readonly allowedHosts: ReadonlySet<string>;

  constructor(allow: PrivateTargetAllowList) {
    const ipv4: Subnet[] = [];
    const ipv6: Subnet[] = [];
    for (const cidr of allow.cidrs) {
      const [network, prefix] = cidr.split('/');
      const parsed = parseIpAddress(network);
      if (!parsed) throw new FleetSignError(ErrorCode.InvalidConfig, `allow-listed network '${cidr}' is not an IP network`);
      (parsed.family === 'ipv4' ? ipv4 : ipv6).push([parsed.address, Number(prefix)]);
    }
    this.allowedNetworks = blockList(ipv4, ipv6);
    this.allowedHosts = new Set(allow.hosts.map(normaliseHostName));
  }

  /** True when the URL's host name is allow-listed, so every address it resolves to may be used. */
  allowsHost(host: string): boolean {
    return this.allowedHosts.has(normaliseHostName(host));
  }

  /** True when `ip` is public or inside an allow-listed network. */
  allowsAddress(ip: string): boolean {
    const parsed = parseIpAddress(ip);
    if (!parsed) return false;
    return isPublicAddress(parsed.address) || this.allowedNetworks.check(parsed.address, parsed.family);
  }
}
