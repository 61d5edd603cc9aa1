// The FleetSign HTTP contract: every request and response body, the problem body and the
// webhook events, each declared once as a zod schema (types derive from them, and so does
// the gateway's OpenAPI document), and the one typed client built on them.
export * from './admin';
export * from './approvals';
export * from './audit';
export * from './batches';
export * from './common';
export * from './jobs';
export * from './openapi';
export * from './policy';
export * from './problem';
export * from './profiles';
export * from './signatures';
export * from './uploads';
export * from './webhook-events';
export * from './client';
