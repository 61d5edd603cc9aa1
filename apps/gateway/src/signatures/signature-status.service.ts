import { Inject, Injectable } from '@nestjs/common';
import { type FleetSignConfig, findProfile, keyStateAt, type ProfileConfig, profileStateAt, type StateAt } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { readProfileKeys } from '@fleetsign/queue/profile-key-directory';
import { objectSource, type ObjectStore } from '@fleetsign/storage';
import { type LogEntry, LogLayout, LogTreeReader, MAX_LOG_OBJECT_BYTES } from '@fleetsign/tlog';
import type { Redis } from 'ioredis';
import { hasScope, type Principal } from '../auth/principal';
import { GatewaySettings } from '../core/gateway-settings';
import { FLEET_CONFIG, OBJECT_STORE, REDIS } from '../core/gateway.tokens';
import type { SignatureStatus, SigningStatus } from '@fleetsign/api';

/** Most signings one answer lists (the same file signed that often is listed oldest first). */
export const MAX_STATUS_SIGNINGS = 200;

type Reach = { all: true } | { all: false; tenant: string };

function reachOf(principal: Principal): Reach {
  if (hasScope(principal, 'operator')) return { all: true };
  if (hasScope(principal, 'read') || hasScope(principal, 'audit')) return { all: false, tenant: principal.tenant };
  throw new FleetSignError(ErrorCode.Forbidden, 'This API key lacks the "read" or "audit" scope', { scope: 'read' });
}

/** Where each configured key sits, by public key digest: the profile and index a signer published it under. */
type KeyDirectory = Map<string, Array<{ profile: ProfileConfig; index: number }>>;

/**
 * The revocation status of a signed file or image, the question an OTA backend asks
 * before it publishes: which signings produced it (from the transparency log, through
 * the create-only `by-sha256` index the signer writes with each entry), and whether the
 * profile or a key of any of them is revoked now (from the configuration in force).
 */
@Injectable()
export class SignatureStatusService {
  private readonly reader: LogTreeReader;

  constructor(
    @Inject(FLEET_CONFIG) private readonly fleet: FleetSignConfig,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly settings: GatewaySettings,
  ) {
    this.reader = new LogTreeReader(objectSource(store, MAX_LOG_OBJECT_BYTES), new LogLayout(fleet.transparencyLog?.storePrefix ?? 'log/'));
  }

  async status(principal: Principal, sha256: string, now = Date.now()): Promise<SignatureStatus> {
    const reach = reachOf(principal);
    const { layout } = this.reader;
    const keys: string[] = [];
    let truncated = false;
    for await (const key of this.store.list(layout.digestPrefix(sha256))) {
      if (keys.length >= MAX_STATUS_SIGNINGS) {
        truncated = true;
        break;
      }
      keys.push(key);
    }
    keys.sort();
    const entries: LogEntry[] = [];
    for (const key of keys) {
      const found = await this.reader.entryAtPointer(key);
      if (found && (reach.all || found.entry.tenant === reach.tenant)) entries.push(found.entry);
    }
    const directory = await this.keyDirectory(entries);
    const jobs = entries.map((entry) => this.signingStatus(entry, sha256, directory, now));
    const revokedTimes = jobs.flatMap((job) => [
      ...(job.profileState === 'revoked' && job.profileRevokedAt ? [job.profileRevokedAt] : []),
      ...job.keys.flatMap((key) => (key.state === 'revoked' && key.revokedAt ? [key.revokedAt] : [])),
    ]);
    const revokedAt = revokedTimes.sort()[0];
    return {
      sha256,
      jobs,
      revoked: jobs.some((job) => job.revoked),
      ...(revokedAt ? { revokedAt } : {}),
      ...(truncated ? { truncated } : {}),
    };
  }

  private signingStatus(entry: LogEntry, sha256: string, directory: KeyDirectory, now: number): SigningStatus {
    const profile = findProfile(this.fleet, entry.profile);
    const own: StateAt | { state: 'unknown'; revokedAt?: undefined } = profile ? profileStateAt(profile, now) : { state: 'unknown' };
    const keys = entry.keys.map((key) => {
      const state = keyStateNow(directory.get(key.keyDigestSha256) ?? [], now);
      return { index: key.index, keyDigestSha256: key.keyDigestSha256, keyRef: key.keyRef, ...state };
    });
    const matched = [...(entry.signed.sha256 === sha256 ? ['signed' as const] : []), ...(entry.imageSha256 === sha256 ? ['image' as const] : [])];
    return {
      jobId: entry.jobId,
      tenant: entry.tenant,
      profile: entry.profile,
      profileState: own.state,
      ...(own.revokedAt ? { profileRevokedAt: own.revokedAt } : {}),
      kind: entry.kind,
      matched,
      signedSha256: entry.signed.sha256,
      imageSha256: entry.imageSha256,
      keys,
      signedAt: entry.time,
      logIndex: entry.seq,
      revoked: own.state === 'revoked' || keys.some((key) => key.state === 'revoked'),
    };
  }

  /**
   * The configured keys behind the digests that signed: a signer publishes each profile's
   * keys (digest per index) when it opens them, and the configuration says each index's
   * lifecycle. A key is looked up in every profile, since revoking a key is a statement about the key.
   */
  private async keyDirectory(entries: readonly LogEntry[]): Promise<KeyDirectory> {
    const directory: KeyDirectory = new Map();
    if (entries.length === 0) return directory;
    const wanted = new Set(entries.flatMap((entry) => entry.keys.map((key) => key.keyDigestSha256)));
    for (const profile of this.fleet.profiles) {
      const record = await readProfileKeys(this.redis, this.settings.prefix, profile.name).catch(() => undefined);
      for (const key of record?.keys ?? []) {
        if (!wanted.has(key.keyDigestSha256) || key.index >= profile.keys.length) continue;
        const places = directory.get(key.keyDigestSha256) ?? [];
        places.push({ profile, index: key.index });
        directory.set(key.keyDigestSha256, places);
      }
    }
    return directory;
  }
}

/** The most severe state a key has in the profiles holding it now; `unknown` when none does. */
function keyStateNow(places: ReadonlyArray<{ profile: ProfileConfig; index: number }>, now: number): { state: StateAt['state'] | 'unknown'; revokedAt?: string } {
  if (places.length === 0) return { state: 'unknown' };
  const states = places.map(({ profile, index }) => keyStateAt(profile.keys[index], now));
  const rank = { revoked: 2, retiring: 1, active: 0 } as const;
  const worst = states.reduce((a, b) => (rank[b.state] > rank[a.state] ? b : a));
  return { state: worst.state, ...(worst.revokedAt ? { revokedAt: worst.revokedAt } : {}) };
}
