// `fleet apply` end to end against real lab hosts: refuse without confirmation, check predicts,
// apply changes exactly that, the hosts' real state is right, and a second apply changes nothing.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { fleet, FLEET_BIN } from '../support/cli.js';
import { spawn } from 'node:child_process';

const PLAYBOOK = new URL('./fixtures/core.yaml', import.meta.url).pathname;
type Report = { hosts: { host: string; status: string; tasks: { task: string; status: string; changes: { diff?: unknown }[] }[] }[] };
const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Report;
const touched = (r: Report, statuses: string[]) =>
  r.hosts.flatMap((h) => h.tasks.filter((t) => statuses.includes(t.status)).map((t) => `${h.host}: ${t.task}`)).sort();

describe('fleet apply on real hosts', () => {
  let lab: Lab;
  let light: LabHost;
  let full: LabHost;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-e2e-'));
  const sh = async (h: LabHost, cmd: string) => (await h.exec(cmd)).stdout;

  beforeAll(async () => {
    lab = await startLab({ hosts: [{ kind: 'light', name: 'light1' }, { kind: 'full', name: 'full1', scenarios: ['containerd-repo'] }] });
    light = lab.hosts.find((h) => h.name === 'light1')!;
    full = lab.hosts.find((h) => h.name === 'full1')!;
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('refuses to change anything without a terminal or --yes', async () => {
    const r = await fleet(['apply', PLAYBOOK, '-i', lab.inventoryPath]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/refusing without a terminal to confirm; re-run with --yes/);
    expect(r.stdout).toContain('PLAN');
    expect(await sh(light, 'test -e /etc/fleet-test && echo exists || echo absent')).toBe('absent\n');
  });

  it('check predicts exactly what apply changes; the hosts end up right; a second apply changes nothing', async () => {
    const check = await fleet(['apply', PLAYBOOK, '-i', lab.inventoryPath, '--check', '--diff', '--json', join(dir, 'check.json')]);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(check.stdout).toMatch(/\+MaxAuthTries 4/); // the unified diff is shown
    const predicted = touched(readReport(join(dir, 'check.json')), ['would-change']);
    expect(predicted).toContain('light1: motd');
    expect(predicted).toContain('full1: containerd.io pinned back to 1.7.28-1 and held');

    const apply = await fleet(['apply', PLAYBOOK, '-i', lab.inventoryPath, '--yes', '--json', join(dir, 'apply.json')]);
    expect(apply.code, apply.stderr + apply.stdout).toBe(0);
    const applied = touched(readReport(join(dir, 'apply.json')), ['changed']);
    expect(applied).toEqual(predicted);

    // the real state, read without fleet
    for (const h of [light, full]) {
      expect(await sh(h, 'cat /etc/fleet-test/motd')).toBe(`managed by fleet on ${h.name}\n`);
      expect(await sh(h, 'stat -c %a /etc/fleet-test /etc/fleet-test/motd')).toBe('750\n640\n');
      expect(await sh(h, 'cat /etc/fleet-test/app.conf')).toBe(`# rendered by fleet for ${h.name}\nlisten = 8080\nmotd = "managed by fleet"\n`);
      expect(await sh(h, 'grep -c "^MaxAuthTries 4$" /etc/ssh/sshd_config')).toBe('1\n');
      expect(await sh(h, 'cat /etc/fleet-test/hosts')).toContain('10.9.9.10 fleet-test-2.internal');
      expect(await sh(h, 'test -f /etc/fleet-test/marker && echo yes')).toBe('yes\n');
      expect(await sh(h, 'iptables -S INPUT')).toContain('-A INPUT -p tcp -m tcp --dport 2222 -j DROP');
    }
    // the merge keeps the lab's own daemon.json key
    expect(JSON.parse(await sh(full, 'cat /etc/docker/daemon.json'))).toEqual({ 'cgroup-parent': 'fleet-lab-inner', 'log-driver': 'json-file', 'log-opts': { 'max-size': '10m', 'max-file': '3' } });
    expect(await sh(full, "dpkg-query -W -f='${Version}' containerd.io")).toBe('1.7.28-1');
    expect(await sh(full, 'apt-mark showhold')).toContain('containerd.io');
    expect(await sh(full, 'systemctl is-active dnsmasq; systemctl is-enabled dnsmasq')).toBe('active\nenabled\n');
    expect(await sh(full, 'grep -h "net.ipv4.ip_forward" /etc/sysctl.d/99-fleet.conf')).toMatch(/^net\.ipv4\.ip_forward ?= ?1$/m);
    expect(await sh(full, 'cat /etc/fleet-test/handler.log')).toBe('restarted\n');

    const again = await fleet(['apply', PLAYBOOK, '-i', lab.inventoryPath, '--yes', '--json', join(dir, 'again.json')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to change.');
    const recheck = await fleet(['apply', PLAYBOOK, '-i', lab.inventoryPath, '--check', '--detailed-exitcode', '--json', join(dir, 'recheck.json')]);
    expect(recheck.code).toBe(0);
    expect(touched(readReport(join(dir, 'recheck.json')), ['would-change', 'changed', 'failed'])).toEqual([]);
    expect(await sh(full, 'cat /etc/fleet-test/handler.log')).toBe('restarted\n');
  });

  it('applies what the operator confirmed: a host changed while the question was open is refused, the other applies', async () => {
    const pb = join(dir, 'confirm.yaml');
    writeFileSync(pb, '- hosts: all\n  tasks:\n    - name: conf\n      copy: { dest: /etc/fleet-confirm.conf, content: "by fleet\\n" }\n');
    // a real terminal (util-linux script gives fleet a pty), answered once the question is on screen
    const child = spawn('script', ['-qfec', `${process.execPath} ${FLEET_BIN} apply ${pb} -i ${lab.inventoryPath} --json ${join(dir, 'confirm.json')}`, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = new Promise<number | null>((res) => child.on('close', res));
    await expect.poll(() => out, { timeout: 30_000, interval: 100 }).toMatch(/Apply these changes to 2 hosts\?\s+Only 'yes' will be accepted to approve\.\s+Enter a value: /);
    await light.exec("printf 'by someone else\\n' > /etc/fleet-confirm.conf");
    child.stdin.write('yes\r');
    expect(await code).toBe(2);
    expect(out).toMatch(/the host changed since the plan \(fact file:\/etc\/fleet-confirm\.conf changed/);
    expect(await sh(light, 'cat /etc/fleet-confirm.conf')).toBe('by someone else\n');
    expect(await sh(full, 'cat /etc/fleet-confirm.conf')).toBe('by fleet\n');
    const rep = readReport(join(dir, 'confirm.json'));
    expect(rep.hosts.map((h) => [h.host, h.status]).sort()).toEqual([['full1', 'changed'], ['light1', 'refused']]);
    // one truth: the recap, the journal (`fleet runs show`) and the exit code all say refused
    const refusedCounts = 'ok=0  changed=0  failed=0  skipped=0  unreachable=0  refused=1  stopped=0';
    expect(out.replace(/\r/g, '')).toMatch(new RegExp(`^light1 +${refusedCounts}$`, 'm'));
    const runId = /fleet runs show (\S+)`/.exec(out)![1]!;
    const shown = await fleet(['runs', 'show', runId]);
    expect(shown.stdout).toMatch(new RegExp(`^  light1 +refused  ${refusedCounts}(  backups: \\S+)?\n    refused: the host changed since the plan`, 'm'));
    expect(shown.stdout).toMatch(/^ {2}full1 +changed {2}ok=\d+ {2}changed=1 {2}failed=0/m);
  });

  it('a host that cannot be reached does not stop the others', async () => {
    const inv = join(dir, 'with-dead.yaml');
    const text = readFileSync(lab.inventoryPath, 'utf8');
    writeFileSync(inv, `${text}\n`.replace(/hosts:\n/, `hosts:\n    dead1: { ansible_host: 127.0.0.1, ansible_port: 1, ansible_user: root }\n`));
    const r = await fleet(['apply', PLAYBOOK, '-i', inv, '--check', '--json', join(dir, 'dead.json')]);
    expect(r.code).toBe(3);
    const rep = readReport(join(dir, 'dead.json'));
    expect(rep.hosts.find((h) => h.host === 'dead1')?.status).toBe('unreachable');
    expect(rep.hosts.filter((h) => h.host !== 'dead1').every((h) => h.status === 'ok')).toBe(true);
  });
});
