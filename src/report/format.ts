// Text shared by every human-facing reporter: task lines, recaps, the plan shown before apply.
import { COUNT_KEYS, type BatchRecord, type GateResult, type HostCounts, type HostReport, type HostStatus, type RolloutRecord, type RunReport, type TaskResult } from '../engine/results.js';
import { gateText, seconds } from '../engine/rollout.js';
import type { Impact } from '../types.js';
import { renderDiff } from './diff.js';
import type { Style } from './style.js';
import { formatLoc } from '../errors.js';
import { capList, hostList } from './groups.js';

const LABEL: Record<TaskResult['status'], string> = { ok: 'ok', changed: 'changed', 'would-change': 'would change', skipped: 'skipped', failed: 'FAILED' };
export const PROVISIONAL = 'planned on facts an earlier change would alter';

export function statusLabel(r: TaskResult, s: Style): string {
  if (r.status === 'failed') return r.ignored ? s.yellow('failed (ignored)') : s.red(LABEL.failed);
  if (r.status === 'would-change' && r.changes.some((c) => c.unpredictable)) return s.yellow('would run — cannot predict');
  if (r.status === 'changed' || r.status === 'would-change') return s.yellow(LABEL[r.status]);
  if (r.status === 'skipped') return s.dim(LABEL.skipped);
  return s.green(LABEL.ok);
}

/** A host's own outcome, as every output names it. */
export function hostStatusLabel(status: HostStatus | 'running', s: Style): string {
  if (status === 'failed' || status === 'refused' || status === 'unreachable' || status === 'stopped') return s.red(status.toUpperCase());
  if (status === 'changed') return s.yellow(status);
  return status === 'ok' ? s.green(status) : status;
}

export function taskLine(host: string, r: TaskResult, s: Style): string {
  const what = r.handler ? `handler ${r.task}` : r.task;
  const detail = r.changes.length ? r.changes.map((c) => c.summary).join('; ') : (r.reason ?? '');
  const prov = r.provisional ? s.dim(` (${PROVISIONAL})`) : '';
  return `${s.bold(host)}  ${statusLabel(r, s)}  ${what}${detail ? s.dim(` — ${detail}`) : ''}${prov}`;
}

export function taskDetails(r: TaskResult, s: Style, diff: boolean): string[] {
  const out: string[] = [];
  for (const c of r.changes) {
    for (const w of c.warnings ?? []) out.push(s.yellow(`    warning: ${w}`));
    out.push(...impactLines(c.impact ?? [], s, '    '));
    if (diff && c.diff) out.push(...indent(renderDiff(c.diff, s), '    '));
  }
  if (diff && r.noLog && r.changes.length) out.push(s.dim(`    (diff hidden by no_log)`));
  for (const c of r.checks ?? []) {
    if (c.status === 'finding') out.push(`    ${(c.severity === 'critical' || c.severity === 'high' ? s.red : s.yellow)(c.severity)} ${c.id}: ${c.evidence.join('; ')}`);
    else if (c.status === 'could-not-check') out.push(s.dim(`    could not check ${c.id}: ${c.evidence.join('; ')}`));
  }
  if (r.status === 'failed') {
    if (r.reason) out.push(s.red(`    ${r.reason}`));
    if (r.loc) out.push(s.dim(`    at ${formatLoc(r.loc)}`));
    if (r.output && r.output.trim() !== r.reason?.replace(/^step failed(?: \(exit \d+\))?: /, '')) out.push(...indent(r.output, '    | '));
  }
  return out;
}

/** What a change interrupts: every kind the same way, its summary then whichever details it has. */
export function impactLines(impacts: readonly Impact[], s: Style, pre: string): string[] {
  const out: string[] = [];
  for (const i of impacts) {
    out.push(`${pre}${s.yellow(`interrupts (${i.kind})`)}: ${i.summary}`);
    const d = `${pre}  `;
    const facts = [i.service && `service ${i.service}`, i.duration && `for ${i.duration}`].filter(Boolean);
    if (facts.length) out.push(s.dim(`${d}${facts.join(', ')}`));
    if (i.containers?.length) out.push(s.dim(`${d}containers (${i.containers.length}): ${capList(i.containers, 10)}`));
    for (const p of i.ports ?? []) out.push(s.dim(`${d}port ${p.hostPort}/${p.proto} of ${p.container}: ${p.stillFrom.length ? `still answers from ${p.stillFrom.join(', ')} only` : 'no longer answers from outside'}`));
    if (i.clients?.length) out.push(s.dim(`${d}clients (${i.clients.length}): ${capList(i.clients, 10)}`));
  }
  return out;
}

/** `ok=5  changed=0 …`: the one rendering of a host's counts (recap, `fleet runs show`). */
export function countsText(c: Partial<HostCounts>, s: Style): string {
  const colour = (k: string) => (k === 'ok' ? s.green : k === 'changed' ? s.yellow : k === 'skipped' ? s.dim : s.red);
  return COUNT_KEYS.map((k) => {
    const n = c[k] ?? 0;
    return n > 0 ? colour(k)(`${k}=${n}`) : `${k}=${n}`;
  }).join('  ');
}

