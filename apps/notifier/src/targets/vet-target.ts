import { lookup as dnsLookup } from 'node:dns/promises';
import { retryableFailure, targetRefused } from '../delivery/delivery-failure';
import { parseIpAddress, type TargetPolicy } from './address-policy';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (IP literals resolve to themselves). */
export type HostLookup = (host: string) => Promise<readonly ResolvedAddress[]>;

/** A webhook URL whose host was resolved and vetted: connect to `address`, and only there. */
export interface DeliveryTarget {
  url: URL;
  /** The URL's host name without IPv6 brackets (also used for TLS server name checks). */
  hostName: string;
  address: string;
  family: 4 | 6;
}

/** The system resolver (as connections use it), all addresses, in the resolver's order. */
export const systemLookup: HostLookup = async (host) => {
  const answers = await dnsLookup(host, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

/** Where to log a target: scheme, host and port only (paths and queries may carry receiver tokens). */
export function describeTarget(url: URL): string {
  return url.origin;
}

function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw targetRefused('webhook URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw targetRefused(`webhook URL scheme ${url.protocol} is not allowed (use http or https)`);
  }
  return url;
}

async function resolve(url: URL, hostName: string, lookup: HostLookup): Promise<readonly ResolvedAddress[]> {
  const literal = parseIpAddress(hostName);
  if (literal) return [{ address: literal.address, family: literal.family === 'ipv4' ? 4 : 6 }];
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await lookup(hostName);
  } catch (err) {
    // A name that does not resolve today may resolve later (new record, resolver outage).
    const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
    throw retryableFailure('network_error', `cannot resolve ${describeTarget(url)}: ${code}`);
  }
  if (addresses.length === 0) throw retryableFailure('network_error', `${describeTarget(url)} resolves to no address`);
  return addresses;
}

/**
 * Parses and vets a webhook URL before any connection is made: every address its host
 * resolves to must be allowed by `policy` (public, or allow-listed by network or host
 * name). Returns the first address, which the caller must connect to so that a second
 * DNS answer cannot swap in another address. Refusals are permanent failures
 * (WEBHOOK_TARGET_REFUSED); resolver errors are retryable.
 */
export async function vetDeliveryTarget(
  rawUrl: string,
  policy: TargetPolicy,
  lookup: HostLookup = systemLookup,
): Promise<DeliveryTarget> {
  const url = parseWebhookUrl(rawUrl);
  const hostName = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const addresses = await resolve(url, hostName, lookup);
  if (!policy.allowsHost(hostName)) {
    // One refused address refuses the host: a name mixing public and private answers is an attack or a mistake.
    const refused = addresses.find(({ address }) => !policy.allowsAddress(address));
    if (refused) {
      throw targetRefused(
        `webhook target ${describeTarget(url)} resolves to ${refused.address}, which is not a public address ` +
          '(allow it in FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS if intended)',
      );
    }
  }
  const [first] = addresses;
  return { url, hostName, address: first.address, family: first.family };
}
