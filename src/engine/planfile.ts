// A saved dry run: per host, the changes with their diffs and a fingerprint of the facts they were
// computed from, plus the playbook (by content hash), variables and fleet version. Applying it
// re-gathers and refuses any host whose facts no longer match.
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../util/atomic-file.js';
import { readInputFile } from '../util/input-file.js';
import { invalid } from '../errors.js';
import { VERSION } from '../version.js';
import { redactDeep } from '../secrets/registry.js';
import type { Vars } from '../types.js';
import type { PlanExpectation } from './host-play.js';
import { checkPlanShape } from './plan-shape.js';
import type { HostReport, RunReport } from './results.js';

export const PLAN_VERSION = 1;

export interface PlanFile {
  kind: 'fleet-plan';
  version: number;
  fleet: string;
  createdAt: string;
  runId: string;
  playbook: { file: string; sha256: string };
  inventory?: string;
  limit?: string;
  tags?: string[];
  extraVars: Vars;
  hosts: (Pick<HostReport, 'host' | 'status' | 'tasks' | 'error'> & { plans: NonNullable<HostReport['plans']> })[];
}

export const sha256File = (file: string): string => createHash('sha256').update(readInputFile(file, 'playbook')).digest('hex');

export function toPlanFile(report: RunReport, o: { inventory?: string; limit?: string; tags?: string[]; extraVars?: Vars }): PlanFile {
  return {
    kind: 'fleet-plan',
    version: PLAN_VERSION,
    fleet: VERSION,
    createdAt: new Date().toISOString(),
    runId: report.runId,
    playbook: { file: report.playbook, sha256: sha256File(report.playbook) },
    inventory: o.inventory,
    limit: o.limit,
    tags: o.tags,
    extraVars: o.extraVars ?? {},
    hosts: report.hosts.map((h) => ({ host: h.host, status: h.status, error: h.error, tasks: h.tasks, plans: h.plans ?? {} })),
  };
}

export function writePlanFile(file: string, plan: PlanFile): void {
  writeFileAtomic(file, `${JSON.stringify(redactDeep(plan), null, 2)}\n`);
}

export function readPlanFile(file: string): PlanFile {
  const text = readInputFile(file, 'plan').toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw invalid(`cannot read plan ${file}: not valid JSON (${(e as Error).message.replace(/\s+/g, ' ')})`);
  }
  const p = raw as Partial<PlanFile>;
  if (p?.kind !== 'fleet-plan' || typeof p.version !== 'number') throw invalid(`${file} is not a fleet plan (make one with: fleet plan PLAYBOOK -o ${file})`);
  if (p.version !== PLAN_VERSION) throw invalid(`${file} is a version ${p.version} plan; this fleet reads version ${PLAN_VERSION}`);
  checkPlanShape(p, file);
  return p as PlanFile;
}

/** Hosts with something to apply, and what the plan saw on each. */
export function expectations(plan: PlanFile): Map<string, Record<number, PlanExpectation>> {
  return new Map(plan.hosts.filter((h) => h.status === 'changed').map((h) => [h.host, h.plans]));
}