export function recapLine(h: HostReport, s: Style): string {
  return `${s.bold(h.host.padEnd(24))}  ${countsText(h.counts, s)}${h.error ? `\n    ${s.red(h.error)}` : ''}`;
}

export function recap(report: RunReport, s: Style): string {
  const lines = [s.bold(`RECAP (${report.mode}, ${(report.durationMs / 1000).toFixed(1)} s)`), ...report.hosts.map((h) => recapLine(h, s))];
  // an apply's batches and gates; a dry run's only when its rollout stopped (it runs no gates)
  if (report.mode === 'apply' || report.stopped) lines.push(...rolloutLines(report.rollout ?? [], s));
  if (report.stopped) lines.push(s.red(`ROLLOUT STOPPED: ${report.stopped}`));
  for (const r of report.rollbacks ?? []) {
    lines.push(`${s.bold(r.host)}: rolled back, restored ${r.restored.length}${r.failed.length ? s.red(`, could not restore: ${r.failed.join('; ')}`) : ''}${r.error ? ` (${r.error})` : ''}`);
  }
  if (report.mode === 'apply') lines.push(s.dim(`run ${report.runId}: details with \`fleet runs show ${report.runId}\`, undo with \`fleet rollback ${report.runId}\``));
  return lines.join('\n');
}

export interface PlanTextOptions {
  /** show unified diffs */
  diff: boolean;
  /** host names printed per group before "and N more hosts" (default 10; Infinity: all) */
  maxHosts?: number;
}

/** The plan: the same text on a terminal, in a pipe, before the confirmation and in `fleet show`.
 *  Hosts with identical changes are grouped, so 500 hosts needing the same fix print it once; a
 *  group names at most `maxHosts` hosts. */
export function planText(report: RunReport, s: Style, o: PlanTextOptions): string {
  const max = o.maxHosts ?? 10;
  let unnamed = 0;
  const names = (hosts: string[]) => {
    if (hosts.length <= max) return hosts.join(', ');
    unnamed += hosts.length - max;
    return `${hosts.slice(0, max).join(', ')} and ${hosts.length - max} more hosts`;
  };
  const groups = new Map<string, { hosts: string[]; tasks: TaskResult[]; error?: string }>();
  const quiet: string[] = [];
  const broken = new Map<string, { status: HostStatus; error: string; hosts: string[] }>();
  for (const h of report.hosts) {
    const tasks = h.tasks.filter(shown);
    const hostError = h.status === 'failed' && !tasks.some((t) => t.status === 'failed' && !t.ignored) ? (h.error ?? '') : undefined;
    if (h.status === 'unreachable' || h.status === 'stopped' || h.status === 'refused' || (hostError !== undefined && tasks.length === 0)) {
      const key = `${h.status}\0${h.error ?? ''}`;
      const b = broken.get(key) ?? { status: h.status, error: h.error ?? '', hosts: [] };
      b.hosts.push(h.host);
      broken.set(key, b);
      continue;
    }
    if (tasks.length === 0) {
      quiet.push(h.host);
      continue;
    }
    // only what is shown tells groups apart: without diffs, hosts whose diffs differ share a group
    const key = JSON.stringify([hostError, tasks.map((t) => [t.task, t.handler, t.status, t.ignored, t.provisional, t.status === 'failed' ? [t.reason, t.output] : 0, t.checks, t.changes.map((c) => (o.diff ? c : { ...c, diff: undefined }))])]);
    const g = groups.get(key) ?? { hosts: [], tasks, error: hostError };
    g.hosts.push(h.host);
    groups.set(key, g);
  }
  const out: string[] = [];
  for (const g of groups.values()) {
    out.push(s.bold(`${g.hosts.length === 1 ? 'host' : `${g.hosts.length} hosts`}: ${names(g.hosts)}`));
    for (const t of g.tasks) {
      out.push(`  ${statusLabel(t, s)}  ${t.handler ? `handler ${t.task}` : t.task}${t.provisional ? s.dim(` (${PROVISIONAL})`) : ''}`);
      for (const c of t.changes) out.push(`    - ${c.summary}`);
      out.push(...taskDetails(t, s, o.diff).map((l) => `  ${l}`));
    }
    if (g.error) out.push(s.red(`  FAILED: ${g.error}`));
  }
  if (quiet.length) out.push(s.green(`no changes (${quiet.length === 1 ? '1 host' : `${quiet.length} hosts`}): ${names(quiet)}`));
  for (const b of broken.values()) out.push(`${s.red(b.status)} (${b.hosts.length === 1 ? '1 host' : `${b.hosts.length} hosts`}): ${names(b.hosts)}${b.error ? ` — ${b.error}` : ''}`);
  if (unnamed) out.push(s.dim(`(${unnamed} hosts not named above: see one with --limit HOST, or every host with \`fleet plan PLAYBOOK -o plan.json\` then \`fleet show plan.json\`)`));
  return out.join('\n');
}

