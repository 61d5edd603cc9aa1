import { FleetSignError } from '@fleetsign/errors';
import { loadSignerConfig } from '@fleetsign/config';
import { loadSignerProcessSettings } from './signer-settings';

describe('loadSignerProcessSettings', () => {
  it('defaults to a metrics listener on 9465, 8 s locks and 3 s stall checks (takeover within 15 s)', () => {
    expect(loadSignerProcessSettings({})).toEqual({
      metrics: { port: 9465, host: '0.0.0.0' },
      logLevel: 'info',
      lockDurationMs: 8_000,
      stalledIntervalMs: 3_000,
      profileRetryMs: 30_000,
    });
  });

  it('turns the listener off with port 0', () => {
    expect(loadSignerProcessSettings({ FLEETSIGN_SIGNER_METRICS_PORT: '0' }).metrics).toBeUndefined();
  });

  it('names the variable of a bad value', () => {
    expect(() => loadSignerProcessSettings({ FLEETSIGN_SIGNER_LOCK_DURATION_MS: '10' })).toThrow(FleetSignError);
    expect(() => loadSignerProcessSettings({ FLEETSIGN_SIGNER_LOCK_DURATION_MS: '10' })).toThrow(/FLEETSIGN_SIGNER_LOCK_DURATION_MS/);
  });
});

describe('loadSignerConfig (the signer worker defaults)', () => {
  it('works on four jobs per PKCS#11 session unless the concurrency is set', () => {
    expect(loadSignerConfig({})).toMatchObject({ concurrency: 16, pkcs11Sessions: 4 });
    expect(loadSignerConfig({ FLEETSIGN_PKCS11_SESSIONS: '2' })).toMatchObject({ concurrency: 8, pkcs11Sessions: 2 });
    expect(loadSignerConfig({ FLEETSIGN_PKCS11_SESSIONS: '64' }).concurrency).toBe(256);
    expect(loadSignerConfig({ FLEETSIGN_SIGNER_CONCURRENCY: '3', FLEETSIGN_PKCS11_SESSIONS: '8' }).concurrency).toBe(3);
    expect(loadSignerConfig({ FLEETSIGN_SIGNER_CONCURRENCY: ' ' }).concurrency).toBe(16);
  });
});
