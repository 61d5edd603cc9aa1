// The batch state repository: every Lua script over the batch key layout (batch-state.ts),
// for the gateway (BatchStore) and the signer (BatchItemStore).
export * from './batch-item-store';
export * from './batch-store';
