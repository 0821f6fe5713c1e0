// Text shared by every human-facing reporter: task lines, recaps, the plan shown before apply.
import type { HostReport, RunReport, TaskResult } from '../engine/results.js';
import { renderDiff } from './diff.js';
import type { Style } from './style.js';
import { formatLoc } from '../errors.js';

const LABEL: Record<TaskResult['status'], string> = { ok: 'ok', changed: 'changed', 'would-change': 'would change', skipped: 'skipped', failed: 'FAILED' };

export function statusLabel(r: TaskResult, s: Style): string {
  if (r.status === 'failed') return r.ignored ? s.yellow('failed (ignored)') : s.red(LABEL.failed);
  if (r.status === 'would-change' && r.changes.some((c) => c.unpredictable)) return s.yellow('would run — cannot predict');
  if (r.status === 'changed' || r.status === 'would-change') return s.yellow(LABEL[r.status]);
  if (r.status === 'skipped') return s.dim(LABEL.skipped);
  return s.green(LABEL.ok);
}

export function taskLine(host: string, r: TaskResult, s: Style): string {
  const what = r.handler ? `handler ${r.task}` : r.task;
  const detail = r.changes.length ? r.changes.map((c) => c.summary).join('; ') : (r.reason ?? '');
  const prov = r.provisional ? s.dim(' (planned on facts an earlier change would alter)') : '';
  return `${s.bold(host)}  ${statusLabel(r, s)}  ${what}${detail ? s.dim(` — ${detail}`) : ''}${prov}`;
}

export function taskDetails(r: TaskResult, s: Style, diff: boolean): string[] {
  const out: string[] = [];
  for (const c of r.changes) {
    for (const w of c.warnings ?? []) out.push(s.yellow(`    warning: ${w}`));
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
    if (r.output && r.output.trim() !== r.reason?.replace(/^step failed: /, '')) out.push(...indent(r.output, '    | '));
  }
  return out;
}

export function recapLine(h: HostReport, s: Style): string {
  const c = h.counts;
  const col = (n: number, k: string, f: (x: string) => string) => (n > 0 ? f(`${k}=${n}`) : `${k}=${n}`);
  return [
    s.bold(h.host.padEnd(24)),
    col(c.ok, 'ok', s.green),
    col(c.changed, 'changed', s.yellow),
    col(c.failed, 'failed', s.red),
    col(c.skipped, 'skipped', s.dim),
    col(c.unreachable, 'unreachable', s.red),
  ].join('  ') + (h.error ? `\n    ${s.red(h.error)}` : '');
}

export function recap(report: RunReport, s: Style): string {
  const lines = [s.bold(`RECAP (${report.mode}, ${(report.durationMs / 1000).toFixed(1)} s)`), ...report.hosts.map((h) => recapLine(h, s))];
  if (report.stopped) lines.push(s.red(`ROLLOUT STOPPED: ${report.stopped}`));
  for (const r of report.rollbacks ?? []) {
    lines.push(`${s.bold(r.host)}: rolled back, restored ${r.restored.length}${r.failed.length ? s.red(`, could not restore: ${r.failed.join('; ')}`) : ''}${r.error ? ` (${r.error})` : ''}`);
  }
  if (report.mode === 'apply') lines.push(s.dim(`run ${report.runId}: details with \`fleet runs show ${report.runId}\`, undo with \`fleet rollback ${report.runId}\``));
  return lines.join('\n');
}

/** The plan shown before confirmation: hosts with identical changes are grouped, so 500 hosts
 *  needing the same fix print it once. */
export function planText(report: RunReport, s: Style, diff: boolean): string {
  const groups = new Map<string, { hosts: string[]; tasks: TaskResult[] }>();
  const quiet: string[] = [];
  const broken: string[] = [];
  for (const h of report.hosts) {
    if (h.status === 'failed' || h.status === 'unreachable' || h.status === 'stopped') {
      broken.push(`${s.bold(h.host)}: ${s.red(h.status)} — ${h.error ?? h.tasks.find((t) => t.status === 'failed' && !t.ignored)?.reason ?? ''}`);
      continue;
    }
    const tasks = h.tasks.filter((t) => t.status === 'would-change');
    if (tasks.length === 0) {
      quiet.push(h.host);
      continue;
    }
    const key = JSON.stringify(tasks.map((t) => [t.task, t.changes]));
    const g = groups.get(key) ?? { hosts: [], tasks };
    g.hosts.push(h.host);
    groups.set(key, g);
  }
  const out: string[] = [];
  for (const g of groups.values()) {
    out.push(s.bold(`${g.hosts.length === 1 ? 'host' : `${g.hosts.length} hosts`}: ${g.hosts.join(', ')}`));
    for (const t of g.tasks) {
      out.push(`  ${statusLabel(t, s)}  ${t.handler ? `handler ${t.task}` : t.task}`);
      for (const c of t.changes) out.push(`    - ${c.summary}`);
      out.push(...taskDetails(t, s, diff).map((l) => `  ${l}`));
    }
  }
  if (quiet.length) out.push(s.green(`no changes: ${quiet.join(', ')}`));
  if (broken.length) out.push(...broken);
  return out.join('\n');
}

const indent = (text: string, pre: string): string[] => text.split('\n').map((l) => pre + l);
