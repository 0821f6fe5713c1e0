// The audit as text: one row per host and problem, worst first, with what fixes it; then what
// could not be checked and which hosts were unreachable.
import type { Style } from '../report/style.js';
import { findingsOf, fixOf, SEVERITIES, unknownsOf, type AuditReport } from './model.js';

const colour = (s: Style, sev: string) => (sev === 'critical' || sev === 'high' ? s.red : sev === 'medium' ? s.yellow : s.dim);

export function auditTable(r: AuditReport, s: Style, verbose = false, width = 200): string {
  const rows = r.hosts.flatMap((h) => findingsOf(h).map((c) => ({ host: h.host, sev: c.severity, problem: `${c.id}: ${c.title}`, fix: fixOf(c), evidence: c.evidence })));
  const out: string[] = [];
  if (rows.length) {
    const w = (k: 'host' | 'sev' | 'problem', min: number) => Math.max(min, ...rows.map((x) => x[k].length));
    const [hw, sw, pw] = [w('host', 4), w('sev', 8), Math.min(w('problem', 7), 70)];
    const cut = (t: string, n: number) => (t.length > n ? `${t.slice(0, n - 1)}…` : t);
    const fixW = Math.max(30, width - hw - sw - pw - 6);
    out.push(s.bold(`${'HOST'.padEnd(hw)}  ${'SEVERITY'.padEnd(sw)}  ${'PROBLEM'.padEnd(pw)}  FIXED BY / ADVICE`));
    for (const x of rows) {
      out.push(`${x.host.padEnd(hw)}  ${colour(s, x.sev)(x.sev.padEnd(sw))}  ${cut(x.problem, pw).padEnd(pw)}  ${cut(x.fix, fixW)}`);
      if (verbose) for (const e of x.evidence) out.push(s.dim(`${' '.repeat(hw + sw + 4)}${e}`));
    }
  } else out.push(s.green('no problems found'));
  // one line per check and reason, not per host: mostly what a kind of host cannot show
  const unknown = unknownsOf(r);
  if (unknown.length) out.push('', s.bold('could not check:'), ...unknown.map((u) => `  ${u.id} on ${u.hosts.length > 5 ? `${u.hosts.length} hosts (${u.hosts.slice(0, 5).join(', ')}, …)` : u.hosts.join(', ')} — ${u.reason}`));
  const down = r.hosts.filter((h) => h.status !== 'ok');
  if (down.length) out.push('', ...down.map((h) => s.red(`${h.host}: ${h.status.toUpperCase()} — ${h.error ?? ''}`)));
  const sum = r.summary;
  const sev = SEVERITIES.filter((x) => sum.bySeverity[x]).map((x) => `${sum.bySeverity[x]} ${x}`).join(', ');
  const checks = new Set(unknown.map((u) => u.id)).size;
  out.push('', `${sum.hosts} host${sum.hosts === 1 ? '' : 's'}: ${sum.findings} problem${sum.findings === 1 ? '' : 's'}${sev ? ` (${sev})` : ''}, ${sum.unreachable} unreachable${checks ? `; ${checks} check${checks === 1 ? '' : 's'} could not run on some hosts` : ''}; nothing was changed`);
  return out.join('\n');
}