/** A task the plan shows: it would change, failed, or found a problem. */
const shown = (t: TaskResult): boolean => t.status === 'would-change' || t.status === 'changed' || t.status === 'failed' || Boolean(t.checks?.some((c) => c.status === 'finding'));

const indent = (text: string, pre: string): string[] => text.split('\n').map((l) => pre + l);

/** "batch 2/3 of play 'x'" — or "play 'x'" when the play is one batch, as the stop reason says. */
export const batchLabel = (play: string, index: number, of: number): string => (of > 1 ? `batch ${index}/${of} of play '${play}'` : `play '${play}'`);

/** The line a batch starts with, in the live output. */
export function batchStartLine(play: string, index: number, of: number, hosts: readonly string[], canary: boolean, s: Style): string {
  return s.bold(`BATCH ${index}/${of} of play '${play}'${canary ? ' (canary)' : ''}: ${hostList(hosts)}`);
}

/** One gate on one host: its command, exit status, duration and the line naming the cause. */
export function gateLine(g: GateResult, s: Style): string {
  return `${s.bold(g.host)}  ${g.ok ? s.green('gate ok') : s.red('GATE FAILED')}  ${g.task} — ${gateText(g)}`;
}

/** What the rollout did after a batch: go on (and why), or stop (the rule, the counts). `brief`:
 *  the rule only, where the full reason follows (the recap's ROLLOUT STOPPED line). */
export function decisionText(b: BatchRecord, s: Style, brief = false): string {
  const d = b.decision;
  if (!d) return '';
  if (!d.stop) return d.text;
  const rule = !brief ? d.text : d.rule === 'health-gate' ? `a health gate failed (${d.failed} of ${d.of} hosts failed${d.threshold !== undefined ? `, ${Math.round((d.failed * 100) / d.of)}%; max_fail_percentage ${d.threshold}%` : ''})` : d.rule === 'any-errors-fatal' ? `a host failed and any_errors_fatal is set` : d.rule === 'max-fail-percentage' ? d.text : 'every host of the batch failed';
  return s.red(`STOP — ${rule}${b.rolledBack?.length ? `; rolled back ${hostList(b.rolledBack)}` : ''}`);
}

export const decisionLine = (play: string, b: BatchRecord, of: number, s: Style): string => `after ${batchLabel(play, b.index, of)}: ${decisionText(b, s)}`;

/** The recap's rollout block: per play of several batches or with gates, each batch with its
 *  hosts, gates (passed ones folded to one line, failed ones each) and the decision after it. */
export function rolloutLines(rollout: readonly RolloutRecord[], s: Style): string[] {
  const out: string[] = [];
  for (const p of rollout) {
    if (p.batches.length < 2 && p.gates.length === 0 && !p.stopped) continue;
    const rules = [p.serial && `serial ${p.serial.join(', ')}`, p.maxFailPercentage !== undefined && `max_fail_percentage ${p.maxFailPercentage}%`, p.anyErrorsFatal && 'any_errors_fatal', p.rollbackOnFailure && 'rollback_on_failure', p.gates.length && `health gate${p.gates.length > 1 ? 's' : ''} ${p.gates.map((g) => `'${g}'`).join(', ')}`].filter(Boolean);
    out.push(s.bold(`ROLLOUT of play '${p.play}'${rules.length ? ` (${rules.join('; ')})` : ''}`));
    for (const b of p.batches) {
      const state = b.state === 'not-run' ? s.dim('not run') : b.state === 'failed' ? s.red(`FAILED on ${b.failed.length}`) : s.green('ok');
      out.push(`  batch ${b.index}/${p.batches.length}${b.canary ? ' (canary)' : ''}: ${hostList(b.hosts)} — ${state}${b.durationMs !== undefined ? s.dim(` (${seconds(b.durationMs)})`) : ''}`);
      const passed = b.gates.filter((g) => g.ok);
      for (const [task, gs] of groupBy(passed, (g) => `${g.task}\0${g.command}`)) {
        const ms = gs.map((g) => g.durationMs);
        out.push(`    ${s.green('gate ok')}  ${task.split('\0')[0]} — \`${gs[0]!.command}\` passed on ${hostList(gs.map((g) => g.host), 5)} in ${seconds(Math.min(...ms))}${gs.length > 1 ? `–${seconds(Math.max(...ms))}` : ''}`);
      }
      const failed = b.gates.filter((g) => !g.ok);
      for (const g of failed.slice(0, 10)) out.push(`    ${gateLine(g, s)}`);
      if (failed.length > 10) out.push(s.dim(`    and ${failed.length - 10} more failed gates (the JSON report has them all)`));
      if (b.decision) out.push(`    decision: ${decisionText(b, s, true)}`);
    }
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) m.set(key(t), [...(m.get(key(t)) ?? []), t]);
  return m;
}
