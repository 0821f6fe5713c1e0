// The audit report: every host, every check, from the check-mode runs of the findings playbook
// (checks) and of the remediation playbooks (a task that would change is a problem its task fixes).
import { basename } from 'node:path';
import type { HostReport, RunReport, TaskResult } from '../engine/results.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { CheckResult, Severity } from '../types.js';

export const AUDIT_VERSION = 1;
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export interface AuditCheck extends Omit<CheckResult, 'status'> {
  status: CheckResult['status'] | 'unreachable';
  /** 'check': a findings-only task's detection; 'remediation': a task that would change the host */
  source: 'check' | 'remediation';
  /** the playbook task that ran it */
  task: string;
}

export interface AuditHost {
  host: string;
  status: 'ok' | 'unreachable' | 'failed';
  error?: string;
  checks: AuditCheck[];
}

export interface AuditReport {
  version: number;
  /** the inventory file audited (absent: the default localhost) */
  inventory?: string;
  startedAt: string;
  durationMs: number;
  playbooks: string[];
  hosts: AuditHost[];
  summary: { hosts: number; findings: number; bySeverity: Record<Severity, number>; couldNotCheck: number; unreachable: number };
  /** against the previous audit of the same inventory, when one was kept */
  since?: AuditDelta;
}

/** Problems as `host: id`, new since the last audit and gone since it. */
export interface AuditDelta {
  startedAt: string;
  added: string[];
  resolved: string[];
}

function fromCheckTask(t: TaskResult): AuditCheck[] {
  if (t.checks) return t.checks.map((c) => ({ ...c, source: 'check', task: t.task }));
  // the task could not plan (an error, a refusal): its detections did not run
  if (t.status === 'failed') return [{ id: t.type, title: t.task, severity: 'info', status: 'could-not-check', evidence: [t.reason ?? 'failed'], source: 'check', task: t.task }];
  return [];
}

function fromRemediation(t: TaskResult, playbook: string, severity: Severity): AuditCheck {
  const base = { id: t.type, title: t.task, severity, source: 'remediation' as const, task: t.task, fixedBy: `${playbook}: ${t.task}` };
  if (t.status === 'would-change') return { ...base, status: 'finding', evidence: t.changes.flatMap((c) => [c.summary, ...(c.warnings ?? []).map((w) => `warning: ${w}`)]) };
  if (t.status === 'failed') return { ...base, status: 'could-not-check', evidence: [t.reason ?? 'failed'] };
  return { ...base, status: 'ok', evidence: [t.status === 'skipped' ? `not applicable (${t.reason ?? 'skipped'})` : (t.reason ?? 'ok')] };
}

function hostChecks(h: HostReport, run: RunReport, registry: TaskRegistry, findingsRun: boolean): AuditCheck[] {
  if (findingsRun) return h.tasks.filter((t) => !t.handler).flatMap(fromCheckTask);
  const pb = basename(run.playbook);
  const out = new Map<string, AuditCheck>();
  for (const t of h.tasks.filter((x) => !x.handler && !x.checks)) {
    const c = fromRemediation(t, pb, registry.get(t.type)?.severity ?? 'medium');
    const key = `${pb}#${t.type}`;
    const prev = out.get(key);
    // one row per task type: two tasks of a type (one per `when` branch) show the one that ran
    if (!prev || (prev.status === 'ok' && (c.status !== 'ok' || prev.evidence[0]?.startsWith('not applicable')))) out.set(key, c);
  }
  return [...out.values()];
}

