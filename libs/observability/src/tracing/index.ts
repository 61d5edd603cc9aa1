export * from './process-tracing';
export * from './spans';
