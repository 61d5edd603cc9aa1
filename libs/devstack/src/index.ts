// Public API of @fleetsign/devstack: the pieces of a local FleetSign stack (a private
// Redis, a SoftHSM2 token, child processes with log files, bounded polls), used by the
// demo, the benchmark, the end-to-end tests and `fleetsign serve`: one launcher for
// the gateway, signer and notifier processes (launcher/fleet.ts).

export * from './devstack-error';
export * from './executables';
export * from './free-port';
export * from './poll';
export * from './write-file-atomic';
export * from './child-process';
export * from './redis-ping';
export * from './local-redis';
export * from './softhsm/tool-output';
export * from './softhsm/softhsm-module';
export { ToolFailure, runTool, TOOL_TIMEOUT_MS } from './softhsm/run-tool';
export * from './softhsm/softhsm-token';
export * from './launcher/restart-backoff';
export * from './launcher/service-process';
export * from './launcher/fleet-env';
export * from './launcher/fleet';
export * from './launcher/fleet-redis';
export * from './launcher/local-config';
export * from './launcher/repo-root';
export * from './launcher/dir-lock';
