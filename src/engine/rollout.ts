// The rollout's visible decisions, pure: what a health gate ran and how it ended, and what the
// rollout does after each batch (go on or stop, by which rule, on which counts).
import type { BatchDecision, GateResult, TaskResult } from './results.js';
import { meaningfulLine } from './step-error.js';

/** The command a gate runs, as the operator wrote it (`command`/`shell`), else its task type. */
export function gateCommand(call: { type: string; args: unknown; noLog?: boolean }): string {
  if (call.noLog) return `${call.type} (hidden by no_log)`;
  const a = (call.args ?? {}) as { cmd?: unknown; argv?: unknown };
  if (typeof call.args === 'string') return call.args;
  if (Array.isArray(a.argv)) return a.argv.map(String).join(' ');
  if (typeof a.cmd === 'string') return a.cmd;
  return `${call.type} task`;
}

/** A gate's record from its task result. A step that ran and failed is told by its exit status
 *  and the line of its output naming the cause; any other failure by its reason. */
export function gateResult(host: string, command: string, r: TaskResult | undefined, durationMs: number, error?: string): GateResult {
  if (!r) return { host, task: '?', command, ok: false, error: error ?? 'did not run', durationMs };
  const ok = r.status !== 'failed' || Boolean(r.ignored);
  const g: GateResult = { host, task: r.task, command, ok, durationMs };
  if (ok) return g;
  if (r.exitCode !== undefined) g.exitCode = r.exitCode;
  g.error = r.noLog ? '(hidden by no_log)' : r.exitCode !== undefined ? (meaningfulLine(r.output) ?? 'no output') : (r.reason ?? 'failed');
  return g;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** `exit 125 after 0.4 s: docker: Error response from daemon: …` or `passed after 0.1 s` */
export function gateOutcome(g: GateResult): string {
  const how = g.ok ? 'passed' : g.exitCode !== undefined ? `exit ${g.exitCode}` : 'failed';
  return `${how} after ${seconds(g.durationMs)}${g.ok ? '' : `: ${g.error ?? 'no output'}`}`;
}

/** `docker run --rm hello true` exit 125 after 0.4 s: docker: Error response from daemon: … */
export const gateText = (g: GateResult): string => `\`${g.command}\` ${gateOutcome(g)}`;

export interface BatchFacts {
  /** hosts in the batch */
  of: number;
  /** hosts of the batch that ended badly */
  failed: string[];
  /** the first failed gate */
  gate?: GateResult;
  batches: number;
  maxFailPercentage?: number;
  anyErrorsFatal?: boolean;
  /** gate results recorded for the batch (all passed when no `gate` is given) */
  gatesPassed?: number;
  /** the play's last batch: nothing to go on to */
  last?: boolean;
}

const pct = (n: number, of: number) => `${Math.round((n * 100) / of)}%`;

/** After a batch: stop on a failed gate, on any failure with any_errors_fatal, on failures over
 *  max_fail_percentage, or when every host of a batch of several failed; otherwise go on, saying
 *  which failures were tolerated and under which rule. */
export function decideBatch(f: BatchFacts): BatchDecision {
  const n = f.failed.length;
  const base = { failed: n, of: f.of, ...(f.maxFailPercentage !== undefined ? { threshold: f.maxFailPercentage } : {}) };
  const counted = `${n} of ${f.of} hosts failed`;
  const on = f.last ? '' : ': going on';
  // a failed gate stops whatever the counts; they are stated against max_fail_percentage too
  const share = f.maxFailPercentage === undefined ? '' : `; ${counted} (${pct(n, f.of)}), ${(n * 100) / f.of > f.maxFailPercentage ? 'more than' : 'within'} max_fail_percentage ${f.maxFailPercentage}%`;
  if (f.gate) return { ...base, stop: true, rule: 'health-gate', text: `${f.gate.host}: health gate '${f.gate.task}' failed (${gateOutcome(f.gate).replace(': ', '): ')}${share}` };
  if (n && f.anyErrorsFatal) return { ...base, stop: true, rule: 'any-errors-fatal', text: `${f.failed[0]} failed and any_errors_fatal is set` };
  if (n && f.maxFailPercentage !== undefined && (n * 100) / f.of > f.maxFailPercentage) return { ...base, stop: true, rule: 'max-fail-percentage', text: `${counted}, more than max_fail_percentage ${f.maxFailPercentage}% (${pct(n, f.of)})` };
  if (n && n === f.of && f.batches > 1) return { ...base, stop: true, rule: 'batch-failed', text: 'every host of the batch failed' };
  if (n) return { ...base, stop: false, rule: 'failures-tolerated', text: `${counted} (${pct(n, f.of)}), ${f.maxFailPercentage !== undefined ? `within max_fail_percentage ${f.maxFailPercentage}%` : 'no max_fail_percentage set'}${on}` };
  return { ...base, stop: false, rule: 'ok', text: `${f.of === 1 ? 'its host' : `all ${f.of} hosts`} ok${f.gatesPassed ? `, ${f.gatesPassed === 1 ? 'its health gate' : `${f.gatesPassed} health gates`} passed` : ''}${on}` };
}
