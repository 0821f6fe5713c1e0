// What a change interrupts reaches every place a run is kept: the JSON report, and saved plans
// (written, read back for `fleet show` and `fleet apply --plan`, a malformed one refused by path).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportJson } from '../../src/report/json.js';
import { readPlanFile, toPlanFile, writePlanFile } from '../../src/engine/planfile.js';
import { countTasks, summarize, type RunReport, type TaskResult } from '../../src/engine/results.js';
import type { Impact } from '../../src/types.js';

const impact: Impact[] = [
  { kind: 'restart', service: 'docker', summary: 'dockerd restarts: the docker API does not answer for ~20 s (running containers are stopped first); new containers cannot start meanwhile', duration: '~20 s' },
  { kind: 'containers', summary: '1 running container stops and stays stopped (hidden under the old storage driver): web', containers: ['web'], duration: 'until started again' },
];

function report(dir: string): RunReport {
  const playbook = join(dir, 'pb.yaml');
  writeFileSync(playbook, '- hosts: all\n  tasks: []\n');
  const tasks: TaskResult[] = [{ task: 'restart docker', type: 'restart', handler: true, status: 'would-change', changes: [{ summary: "restart docker once for storage driver vfs -> overlay2 (asked by 'storage')", impact }] }];
  const hosts = [{ host: 'h1', status: 'changed' as const, tasks, counts: countTasks(tasks, 'changed'), execs: 2, durationMs: 1, plans: { 0: { facts: {}, tasks: {} } } }];
  return { runId: 'r1', mode: 'check', playbook, startedAt: new Date(0).toISOString(), durationMs: 1, hosts, summary: summarize(hosts) };
}

describe('impact in reports and plans', () => {
  it('the JSON report carries each change impact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-impact-'));
    const json = JSON.parse(reportJson(report(dir)));
    expect(json.hosts[0].tasks[0].changes[0].impact).toEqual(impact);
  });

  it('a saved plan keeps it, and reads it back; a malformed impact is refused with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-impact-'));
    const file = join(dir, 'plan.json');
    writePlanFile(file, toPlanFile(report(dir), {}));
    expect(readPlanFile(file).hosts[0]!.tasks[0]!.changes[0]!.impact).toEqual(impact);
    const bad = JSON.parse(readFileSync(file, 'utf8'));
    bad.hosts[0].tasks[0].changes[0].impact[1].containers = 'web';
    writeFileSync(file, JSON.stringify(bad));
    expect(() => readPlanFile(file)).toThrow(/hosts\[0\]\.tasks\[0\]\.changes\[0\]\.impact\[1\]\.containers must be a list/);
    bad.hosts[0].tasks[0].changes[0].impact[1] = { kind: 'outage', summary: 'x' };
    writeFileSync(file, JSON.stringify(bad));
    expect(() => readPlanFile(file)).toThrow(/impact\[1\]\.kind must be one of restart, containers, firewall, dns/);
  });
});
