// `no_log: true` on a task: its diffs, step output, error detail and change summaries are replaced
// before any event or report leaves the engine, so no reporter, report, plan or journal sees them.
// Summaries go too: a command's summary is its command line, the usual place for a password.
import type { HostReport, RunEvent, RunReport, TaskResult } from '../engine/results.js';
import { redactDeep } from './registry.js';

export const NO_LOG_MARKER = '(output hidden by no_log)';

export function hideNoLog(r: TaskResult): TaskResult {
  if (!r.noLog) return r;
  return {
    ...r,
    // a skipped task's reason is its `when`, written in the playbook; any other may quote values
    reason: r.status === 'skipped' || r.reason === undefined ? r.reason : NO_LOG_MARKER,
    output: r.output === undefined ? undefined : NO_LOG_MARKER,
    changes: r.changes.map((c) => ({ summary: NO_LOG_MARKER, ...(c.unpredictable ? { unpredictable: true } : {}) })),
    // a check's status and meaning stay; what it saw on the host may quote values
    ...(r.checks ? { checks: r.checks.map((c) => ({ ...c, evidence: c.evidence.length ? [NO_LOG_MARKER] : [] })) } : {}),
  };
}

const hostOut = (h: HostReport): HostReport => redactDeep({ ...h, tasks: h.tasks.map(hideNoLog) });

/** The report as it may be shown or stored: no_log applied, secrets redacted. */
export const publicReport = (r: RunReport): RunReport => redactDeep({ ...r, hosts: r.hosts.map(hostOut) });

/** An engine event as listeners may see it. */
export function publicEvent(e: RunEvent): RunEvent {
  if (e.type === 'task') return { ...e, result: redactDeep(hideNoLog(e.result)) };
  if (e.type === 'host-end') return { ...e, report: hostOut(e.report) };
  if (e.type === 'run-end') return { ...e, report: publicReport(e.report) };
  return redactDeep(e);
}
