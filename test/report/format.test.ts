// The plan and its summary, as pure text: grouping, the per-group cap, impact lines of every kind,
// staleness markers, warnings, failures, the rollout line; and a terminal's text is the plain text
// with colour added, nothing left out.
import { describe, expect, it } from 'vitest';
import { countTasks, type HostReport, type HostStatus, type RunReport, type TaskResult } from '../../src/engine/results.js';
import { planText, recap } from '../../src/report/format.js';
import { planSummary, rolloutText } from '../../src/report/summary.js';
import { styleFor } from '../../src/report/style.js';
import type { Impact } from '../../src/types.js';

const plain = styleFor(false);
const colour = styleFor(true);
const strip = (s: string) => s.replace(/\x1b\[\d+m/g, '');

const task = (name: string, o: Partial<TaskResult> = {}): TaskResult => ({ task: name, type: 'copy', handler: false, status: 'would-change', changes: [{ summary: `update /etc/${name}`, diff: { path: `/etc/${name}`, before: 'a\n', after: 'b\n' } }], ...o });
const host = (name: string, tasks: TaskResult[], status: HostStatus = tasks.some((t) => t.status === 'would-change') ? 'changed' : 'ok', error?: string): HostReport => ({ host: name, status, tasks, error, counts: countTasks(tasks, status), execs: 1, durationMs: 1 });
const run = (hosts: HostReport[]): RunReport => ({ runId: 'r1', mode: 'check', playbook: 'pb.yaml', startedAt: '', durationMs: 1200, hosts, summary: { hosts: hosts.length, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, refused: 0, stopped: 0 } });

const restart: Impact = { kind: 'restart', summary: 'dockerd restarts: running containers stop for ~10 s', service: 'docker', containers: ['web', 'db'], duration: '~10 s' };
const firewall: Impact = { kind: 'firewall', summary: 'published ports stop answering from outside 10.0.0.0/8', ports: [{ container: 'web', hostPort: 8080, proto: 'tcp', stillFrom: ['10.0.0.0/8'] }, { container: 'db', hostPort: 5432, proto: 'tcp', stillFrom: [] }] };
const dns: Impact = { kind: 'dns', summary: 'dnsmasq restarts: its clients get no answer for ~1 s', service: 'dnsmasq', clients: ['172.17.0.2', '172.17.0.3'] };
const containers: Impact = { kind: 'containers', summary: 'the container app is recreated', containers: ['app'] };

describe('the plan', () => {
  it('groups hosts with identical changes and caps the names per group, pointing to --limit and fleet show', () => {
    const hosts = Array.from({ length: 25 }, (_, i) => host(`web${String(i).padStart(2, '0')}`, [task('app.conf')]));
    const text = planText(run([...hosts, host('db1', [task('ok', { status: 'ok', changes: [] })])]), plain, { diff: true });
    expect(text.match(/^25 hosts: /gm)).toHaveLength(1);
    expect(text).toContain('25 hosts: web00, web01, web02, web03, web04, web05, web06, web07, web08, web09 and 15 more hosts');
    expect(text.match(/\+b/g)).toHaveLength(1); // the diff once for the group
    expect(text).toContain('no changes (1 host): db1');
    expect(text).toMatch(/\(15 hosts not named above: see one with --limit HOST, or every host with `fleet plan PLAYBOOK -o plan.json` then `fleet show plan.json`\)/);
    expect(planText(run(hosts), plain, { diff: true, maxHosts: Infinity })).not.toMatch(/more hosts|not named/);
  });

  it('groups on what it shows: without diffs, hosts whose diffs differ share a group', () => {
    const a = host('a', [task('x', { changes: [{ summary: 'update /etc/x', diff: { path: '/etc/x', before: '', after: 'for a' } }] })]);
    const b = host('b', [task('x', { changes: [{ summary: 'update /etc/x', diff: { path: '/etc/x', before: '', after: 'for b' } }] })]);
    expect(planText(run([a, b]), plain, { diff: false })).toMatch(/^2 hosts: a, b$/m);
    expect(planText(run([a, b]), plain, { diff: true })).toMatch(/^host: a$[\s\S]*\+for a[\s\S]*^host: b$[\s\S]*\+for b/m);
  });

  it('shows warnings, every kind of impact with its details, staleness markers and failures', () => {
    const t1 = task('daemon.json', { type: 'docker_daemon', changes: [{ summary: 'set live-restore', diff: { path: '/etc/docker/daemon.json', before: '{}\n', after: '{"live-restore":true}\n' }, warnings: ['containers restart once'], impact: [restart, containers] }] });
    const t2 = task('firewall', { type: 'docker_user', provisional: true, changes: [{ summary: 'set the DOCKER-USER rules', impact: [firewall] }] });
    const t3 = task('dns', { type: 'dns_cache', changes: [{ summary: 'start dnsmasq', impact: [dns] }] });
    const bad = task('broken', { status: 'failed', reason: 'step failed: exit 3', output: 'disk full', changes: [] });
    const text = planText(run([host('h1', [t1, t2, t3, bad], 'failed'), host('h2', [], 'unreachable', 'connect ECONNREFUSED 10.0.0.2:22'), host('h3', [], 'unreachable', 'connect ECONNREFUSED 10.0.0.2:22'), host('h4', [], 'failed', 'gathering facts failed (exit 1): no output')]), plain, { diff: true });
    expect(text).toContain('    warning: containers restart once');
    expect(text).toContain('    interrupts (restart): dockerd restarts: running containers stop for ~10 s\n        service docker, for ~10 s\n        containers (2): web, db');
    expect(text).toContain('    interrupts (containers): the container app is recreated\n        containers (1): app');
    expect(text).toContain('    interrupts (firewall): published ports stop answering from outside 10.0.0.0/8\n        port 8080/tcp of web: still answers from 10.0.0.0/8 only\n        port 5432/tcp of db: no longer answers from outside');
    expect(text).toContain('    interrupts (dns): dnsmasq restarts: its clients get no answer for ~1 s\n        service dnsmasq\n        clients (2): 172.17.0.2, 172.17.0.3');
    expect(text).toContain('  would change  firewall (planned on facts an earlier change would alter)');
    expect(text).toMatch(/FAILED  broken\n {6}step failed: exit 3\n {6}\| disk full/);
    expect(text).toContain('unreachable (2 hosts): h2, h3 — connect ECONNREFUSED 10.0.0.2:22');
    expect(text).toContain('failed (1 host): h4 — gathering facts failed (exit 1): no output');
    // a terminal gets the same text, only coloured
    expect(strip(planText(run([host('h1', [t1, t2, t3, bad], 'failed')]), colour, { diff: true }))).toBe(planText(run([host('h1', [t1, t2, t3, bad], 'failed')]), plain, { diff: true }));
  });
});

describe('the plan summary', () => {
  it('counts hosts by outcome and changes by kind, with what they interrupt', () => {
    const web = (n: string) => host(n, [
      task('daemon.json', { type: 'docker_daemon', changes: [{ summary: 'set live-restore', diff: { path: '/etc/docker/daemon.json', before: '', after: 'x' }, impact: [restart] }] }),
      task('pin', { type: 'containerd_pin', changes: [{ summary: 'containerd.io pinned back to 1.7.28-1 and held' }], provisional: true }),
      task('fw', { type: 'docker_user', changes: [{ summary: 'set the DOCKER-USER rules', impact: [firewall], warnings: ['check the allow list'] }] }),
      task('dns', { type: 'dns_cache', changes: [{ summary: 'start dnsmasq', impact: [dns] }, { summary: 'run a script', unpredictable: true }] }),
    ]);
    const r = run([web('w1'), web('w2'), host('ok1', []), host('down', [], 'unreachable', 'x'), host('drift', [], 'refused', 'refused: drift'), host('bad', [], 'failed', 'boom')]);
    const lines = planSummary(r, plain);
    expect(lines[0]).toBe('Plan: 2 of 6 hosts to change, 1 unchanged, 1 unreachable, 1 refused, 1 failed.');
    expect(lines[1]).toBe('Changes: 2 files, 2 packages, 2 service restarts (docker on 2 hosts), 4 containers interrupted, 2 firewall changes (4 published ports cut off from some sources), DNS clients interrupted on 2 hosts, 4 other changes.');
    expect(lines[2]).toBe('Read first: 2 tasks planned on facts an earlier change would alter; 2 changes whose outcome cannot be predicted; 2 warnings (see above).');
    expect(planSummary(r, colour).map(strip)).toEqual(lines);
  });

  it('says how the rollout goes: batches (canary first), health gates, when it stops', () => {
    const play = { name: 'canary', serial: [1, '50%'], health: [{ name: 'app answers' }] as never, maxFailPercentage: 0, rollbackOnFailure: true };
    expect(rolloutText(play, ['a', 'b', 'c', 'd', 'e'])).toBe("3 batches (serial 1, 50%): canary a (1 host), then b, c (2 hosts), then d, e (2 hosts); health gate 'app answers' after each batch; stops when a health gate fails or more than 0% of a batch fails or every host of a batch fails, then rolls that batch back.");
    expect(rolloutText({ name: 'p', health: [] }, ['a', 'b'])).toBe('all 2 hosts at once; no health gate.');
    const many = Array.from({ length: 40 }, (_, i) => `h${i}`);
    expect(rolloutText({ name: 'p', serial: [1, 10], health: [] }, many)).toBe('5 batches (serial 1, 10): canary h0 (1 host), then h1, h2, h3 and 7 more (10 hosts), then h11, h12, h13 and 7 more (10 hosts), then h21, h22, h23 and 7 more (10 hosts), then 1 more batch; no health gate; stops when every host of a batch fails.');
    // only the hosts that change are rolled out, in play order
    const r = run([host('a', []), host('b', [task('x')]), host('c', [task('x')])]);
    expect(planSummary(r, plain, [{ play: { name: 'p', serial: [1], health: [] }, hosts: ['a', 'b', 'c'] }]).at(-1)).toBe("Rollout of play 'p': 2 batches (serial 1): canary b (1 host), then c (1 host); no health gate; stops when every host of a batch fails.");
  });
});

describe('the recap', () => {
  it('names every count of every host', () => {
    const text = recap(run([host('h1', [task('x', { status: 'changed' })], 'changed'), host('h2', [], 'refused', 'refused: the host changed since the plan')]), plain);
    expect(text).toContain('h1                        ok=0  changed=1  failed=0  skipped=0  unreachable=0  refused=0  stopped=0');
    expect(text).toContain('h2                        ok=0  changed=0  failed=0  skipped=0  unreachable=0  refused=1  stopped=0\n    refused: the host changed since the plan');
  });
});
