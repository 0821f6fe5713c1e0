// check -> apply -> re-apply through the real CLI, with the JSON reports parsed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleet } from './cli.js';
import type { Impact } from '../../src/types.js';

export interface TaskReport {
  task: string;
  status: string;
  reason?: string;
  changes: { summary: string; diff?: { before: string; after: string }; warnings?: string[]; impact?: Impact[] }[];
}
export interface HostReport {
  host: string;
  status: string;
  tasks: TaskReport[];
}

const dir = mkdtempSync(join(tmpdir(), 'fleet-rem-'));
let n = 0;

export async function run(playbook: string, inventory: string, args: string[]): Promise<{ code: number; out: string; hosts: HostReport[] }> {
  const json = join(dir, `r${++n}.json`);
  const r = await fleet(['apply', playbook, '-i', inventory, '--json', json, ...args]);
  let hosts: HostReport[] = [];
  try {
    hosts = (JSON.parse(readFileSync(json, 'utf8')) as { hosts: HostReport[] }).hosts;
  } catch {
    // no report: the run failed before any host (the output says why)
  }
  return { code: r.code, out: r.stdout + r.stderr, hosts };
}

export const fixture = (name: string) => new URL(`../tasks/fixtures/${name}`, import.meta.url).pathname;
export const task = (hosts: HostReport[], host: string, name: string) => hosts.find((h) => h.host === host)!.tasks.find((t) => t.task === name)!;
export const changedTasks = (hosts: HostReport[], statuses = ['changed', 'would-change']) => hosts.flatMap((h) => h.tasks.filter((t) => statuses.includes(t.status)).map((t) => `${h.host}:${t.task}`)).sort();
