import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { loadNotifierProcessSettings } from './notifier-process-settings';

describe('loadNotifierProcessSettings', () => {
  it('has defaults for every setting', () => {
    expect(loadNotifierProcessSettings({})).toEqual({
      concurrency: 16,
      metricsPort: 9466,
      metricsHost: '0.0.0.0',
      logLevel: 'info',
    });
  });

  it('reads the variables; metrics port 0 is accepted (listener disabled)', () => {
    expect(
      loadNotifierProcessSettings({
        FLEETSIGN_NOTIFIER_CONCURRENCY: '4',
        FLEETSIGN_NOTIFIER_METRICS_PORT: '0',
        FLEETSIGN_NOTIFIER_METRICS_HOST: '127.0.0.1',
        FLEETSIGN_LOG_LEVEL: 'debug',
      }),
    ).toEqual({ concurrency: 4, metricsPort: 0, metricsHost: '127.0.0.1', logLevel: 'debug' });
  });

  it('names the bad variable', () => {
    let caught: unknown;
    try {
      loadNotifierProcessSettings({ FLEETSIGN_NOTIFIER_METRICS_PORT: '70000' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FleetSignError);
    expect((caught as FleetSignError).code).toBe(ErrorCode.InvalidConfig);
    expect((caught as FleetSignError).message).toContain('FLEETSIGN_NOTIFIER_METRICS_PORT');
  });
});
