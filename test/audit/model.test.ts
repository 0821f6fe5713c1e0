// The audit report from check-mode runs: findings tasks' checks, remediation tasks that would
// change (a problem their task fixes), unreachable hosts listing every check; the table and the
// HTML text (escaped, self-contained, redacted). The HTML as a browser renders it is tested on the
// lab (audit.it.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { HostReport, RunReport, TaskResult } from '../../src/engine/results.js';
import { builtinRegistry } from '../../src/tasks/builtin.js';
import { auditDelta, auditReport, problemsOf, unknownsOf } from '../../src/audit/model.js';
import { auditTable } from '../../src/audit/table.js';
import { auditHtml } from '../../src/audit/html.js';
import { styleFor } from '../../src/report/style.js';
import { clearSecrets, registerSecret } from '../../src/secrets/registry.js';
import type { CheckResult } from '../../src/types.js';

const counts = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, refused: 0, stopped: 0 };
const host = (name: string, tasks: TaskResult[], o: Partial<HostReport> = {}): HostReport => ({ host: name, status: 'ok', tasks, counts, execs: 1, durationMs: 1, ...o });
const runOf = (playbook: string, hosts: HostReport[]): RunReport => ({ runId: 'r', mode: 'check', playbook, startedAt: '2026-11-23T09:00:00.000Z', durationMs: 5, hosts, summary: { ...counts, hosts: hosts.length } });
const task = (o: Partial<TaskResult>): TaskResult => ({ task: 't', type: 'x', handler: false, status: 'ok', changes: [], ...o });
const check = (id: string, status: CheckResult['status'], severity: CheckResult['severity'] = 'high', evidence = [`${id} seen`]): CheckResult => ({ id, title: `${id} title`, status, severity, evidence, ...(status === 'finding' ? { advice: `fix ${id}` } : {}) });

const findings = runOf('/p/audit.yaml', [
  host('a', [task({ task: 'socket', type: 'docker_socket_tls', checks: [check('docker-tcp-no-tls', 'finding', 'critical'), check('docker-tls-client-eku', 'ok')] }), task({ task: 'kernel', type: 'kernel_log', checks: [check('kernel-oom-kill', 'could-not-check', 'medium', ['not readable'])] })]),
  host('b', [task({ task: 'socket', type: 'docker_socket_tls', checks: [check('docker-tcp-no-tls', 'ok', 'critical'), check('docker-tls-client-eku', 'ok')] }), task({ task: 'kernel', type: 'kernel_log', checks: [check('kernel-oom-kill', 'ok', 'medium')] })]),
  host('down', [], { status: 'unreachable', error: 'connect ECONNREFUSED' }),
]);
const harden = runOf('/p/harden.yaml', [
  host('a', [task({ task: 'daemon.json', type: 'docker_daemon', status: 'ok', reason: 'fine' }), task({ task: 'pin', type: 'containerd_pin', status: 'skipped', reason: 'when: x' })]),
  host('b', [task({ task: 'daemon.json', type: 'docker_daemon', status: 'would-change', changes: [{ summary: 'update /etc/docker/daemon.json: set live-restore', warnings: ['w'] }] }), task({ task: 'pin', type: 'containerd_pin', status: 'failed', reason: 'refusing: x' })]),
  host('down', [], { status: 'unreachable', error: 'connect ECONNREFUSED' }),
]);

afterEach(() => clearSecrets());

