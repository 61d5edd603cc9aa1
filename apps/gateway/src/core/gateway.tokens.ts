/** Injection tokens for the resources `createGateway` opens and hands to the Nest module. */
export const FLEET_CONFIG = Symbol('FleetSignConfig');
export const REDIS = Symbol('Redis');
export const SIGN_QUEUE = Symbol('SignQueue');
export const WEBHOOK_QUEUE = Symbol('WebhookQueue');
export const OBJECT_STORE = Symbol('ObjectStore');
export const APPROVAL_QUEUE = Symbol('ApprovalQueue');
/** A Redis connection for the gateway's workers (blocking reads: maxRetriesPerRequest null). */
export const WORKER_REDIS = Symbol('WorkerRedis');
