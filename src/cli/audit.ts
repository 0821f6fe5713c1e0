// `fleet audit`: the findings playbook and the remediation playbooks (harden.yaml) in check mode
// over the fleet, merged into host × problem. Never changes a host: both runs are check mode.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { ExitCode, FleetError } from '../errors.js';
import { ConnectionPool } from '../engine/connections.js';
import { exitCodeOf, runPlaybook, type RunOptions } from '../engine/run.js';
import type { Inventory } from '../inventory/index.js';
import { loadPlaybook } from '../playbook/load.js';
import { styleFor, useColor } from '../report/style.js';
import { redactDeep } from '../secrets/registry.js';
import type { Severity } from '../types.js';
import { auditDelta, auditReport, SEVERITIES, severityRank, type AuditReport } from '../audit/model.js';
import { lastAudit } from '../audit/store.js';
import { auditTable } from '../audit/table.js';
import { writeAuditHtml } from '../audit/html.js';
import { writer, type CliIO } from './io.js';

export const AUDIT_PLAYBOOK = fileURLToPath(new URL('../../playbooks/audit.yaml', import.meta.url));
export const HARDEN_PLAYBOOK = fileURLToPath(new URL('../../playbooks/harden.yaml', import.meta.url));

export interface AuditFlags {
  json: boolean;
  html?: string;
  /** remediation playbooks played in check mode (default: harden.yaml) */
  fixes: string[];
  failOn?: Severity;
  verbose: boolean;
}

export async function auditCommand(io: CliIO, inventory: Inventory, run: Omit<RunOptions, 'mode' | 'listener' | 'connections' | 'registry'> & { registry: RunOptions['registry'] }, flags: AuditFlags): Promise<number> {
  const pool = new ConnectionPool();
  let report: AuditReport;
  let code: number;
  try {
    const checks = await runPlaybook(loadPlaybook(AUDIT_PLAYBOOK, run.registry), inventory, { ...run, mode: 'check', connections: pool });
    const fixes = [];
    for (const f of flags.fixes) fixes.push(await runPlaybook(loadPlaybook(resolve(io.cwd, f), run.registry), inventory, { ...run, mode: 'check', connections: pool }));
    report = auditReport(checks, fixes, run.registry);
    code = Math.max(...[checks, ...fixes].map((r) => exitCodeOf(r)));
  } finally {
    await pool.closeAll();
  }
  report.inventory = run.inventoryFile;
  const kept = lastAudit(run.inventoryFile, run.limit);
  if (kept.previous) report.since = auditDelta(kept.previous, report);
  kept.save(report);
  if (flags.html) writeAuditHtml(resolve(io.cwd, flags.html), report);
  const out = writer(io.stdout);
  if (flags.json) out(JSON.stringify(redactDeep(report), null, 2));
  else out(auditTable(report, styleFor(useColor(io.stdout)), flags.verbose, io.stdout.columns || 200));
  if (code !== ExitCode.ok) return code;
  const worst = flags.failOn && report.hosts.some((h) => h.checks.some((c) => c.status === 'finding' && severityRank(c.severity) <= severityRank(flags.failOn!)));
  return worst ? ExitCode.findings : ExitCode.ok;
}

export function parseSeverity(v: string): Severity {
  if (!(SEVERITIES as string[]).includes(v)) throw new FleetError(`--fail-on must be one of ${SEVERITIES.join(', ')}, got '${v}'`, ExitCode.invalidInput);
  return v as Severity;
}
