// What a run produced, per host and per task. Reporters and the JSON report read only these.
import type { CheckResult, FileDiff, Impact, SourceLoc } from '../types.js';

export type Mode = 'check' | 'apply';

export type TaskStatus =
  | 'ok' // already right (reason says why)
  | 'changed' // apply changed it and verified
  | 'would-change' // check mode: apply would change it
  | 'skipped' // `when` false, or not reached
  | 'failed';

export interface ChangeRecord {
  summary: string;
  diff?: FileDiff;
  unpredictable?: boolean;
  warnings?: string[];
  /** what the change interrupts (types.ts Impact) */
  impact?: Impact[];
}

export interface TaskResult {
  task: string;
  type: string;
  handler: boolean;
  status: TaskStatus;
  /** why ok/skipped, or the error */
  reason?: string;
  changes: ChangeRecord[];
  /** output of the applied steps (changed/failed) */
  output?: string;
  /** the failure was ignored (ignore_errors) */
  ignored?: boolean;
  /** check mode: planned on facts that an earlier change would alter */
  provisional?: boolean;
  /** a health gate check, run after the batch's changes */
  health?: boolean;
  /** a failed step: its exit status */
  exitCode?: number;
  /** the detections a findings-only task ran (status stays ok: nothing is changed) */
  checks?: CheckResult[];
  /** no_log task: diffs, output and error detail are replaced before leaving the engine */
  noLog?: boolean;
  loc?: SourceLoc;
}

/** 'refused': nothing was changed because the host drifted from the plan the operator saw (a saved
 *  plan, or the dry run before the confirmation); 'stopped': not run because the rollout stopped
 *  before this host's batch */
export type HostStatus = 'ok' | 'changed' | 'failed' | 'refused' | 'unreachable' | 'stopped';

/** A host that ended badly: later plays skip it, it counts against max_fail_percentage. */
export const isBadHost = (s: HostStatus): boolean => s === 'failed' || s === 'refused' || s === 'unreachable';

/** Tasks per outcome, and the host's own outcome when no task carries it: `unreachable`, `refused`
 *  and `stopped` are 0 or 1, and `failed` counts 1 for a host that failed outside any task (its
 *  facts could not be gathered, its apply could not start), so a recap never says failed=0 for a
 *  failed host. */
export interface HostCounts {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  refused: number;
  stopped: number;
}

export const COUNT_KEYS = ['ok', 'changed', 'failed', 'skipped', 'unreachable', 'refused', 'stopped'] as const;

export interface HostReport {
  host: string;
  status: HostStatus;
  tasks: TaskResult[];
  error?: string;
  counts: HostCounts;
  /** round trips made (exec calls) */
  execs: number;
  /** per play (by index): what a saved plan depends on and the changes it recorded */
  plans?: Record<number, { facts: Record<string, string>; tasks: Record<string, string> }>;
  durationMs: number;
}

export interface RunReport {
  /** the run's id: its journal entry and its backups on each host (/var/lib/fleet/runs/ID) */
  runId: string;
  mode: Mode;
  playbook: string;
  startedAt: string;
  durationMs: number;
  hosts: HostReport[];
  summary: HostCounts & { hosts: number };
  /** why the rollout stopped before every batch ran */
  stopped?: string;
  rollbacks?: RollbackReport[];
  /** per play: its batches, their health gates and the decision taken after each */
  rollout?: RolloutRecord[];
}

/** One health gate on one host, after its batch's changes. */
export interface GateResult {
  host: string;
  /** the gate task's name */
  task: string;
  /** what it ran: the command line, or the task type where it is not a command */
  command: string;
  ok: boolean;
  /** exit status of the failed step (a command gate that ran) */
  exitCode?: number;
  /** the first line of its output that says what went wrong (src/engine/step-error.ts) */
  error?: string;
  durationMs: number;
}

/** What the rollout did after a batch: go on, or stop, and why (counts as the rule reads them). */
export interface BatchDecision {
  stop: boolean;
  rule: 'ok' | 'health-gate' | 'any-errors-fatal' | 'max-fail-percentage' | 'batch-failed' | 'failures-tolerated';
  failed: number;
  of: number;
  /** max_fail_percentage, when the play sets one */
  threshold?: number;
  /** one sentence: "1 of 2 hosts failed (50%), more than max_fail_percentage 0%: stopping" */
  text: string;
}

export interface BatchRecord {
  /** 1-based */
  index: number;
  hosts: string[];
  /** the first of several batches */
  canary: boolean;
  /** not-run: the rollout stopped before it */
  state: 'ok' | 'failed' | 'not-run';
  /** hosts of the batch that ended badly (failed, refused, unreachable) */
  failed: string[];
  gates: GateResult[];
  decision?: BatchDecision;
  durationMs?: number;
  /** hosts rolled back after this batch (rollback_on_failure) */
  rolledBack?: string[];
}

export interface RolloutRecord {
  play: string;
  serial?: (number | string)[];
  maxFailPercentage?: number;
  anyErrorsFatal?: boolean;
  rollbackOnFailure?: boolean;
  /** the gate tasks' names, in order */
  gates: string[];
  batches: BatchRecord[];
  /** the message of the stop decision (the report's `stopped`) */
  stopped?: string;
}

export type RunEvent =
  | { type: 'run-start'; mode: Mode; playbook: string; hosts: string[] }
  | { type: 'play-start'; play: string; hosts: string[] }
  | { type: 'batch-start'; play: string; index: number; of: number; hosts: string[]; canary: boolean }
  | { type: 'host-phase'; host: string; phase: 'connect' | 'gather' | 'apply' | 'verify' | 'health' }
  /** live: a task's outcome as soon as it is known (no status: it starts now); the `task`
   *  events follow at the host's end, in task order */
  | { type: 'host-task'; host: string; task: string; status?: TaskStatus }
  | { type: 'health'; play: string; batch: number; gate: GateResult }
  | { type: 'batch-end'; play: string; batch: BatchRecord; of: number }
  | { type: 'task'; host: string; result: TaskResult }
  | { type: 'host-end'; host: string; report: HostReport }
  | { type: 'run-end'; report: RunReport };

export type Listener = (e: RunEvent) => void;

export function countTasks(tasks: readonly TaskResult[], status: HostStatus): HostCounts {
  const c: HostCounts = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: +(status === 'unreachable'), refused: +(status === 'refused'), stopped: +(status === 'stopped') };
  for (const t of tasks) {
    if (t.status === 'ok') c.ok++;
    else if (t.status === 'changed' || t.status === 'would-change') c.changed++;
    else if (t.status === 'skipped') c.skipped++;
    else if (t.status === 'failed' && !t.ignored) c.failed++;
    else if (t.status === 'failed') c.ok++;
  }
  if (status === 'failed' && c.failed === 0) c.failed = 1;
  return c;
}

export function summarize(hosts: readonly HostReport[]): RunReport['summary'] {
  const sum = { hosts: hosts.length, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, refused: 0, stopped: 0 };
  // counts from older journals and plan files lack the newer keys
  for (const h of hosts) for (const k of COUNT_KEYS) sum[k] += h.counts[k] ?? 0;
  return sum;
}

export interface RollbackReport {
  host: string;
  restored: string[];
  /** what could not be restored, with the reason */
  failed: string[];
  /** check: what undoing the run would do, newest first */
  planned?: string[];
  /** parts failed: the run is not marked rolled back there, so a second rollback retries */
  incomplete?: boolean;
  error?: string;
}
