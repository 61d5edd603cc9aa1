export * from './health-server';
export * from './service-registry';
export * from './config-reload-metrics';
export * from './tracing';
