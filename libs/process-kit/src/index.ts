// Public API of @fleetsign/process-kit: how the gateway, the signer and the notifier
// start, log and stop.

export * from './log-levels';
export * from './process-logger';
export * from './nest-pino-logger';
export * from './wait-for-redis';
export * from './object-store-config';
export * from './run-process';
export * from './config-reloader';
