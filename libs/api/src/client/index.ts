export * from './fleetsign-api';
export * from './object-transfer';
export * from './retry';
export * from './service-client';
export * from './service-error';
export * from './stream-to-file';
