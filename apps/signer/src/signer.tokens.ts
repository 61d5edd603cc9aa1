/** Nest injection tokens of the signer's non-class providers. */
export const SIGNER_SETTINGS = Symbol('SIGNER_SETTINGS');
export const SIGNER_LOGGER = Symbol('SIGNER_LOGGER');
export const REDIS_CONNECTIONS = Symbol('REDIS_CONNECTIONS');
export const OBJECT_STORE = Symbol('OBJECT_STORE');
export const WEBHOOK_QUEUE = Symbol('WEBHOOK_QUEUE');
export const BATCH_QUEUE = Symbol('BATCH_QUEUE');
/** The transparency log's Checkpointer, or null when no `transparency_log` section is configured. */
export const CHECKPOINTER = Symbol('CHECKPOINTER');
