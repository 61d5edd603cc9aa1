export * from './error-code';
export * from './fleetsign-error';
export * from './transient';
export * from './io-error';
