// Runs probes and steps with the local /bin/sh, the way the engine frames them on a host, so task
// tests can exercise real shell against a temp directory without SSH.
import { spawnSync } from 'node:child_process';
import type { Change, FactMap, FactValues, Plan, Task } from '../../src/types.js';
import { isOk } from '../../src/types.js';
import { parseArgs } from '../../src/schema/schema.js';

export function gatherLocal<F extends FactMap>(facts: F): FactValues<F> {
  const out: Record<string, unknown> = {};
  for (const [name, fact] of Object.entries(facts)) {
    const r = spawnSync('/bin/sh', ['-c', `( ${fact.probe.text}\n) 2>/dev/null`], { encoding: 'utf8' });
    out[name] = fact.parse(r.stdout, r.status ?? 1);
  }
  return out as FactValues<F>;
}

export function applyLocal(changes: Change[]): void {
  for (const c of changes) {
    const script = `( set -e\n${c.steps.map((s) => s.text).join('\n')}\n)`;
    const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`step failed (${r.status}) for "${c.summary}": ${r.stdout}${r.stderr}`);
  }
}

/** check -> apply -> verify -> re-plan: returns the first plan and the plan after apply. */
export function convergeLocal<A>(task: Task<A, FactMap>, rawArgs: unknown): { first: Plan; second: Plan } {
  const args = parseArgs(task.args, rawArgs);
  const first = task.plan(args, gatherLocal(task.facts(args)));
  if (!isOk(first)) applyLocal(first);
  const second = task.plan(args, gatherLocal(task.facts(args)));
  return { first, second };
}
