// fleet's public API. No side effects on import.
export { run, call, play, type RunInput, type PlayInput, type TaskOptions } from './api.js';
export { runPlaybook, interruptRuns, exitCodeOf, type RunOptions } from './engine/run.js';
export type { RunReport, HostReport, TaskResult, TaskStatus, ChangeRecord, RunEvent, Mode, RolloutRecord, BatchRecord, BatchDecision, GateResult } from './engine/results.js';
export { loadPlaybook, parsePlaybook } from './playbook/load.js';
export type { Play, Playbook } from './playbook/model.js';
export { loadInventory, defaultInventory, selectHosts, type Inventory, type InventoryHost } from './inventory/index.js';
export { builtinRegistry } from './tasks/builtin.js';
export { TaskRegistry } from './tasks/registry.js';
export * from './tasks/builtin-tasks.js';
export { defineTask, isOk } from './types.js';
export type { Task, Fact, Change, Plan, FactValues, FileDiff, TaskCall, Vars, SourceLoc, CheckResult, Severity, Impact, RestartRequest } from './types.js';
export { auditReport, type AuditReport, type AuditHost, type AuditCheck } from './audit/model.js';
export { sh, raw, quote, join, atomicWrite, Script } from './shell/sh.js';
export * as schema from './schema/schema.js';
export { FleetError, ExitCode } from './errors.js';
export { hostFacts, type HostFacts } from './facts/host.js';
export { SECRET_MARKER, SECRET_NAME, NO_LOG_MARKER, registerSecret, redact, redactDeep } from './secrets/index.js';
export { scanHostKeys, linesToRecord, type TrustRow, type TrustStatus } from './transport/trust.js';
