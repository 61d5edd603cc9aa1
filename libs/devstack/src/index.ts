// Public API of @fleetsign/devstack: the pieces of a local FleetSign stack (a private
// Redis, a SoftHSM2 token, child processes with log files, bounded polls), used by the
// demo and usable by any tool that needs the services on one machine.

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
