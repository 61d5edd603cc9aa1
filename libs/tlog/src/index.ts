export * from './merkle-hash';
export * from './compact-range';
export * from './proofs';
export * from './log-entry';
export * from './signed-note';
export * from './checkpoint';
export * from './log-layout';
export * from './verify-log';
