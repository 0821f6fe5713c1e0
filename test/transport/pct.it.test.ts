// LXC guests of a lab Proxmox node reached through `pct exec` on the node's SSH connection: the lab
// pct's formats, check/apply/second apply inside guests (verified by reading each guest's root
// filesystem from the node), a stopped guest, sshd's MaxSessions, and no secret in argv.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { fleet } from '../support/cli.js';
import { LAB_GUESTS } from '../../src/lab/scenarios/proxmox-node.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { toConnectionSpec } from '../../src/inventory/connection.js';

const GUESTS = new URL('./fixtures/pct-guests.yaml', import.meta.url).pathname;
const SECRET = new URL('./fixtures/pct-secret.yaml', import.meta.url).pathname;
type Report = { hosts: { host: string; status: string; error?: string; tasks: { task: string; status: string }[] }[] };
const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Report;
const running = LAB_GUESTS.filter((g) => g.running);
const stopped = LAB_GUESTS.filter((g) => !g.running);

describe('pct connection through a lab Proxmox node', () => {
  let lab: Lab;
  let node: LabHost;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-pct-'));
  const sh = async (cmd: string, stdin?: string) => node.exec(cmd, { stdin });
  const out = async (cmd: string) => (await sh(cmd)).stdout;

  beforeAll(async () => {
    lab = await startLab({ hosts: [{ kind: 'full', name: 'pve1', scenarios: ['proxmox-node'] }] });
    node = lab.hosts[0]!;
  }, 180_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it("the lab pct follows pve-container's formats and exit codes", async () => {
    const list = (await out('pct list')).split('\n').filter(Boolean);
    expect(list[0]).toBe(`${'VMID'.padEnd(10)} ${'Status'.padEnd(10)} ${'Lock'.padEnd(12)} ${'Name'.padEnd(20)}`);
    const rows = list.slice(1).map((l) => ({ vmid: Number(l.slice(0, 10)), status: l.slice(11, 21).trim(), name: l.slice(35).trim() }));
    expect(rows).toEqual(LAB_GUESTS.map((g) => ({ vmid: g.vmid, status: g.running ? 'running' : 'stopped', name: g.hostname })));
    const conf = Object.fromEntries((await out('pct config 101')).trim().split('\n').map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
    expect(conf).toMatchObject({ hostname: 'web1', features: 'nesting=1', unprivileged: '1', ostype: 'debian', tags: 'docker;prod' });
    expect(await out('pct config 103')).not.toMatch(/^(features|unprivileged):/m);
    expect(await out(`pct status ${stopped[0]!.vmid}`)).toBe('status: stopped\n');
    expect(await out('pct status 101')).toBe('status: running\n');
    const off = await sh(`pct exec ${stopped[0]!.vmid} -- true`);
    expect([off.code, off.stderr]).toEqual([255, `container '${stopped[0]!.vmid}' not running!\n`]);
    const none = await sh('pct exec 999 -- true');
    expect([none.code, none.stderr]).toEqual([255, "Configuration file 'nodes/pve1/lxc/999.conf' does not exist\n".replace('pve1', (await out('hostname')).trim())]);
    // the command's exit code and stdin pass through; the guest is its own root filesystem
    const e = await sh('pct exec 101 -- sh -c \'read l; echo "$l $(hostname) $container"; test -e /etc/pve || exit 7\'', 'hello\n');
    expect([e.code, e.stdout]).toEqual([7, 'hello web1 lxc\n']);
    expect((await sh('pct start 101')).stderr).toBe('CT 101 already running\n');
    expect(await out('pct exec 102 -- sh -c "test -x /usr/sbin/sshd && echo sshd || echo no sshd"')).toBe('no sshd\n');
    // the guest's /etc and package state are its own, not the node's seen through
    await sh('echo node > /etc/fleet-node-only');
    expect(await out('pct exec 101 -- sh -c "cat /etc/fleet-node-only 2>/dev/null || echo absent; test -e /usr/sbin/pct || echo no pct"')).toBe('absent\nno pct\n');
  });

  it('check, apply and a second apply inside guests; a stopped guest is reported with the reason', async () => {
    const check = await fleet(['apply', GUESTS, '-i', lab.inventoryPath, '--check', '--json', join(dir, 'check.json')]);
    const c = readReport(join(dir, 'check.json'));
    const by = (r: Report, h: string) => r.hosts.find((x) => x.host === h)!;
    for (const g of running) expect(by(c, `pve1-${g.hostname}`).tasks.map((t) => t.status), check.stdout + check.stderr).toEqual(['would-change', 'would-change', 'would-change', 'would-change']);
    const apply = await fleet(['apply', GUESTS, '-i', lab.inventoryPath, '--yes', '--json', join(dir, 'apply.json')]);
    const a = readReport(join(dir, 'apply.json'));
    expect(apply.code, apply.stdout + apply.stderr).toBe(3); // unreachable hosts: the stopped guest
    for (const g of stopped) expect(by(a, `pve1-${g.hostname}`)).toMatchObject({ status: 'unreachable', error: `CT ${g.vmid} is stopped on node pve1` });
    for (const g of running) {
      expect(by(a, `pve1-${g.hostname}`).tasks.map((t) => t.status)).toEqual(['changed', 'changed', 'changed', 'changed']);
      // read from the node, without pct: the guest's own root filesystem changed
      const r = `/var/lib/lxc/${g.vmid}/rootfs`;
      expect(await out(`cat ${r}/etc/fleet-guest/motd; stat -c %a ${r}/etc/fleet-guest/motd`)).toBe(`guest pve1-${g.hostname} vmid ${g.vmid}\n640\n`);
      expect(await out(`grep -c '^MaxAuthTries 3$' ${r}/etc/ssh/sshd_config`)).toBe('1\n');
      expect(await out(`chroot ${r} apt-mark showhold`)).toBe('containerd\n');
    }
    // ... and the node's did not
    expect(await out('test -e /etc/fleet-guest && echo yes || echo no; apt-mark showhold; grep -c "^MaxAuthTries 3$" /etc/ssh/sshd_config')).toBe('no\n0\n');
    const again = await fleet(['apply', GUESTS, '-i', lab.inventoryPath, '--yes', '--json', join(dir, 'again.json')]);
    const g2 = readReport(join(dir, 'again.json'));
    for (const g of running) expect(by(g2, `pve1-${g.hostname}`).tasks.map((t) => t.status), again.stdout).toEqual(['ok', 'ok', 'ok', 'ok']);
  }, 120_000);

  it("keeps no secret in the node's process list while a guest's apply runs", async () => {
    const token = 'tok-' + Math.random().toString(36).slice(2);
    // a watcher on the node reads every process's argv while fleet runs
    const watch = sh(`end=$(($(date +%s)+12)); : > /tmp/argv; while [ $(date +%s) -lt $end ] && [ ! -e /tmp/stop-watch ]; do cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' >> /tmp/argv; echo >> /tmp/argv; done; grep -c 'pct exec' /tmp/argv`);
    const r = await fleet(['apply', SECRET, '-i', lab.inventoryPath, '--limit', 'pve1-web1', '--yes', '-e', `token=${token}`, '--json', join(dir, 'secret.json')]);
    await sh('touch /tmp/stop-watch');
    const pctSeen = Number((await watch).stdout.trim());
    // the token goes to grep on stdin: the watcher's own argv must not contain it
    const secretSeen = Number((await sh('grep -c -F -f - /tmp/argv || true', `${token}\n`)).stdout.trim());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(pctSeen).toBeGreaterThan(0); // the watcher did see the guest's pct exec running
    expect(secretSeen).toBe(0);
    expect(await out('cat /var/lib/lxc/101/rootfs/root/token')).toBe(`${token}\n`);
  }, 60_000);

  it('discovers the guests of proxmox_discover nodes; an unreachable node hides no other guests', async () => {
    const inv = join(dir, 'discover.yaml');
    writeFileSync(
      inv,
      `all:
  vars: { ansible_user: root, ansible_ssh_private_key_file: ${lab.keyPath}, known_hosts_file: ${lab.knownHostsPath} }
  hosts:
    pve1: { ansible_host: ${node.ip}, proxmox_discover: lxc }
    pvedown: { ansible_host: 127.0.0.1, ansible_port: 1, proxmox_discover: lxc }
  children:
    proxmox_lxc:
      hosts:
        lost1: { ansible_connection: pct, proxmox_node: pvedown, vmid: 300 }
`,
    );
    const list = await fleet(['inventory', '-i', inv, '--list']);
    expect(list.code).toBe(3);
    expect(list.stderr).toMatch(/proxmox discovery on pvedown failed: .*; its guests are left out/);
    // ansible-inventory --list's shape: each group's own hosts, every host's vars under _meta
    const j = JSON.parse(list.stdout) as Record<string, { hosts?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };
    expect(j.proxmox_lxc!.hosts).toEqual(['lost1', ...LAB_GUESTS.map((g) => g.hostname)]);
    expect(j.proxmox_node_pve1!.hosts).toEqual(LAB_GUESTS.map((g) => g.hostname));
    expect(j.pve_tag_docker!.hosts).toEqual(LAB_GUESTS.filter((g) => g.tags.includes('docker')).map((g) => g.hostname));
    expect(j.proxmox_stopped!.hosts).toEqual(stopped.map((g) => g.hostname));
    for (const g of LAB_GUESTS)
      expect(j._meta.hostvars[g.hostname]).toMatchObject({ ansible_connection: 'pct', proxmox_node: 'pve1', vmid: g.vmid, pve_status: g.running ? 'running' : 'stopped', pve_nesting: g.nesting, pve_unprivileged: g.unprivileged, pve_ostype: 'debian', pve_tags: g.tags });
    // discovered guests take --limit like static hosts; a guest of the unreachable node is unreachable, the others converge
    const r = await fleet(['apply', GUESTS, '-i', inv, '--limit', 'pve_tag_prod:lost1', '--check', '--json', join(dir, 'discover.json')]);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    const rep = readReport(join(dir, 'discover.json'));
    const prod = LAB_GUESTS.filter((g) => g.tags.includes('prod')).map((g) => g.hostname);
    expect(rep.hosts.map((h) => h.host).sort()).toEqual([...prod, 'lost1'].sort());
    // the same guests the static names reached: only the motd, which names the inventory host, differs
    for (const h of prod) expect(rep.hosts.find((x) => x.host === h)!.tasks.map((t) => t.status)).toEqual(['ok', 'would-change', 'ok', 'ok']);
    expect(rep.hosts.find((h) => h.host === 'lost1')!.status).toBe('unreachable');
    expect(rep.hosts.find((h) => h.host === 'lost1')!.error).toMatch(/^node pvedown: /);
  }, 60_000);

  it("respects the node's sshd MaxSessions: guests queue for session slots", async () => {
    await sh("echo 'MaxSessions 2' >> /etc/ssh/sshd_config && systemctl reload ssh && sleep 0.5");
    // the limit is real: a third session at once on one connection is refused
    const raw = new SshTransport(toConnectionSpec({ inventory_hostname: 'pve1', ansible_host: node.ip, ansible_user: 'root', ansible_ssh_private_key_file: lab.keyPath, known_hosts_file: lab.knownHostsPath }));
    const tries = await Promise.allSettled([1, 2, 3].map(() => raw.exec('sleep 1')));
    await raw.close();
    expect(tries.filter((t) => t.status === 'rejected').map((t) => String((t as PromiseRejectedResult).reason))).toEqual([expect.stringMatching(/open failed/)]);
    const inv = readFileSync(lab.inventoryPath, 'utf8');
    expect(inv).not.toContain('proxmox_max_sessions'); // the default (8) is more than sshd allows
    const r = await fleet(['apply', GUESTS, '-i', lab.inventoryPath, '--limit', `proxmox_lxc:!pve1-${stopped[0]!.hostname}`, '--forks', '50', '--check', '--json', join(dir, 'sessions.json')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/open failed|session channel/);
    const rep = readReport(join(dir, 'sessions.json'));
    expect(rep.hosts.map((h) => h.status)).toEqual(running.map(() => 'ok'));
    expect(rep.hosts.length).toBe(5);
  }, 60_000);

  it('rolls back a run inside a guest from the backups it took there', async () => {
    const runId = (JSON.parse(readFileSync(join(dir, 'apply.json'), 'utf8')) as { runId: string }).runId;
    const r = await fleet(['rollback', runId, '-i', lab.inventoryPath, '--limit', 'pve1-web1', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await out("grep -c '^MaxAuthTries 3$' /var/lib/lxc/101/rootfs/etc/ssh/sshd_config || true")).toBe('0\n');
    // the other guests keep their change
    expect(await out("grep -c '^MaxAuthTries 3$' /var/lib/lxc/103/rootfs/etc/ssh/sshd_config")).toBe('1\n');
  }, 60_000);

  it('refuses a reviewed plan for a guest that drifted since', async () => {
    const plan = join(dir, 'plan.json');
    const p = await fleet(['plan', GUESTS, '-i', lab.inventoryPath, '--limit', 'pve1-web1', '-o', plan]);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    await sh("echo '# edited by hand' >> /var/lib/lxc/101/rootfs/etc/ssh/sshd_config");
    const a = await fleet(['apply', '--plan', plan, '--yes', '--json', join(dir, 'drift.json')]);
    expect(a.code).toBe(2);
    expect(readReport(join(dir, 'drift.json')).hosts[0]).toMatchObject({ host: 'pve1-web1', status: 'refused', error: expect.stringMatching(/changed since the plan/) });
    expect(await out("grep -c '^MaxAuthTries 3$' /var/lib/lxc/101/rootfs/etc/ssh/sshd_config || true")).toBe('0\n');
  }, 60_000);

  it('runs pct through sudo -n when the node login is not root', async () => {
    await sh(`id fleet >/dev/null 2>&1 || useradd -m -s /bin/sh fleet
mkdir -p ~fleet/.ssh && cp /root/.ssh/authorized_keys ~fleet/.ssh/ && chown -R fleet ~fleet/.ssh
echo 'fleet ALL=(root) NOPASSWD: /usr/sbin/pct' > /etc/sudoers.d/fleet-pct`);
    const inv = join(dir, 'sudo.yaml');
    const node = (become: boolean) => `{ ansible_host: ${lab.hosts[0]!.ip}, ansible_user: fleet, become: ${become} }`;
    writeFileSync(inv, `all:
  vars: { ansible_ssh_private_key_file: ${lab.keyPath}, known_hosts_file: ${lab.knownHostsPath} }
  hosts:
    pvesudo: ${node(true)}
    pvenosudo: ${node(false)}
    g1: { ansible_connection: pct, proxmox_node: pvesudo, vmid: 103 }
    g2: { ansible_connection: pct, proxmox_node: pvenosudo, vmid: 103 }
`);
    const r = await fleet(['run', 'echo "$(id -un) in $(hostname)"', '-i', inv, '--limit', 'g1:g2', '--json']);
    const rows = (JSON.parse(r.stdout) as { hosts: { host: string; output?: string; error?: string; status: string }[] }).hosts;
    expect(rows.find((x) => x.host === 'g1'), r.stdout + r.stderr).toMatchObject({ status: 'ok', output: 'root in db1\n' });
    // without sudo, pct runs as the login user and fails: the guest is not reached
    expect(JSON.stringify(rows.find((x) => x.host === 'g2'))).not.toContain('root in db1');
  }, 60_000);
});
