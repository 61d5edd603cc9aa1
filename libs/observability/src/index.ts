export * from './health-server';
export * from './service-registry';
export * from './tracing';