/** Merge the runs (the findings playbook first) into one report. */
export function auditReport(findings: RunReport, fixes: RunReport[], registry: TaskRegistry): AuditReport {
  const runs = [findings, ...fixes];
  const names = [...new Set(runs.flatMap((r) => r.hosts.map((h) => h.host)))];
  const hosts: AuditHost[] = names.map((host) => {
    const per = runs.map((r) => ({ r, h: r.hosts.find((x) => x.host === host) })).filter((x) => x.h) as { r: RunReport; h: HostReport }[];
    const down = per.find((x) => x.h.status === 'unreachable');
    if (down) return { host, status: 'unreachable', error: down.h.error, checks: [] };
    const failed = per.find((x) => x.h.status === 'failed' || x.h.status === 'stopped');
    const checks = per.flatMap(({ r, h }) => hostChecks(h, r, registry, r === findings));
    return { host, status: failed ? 'failed' : 'ok', ...(failed ? { error: failed.h.error ?? failed.h.tasks.find((t) => t.status === 'failed')?.reason } : {}), checks };
  });
  // an unreachable host lists every check the others ran, each 'unreachable'
  const known = new Map<string, AuditCheck>();
  for (const h of hosts) for (const c of h.checks) if (!known.has(`${c.source}:${c.id}`)) known.set(`${c.source}:${c.id}`, c);
  for (const h of hosts.filter((x) => x.status === 'unreachable')) {
    h.checks = [...known.values()].map((c) => ({ id: c.id, title: c.title, severity: c.severity, source: c.source, task: c.task, ...(c.fixedBy ? { fixedBy: c.fixedBy } : {}), status: 'unreachable', evidence: [h.error ?? 'unreachable'] }));
  }
  const all = hosts.flatMap((h) => h.checks);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, all.filter((c) => c.status === 'finding' && c.severity === s).length])) as Record<Severity, number>;
  return {
    version: AUDIT_VERSION,
    startedAt: findings.startedAt,
    durationMs: runs.reduce((n, r) => n + r.durationMs, 0),
    playbooks: runs.map((r) => r.playbook),
    hosts,
    summary: { hosts: hosts.length, findings: all.filter((c) => c.status === 'finding').length, bySeverity, couldNotCheck: all.filter((c) => c.status === 'could-not-check').length, unreachable: hosts.filter((h) => h.status === 'unreachable').length },
  };
}

/** The problems of a host, worst first. */
export const findingsOf = (h: AuditHost): AuditCheck[] => h.checks.filter((c) => c.status === 'finding').sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.id.localeCompare(b.id));

/** What fixes it: the remediation task, else the check's fixedBy, else its advice. */
export const fixOf = (c: AuditCheck): string => c.fixedBy ?? c.advice ?? '';

/** One problem across the fleet: the hosts that have it, worst problems first, then the most hosts. */
export interface Problem {
  id: string;
  title: string;
  severity: Severity;
  hosts: string[];
  fix: string;
}

export function problemsOf(r: AuditReport): Problem[] {
  const by = new Map<string, Problem>();
  for (const h of r.hosts) {
    for (const c of findingsOf(h)) {
      const p = by.get(c.id);
      if (p) {
        p.hosts.push(h.host);
        if (severityRank(c.severity) < severityRank(p.severity)) p.severity = c.severity;
      } else by.set(c.id, { id: c.id, title: c.title, severity: c.severity, hosts: [h.host], fix: fixOf(c) });
    }
  }
  return [...by.values()].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || b.hosts.length - a.hosts.length || a.id.localeCompare(b.id));
}

/** Checks that could not run, by check and reason: mostly what a host kind cannot show (a
 *  container has no kernel log), so one line each rather than one per host. */
export function unknownsOf(r: AuditReport): { id: string; title: string; reason: string; hosts: string[] }[] {
  const by = new Map<string, { id: string; title: string; reason: string; hosts: string[] }>();
  for (const h of r.hosts) {
    for (const c of h.checks.filter((x) => x.status === 'could-not-check')) {
      const reason = c.evidence.join('; ');
      const key = `${c.id}\n${reason}`;
      const u = by.get(key);
      if (u) u.hosts.push(h.host);
      else by.set(key, { id: c.id, title: c.title, reason, hosts: [h.host] });
    }
  }
  return [...by.values()];
}

const problemKeys = (r: AuditReport) => new Set(r.hosts.flatMap((h) => findingsOf(h).map((c) => `${h.host}: ${c.id}`)));

/** What changed since `prev` (an unreachable host's problems are unknown: neither added nor resolved). */
export function auditDelta(prev: AuditReport, cur: AuditReport): AuditDelta {
  const down = new Set([...prev.hosts, ...cur.hosts].filter((h) => h.status === 'unreachable').map((h) => h.host));
  const before = problemKeys(prev);
  const now = problemKeys(cur);
  const host = (k: string) => k.slice(0, k.indexOf(': '));
  return {
    startedAt: prev.startedAt,
    added: [...now].filter((k) => !before.has(k) && !down.has(host(k))),
    resolved: [...before].filter((k) => !now.has(k) && !down.has(host(k)) && cur.hosts.some((h) => h.host === host(k))),
  };
}
