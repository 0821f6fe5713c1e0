// Building blocks of findings-only tasks: a check's fixed meaning (id, title, severity, advice)
// declared once, results made from it, and the plan that reports them (always { ok }: a check
// changes nothing, so check mode and apply agree that there is nothing to do).
import type { CheckResult, Plan, Severity } from '../../types.js';

export interface CheckDef {
  id: string;
  title: string;
  severity: Severity;
  advice?: string;
  fixedBy?: string;
}

/** A result of `def`; advice is attached to findings only. */
export function result(def: CheckDef, status: CheckResult['status'], evidence: string[], over: Partial<CheckResult> = {}): CheckResult {
  return {
    id: def.id,
    title: def.title,
    status,
    severity: def.severity,
    evidence,
    ...(status === 'finding' && def.advice ? { advice: def.advice } : {}),
    ...(def.fixedBy ? { fixedBy: def.fixedBy } : {}),
    ...over,
  };
}

/** The plan of a findings-only task: no change, the checks attached, a one-line summary. */
export function reportChecks(checks: CheckResult[]): Plan {
  const found = checks.filter((c) => c.status === 'finding');
  const unknown = checks.filter((c) => c.status === 'could-not-check');
  const parts = [found.length ? `${found.length} finding${found.length > 1 ? 's' : ''}: ${found.map((c) => c.id).join(', ')}` : 'no findings'];
  if (unknown.length) parts.push(`could not check ${unknown.map((c) => c.id).join(', ')}`);
  return { ok: parts.join('; '), checks };
}

/** Every check ok for one reason (nothing to look at on this host). */
export const allOk = (reason: string, defs: readonly CheckDef[]): Plan => reportChecks(defs.map((d) => result(d, 'ok', [reason])));