describe('audit report', () => {
  const r = auditReport(findings, [harden], builtinRegistry());
  it('every host, every check, with its status; remediation rows name the task that fixes them', () => {
    const rows = (h: string) => r.hosts.find((x) => x.host === h)!.checks.map((c) => `${c.id} ${c.status} ${c.severity}`);
    expect(rows('a')).toEqual(['docker-tcp-no-tls finding critical', 'docker-tls-client-eku ok high', 'kernel-oom-kill could-not-check medium', 'docker_daemon ok medium', 'containerd_pin ok high']);
    expect(rows('b')).toEqual(['docker-tcp-no-tls ok critical', 'docker-tls-client-eku ok high', 'kernel-oom-kill ok medium', 'docker_daemon finding medium', 'containerd_pin could-not-check high']);
    const fix = r.hosts[1]!.checks.find((c) => c.id === 'docker_daemon')!;
    expect(fix).toMatchObject({ source: 'remediation', fixedBy: 'harden.yaml: daemon.json', evidence: ['update /etc/docker/daemon.json: set live-restore', 'warning: w'] });
    expect(r.hosts[0]!.checks.find((c) => c.id === 'containerd_pin')!.evidence).toEqual(['not applicable (when: x)']);
    expect(r.hosts[2]).toMatchObject({ status: 'unreachable', error: 'connect ECONNREFUSED' });
    expect(r.hosts[2]!.checks.map((c) => `${c.id} ${c.status}`)).toEqual(['docker-tcp-no-tls unreachable', 'docker-tls-client-eku unreachable', 'kernel-oom-kill unreachable', 'docker_daemon unreachable', 'containerd_pin unreachable']);
    expect(r.summary).toEqual({ hosts: 3, findings: 2, bySeverity: { critical: 1, high: 0, medium: 1, low: 0, info: 0 }, couldNotCheck: 2, unreachable: 1 });
  });
  it('the table: one row per host and problem, worst first; then what could not be checked', () => {
    const t = auditTable(r, styleFor(false), false, 120).split('\n');
    expect(t.slice(0, 3)).toEqual([
      'HOST  SEVERITY  PROBLEM                                     FIXED BY / ADVICE',
      'a     critical  docker-tcp-no-tls: docker-tcp-no-tls title  fix docker-tcp-no-tls',
      'b     medium    docker_daemon: daemon.json                  harden.yaml: daemon.json',
    ]);
    expect(t).toContain('  kernel-oom-kill on a — not readable');
    expect(t).toContain('down: UNREACHABLE — connect ECONNREFUSED');
    expect(t[t.length - 1]).toBe('3 hosts: 2 problems (1 critical, 1 medium), 1 unreachable; 2 checks could not run on some hosts; nothing was changed');
  });
  it('HTML: escaped, self-contained, secrets redacted', () => {
    registerSecret('hunter2-secret');
    const evil = runOf('/p/audit.yaml', [host('<b>x</b>', [task({ type: 'docker_containers', checks: [check('image-latest', 'finding', 'low', ['<script>alert(1)</script> hunter2-secret'])] })])]);
    const html = auditHtml(auditReport(evil, [], builtinRegistry()));
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toContain('hunter2-secret');
    expect(html).toContain('«secret»');
    expect(html).not.toMatch(/(src|href)=|https?:\/\//);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });
  it('per problem: the hosts that have it and what fixes it; could-not-check by check and reason', () => {
    expect(problemsOf(r)).toEqual([
      { id: 'docker-tcp-no-tls', title: 'docker-tcp-no-tls title', severity: 'critical', hosts: ['a'], fix: 'fix docker-tcp-no-tls' },
      { id: 'docker_daemon', title: 'daemon.json', severity: 'medium', hosts: ['b'], fix: 'harden.yaml: daemon.json' },
    ]);
    expect(unknownsOf(r)).toEqual([
      { id: 'kernel-oom-kill', title: 'kernel-oom-kill title', reason: 'not readable', hosts: ['a'] },
      { id: 'containerd_pin', title: 'pin', reason: 'refusing: x', hosts: ['b'] },
    ]);
  });
  it('since the last audit: new and resolved problems; an unreachable host is neither', () => {
    const later = auditReport(
      runOf('/p/audit.yaml', [
        host('a', [task({ task: 'socket', type: 'docker_socket_tls', checks: [check('docker-tcp-no-tls', 'ok', 'critical'), check('docker-tls-client-eku', 'finding')] })]),
        host('b', [], { status: 'unreachable', error: 'gone' }),
      ]),
      [],
      builtinRegistry(),
    );
    expect(auditDelta(r, later)).toEqual({ startedAt: r.startedAt, added: ['a: docker-tls-client-eku'], resolved: ['a: docker-tcp-no-tls'] });
  });
  it('HTML: a summary, the per-problem view, and could-not-check folded away', () => {
    const html = auditHtml({ ...r, inventory: '/inv/hosts.yaml', since: { startedAt: '2026-11-22T09:00:00.000Z', added: ['b: docker_daemon'], resolved: [] } });
    expect(html).toMatch(/<p id="summary">3 hosts, 2 problems \(1 critical, 0 high, 1 medium, 0 low, 0 info\), 1 unreachable; 2 checks could not run on some hosts \(below\)\. Nothing was changed\.<\/p>/);
    expect(html).toContain('Inventory /inv/hosts.yaml;');
    expect(html).toContain('Since the last audit (2026-11-22T09:00:00.000Z): 1 new, 0 resolved. New: b: docker_daemon.');
    expect(html).toMatch(/<section id="problems">.*<tr data-problem="docker-tcp-no-tls" data-severity="critical">.*<td class="count">1<\/td><td class="hosts">a<\/td>/s);
    expect(html).toMatch(/<details id="unknown"><summary>Could not check \(2 checks\)/);
    // the matrix is headed by problem titles for checks and remediations alike
    expect(html).toContain('<th class="problem" data-problem="docker_daemon" data-severity="medium" title="docker_daemon">daemon.json</th>');
  });
});
