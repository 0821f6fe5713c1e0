// playbooks/harden.yaml over a mixed lab — an LXC guest on vfs with the broken containerd, a plain
// LXC host without a DNS cache, a Proxmox host, a host without Docker, a ufw host, a
// systemd-resolved host, a host with its own correct DNS cache, an unreachable host — converges in
// one run with one dockerd restart at most per host and no container stopped, DNS working from
// containers everywhere, and the next run changes nothing. lxc-runc-hotfix.yaml then finds nothing
// left to do.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, run, task } from '../support/remediation.js';
import { LOAD_BUSYBOX } from '../../src/lab/scenarios/shared.js';

const HARDEN = new URL('../../playbooks/harden.yaml', import.meta.url).pathname;
const HOTFIX = new URL('../../playbooks/lxc-runc-hotfix.yaml', import.meta.url).pathname;

describe('playbooks on a mixed lab', () => {
  let lab: Lab;
  const h = (n: string) => lab.hosts.find((x) => x.name === n)!;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout.trim();
  const args = ['--limit', 'all:!upstream', '-e', 'docker_user_interface=eth0'];
  /** dockerd starts systemd has logged on a host */
  const starts = async (host: LabHost) => Number(await out(host, "journalctl -u docker -o cat --no-pager | grep -c -e 'Started docker.service' -e 'Started Docker Application' || true"));
  const dockerHosts = ['guest', 'lxchost', 'pve', 'fw', 'res', 'ok'];
  // hosts whose containers run here (the guest's containerd is a stand-in package)
  const containerHosts = ['lxchost', 'fw', 'res', 'ok'];
  let inventory: string;

  beforeAll(async () => {
    lab = await startLab({
      name: 'harden',
      hosts: [
        { kind: 'full', name: 'upstream', scenarios: ['dns-upstream'] },
        { kind: 'full', name: 'guest', scenarios: ['containerd-repo', 'lxc-guest', 'vfs-driver'] },
        { kind: 'full', name: 'lxchost', scenarios: ['lxc-apparmor-host', 'no-dns-cache'] },
        { kind: 'full', name: 'pve', scenarios: ['proxmox-host'] },
        { kind: 'light', name: 'plain' },
        { kind: 'full', name: 'fw', scenarios: ['no-dns-cache', 'ufw-active'] },
        { kind: 'full', name: 'res', scenarios: ['systemd-resolved'] },
        { kind: 'full', name: 'ok', scenarios: ['dns-cache-compliant'] },
      ],
    });
    // and a host that is down: reported unreachable, the others converge
    const doc = parse(readFileSync(lab.inventoryPath, 'utf8')) as { all: { hosts: Record<string, unknown> } };
    doc.all.hosts.gone = { ansible_host: '127.0.0.1', ansible_port: 1 };
    inventory = join(lab.dir, 'mixed.yaml');
    writeFileSync(inventory, stringify(doc));
    await Promise.all(containerHosts.map((n) => h(n).exec(LOAD_BUSYBOX)));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('harden.yaml converges in one run and changes nothing the next', async () => {
    // a container without a restart policy on a live-restore-off host: harden.yaml must not stop it
    const lx = h('lxchost');
    const kept = ['lxchost', 'fw'];
    for (const n of kept) {
      expect((await h(n).exec('docker run -d --name keep fleet-lab/busybox sleep 100000')).code).toBe(0);
      expect(await out(h(n), "docker info --format '{{.LiveRestoreEnabled}}'")).toBe('false');
    }
    const keptSince = await Promise.all(kept.map((n) => out(h(n), "docker inspect -f '{{.State.StartedAt}}' keep")));
    const startsBefore = await Promise.all(dockerHosts.map((n) => starts(h(n))));
    const check = await run(HARDEN, inventory, ['--check', ...args]);
    expect(check.code, check.out).toBe(3); // gone is unreachable, nothing failed
    expect(check.hosts.find((x) => x.host === 'gone')?.status).toBe('unreachable');
    const predicted = changedTasks(check.hosts, ['would-change']);
    expect(predicted).toEqual(expect.arrayContaining(['guest:LXC guests — pin containerd.io until the host is fixed (re-opens runc CVEs)', 'guest:storage driver — overlay2', 'lxchost:DNS — local dnsmasq cache for the host and its containers', 'pve:LXC hosts — let nested Docker write its sysctls (AppArmor / lxc-pve)']));
    expect(changedTasks(check.hosts.filter((x) => x.host === 'plain'))).toEqual([]);
    expect(task(check.hosts, 'plain', 'LXC hosts — let nested Docker write its sysctls (AppArmor / lxc-pve)').reason).toMatch(/no LXC AppArmor abstraction here/);
    expect(task(check.hosts, 'pve', 'LXC guests — pin containerd.io until the host is fixed (re-opens runc CVEs)').reason).toMatch(/not an LXC guest/);

    const apply = await run(HARDEN, inventory, ['--yes', ...args]);
    expect(apply.code, apply.out).toBe(3);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(predicted);

    // dockerd started at most once per host; the container never stopped
    const startsAfter = await Promise.all(dockerHosts.map((n) => starts(h(n))));
    startsAfter.forEach((n, i) => expect(n - startsBefore[i]!, dockerHosts[i]).toBeLessThanOrEqual(1));
    expect(startsAfter[1]! - startsBefore[1]!).toBe(1); // lxchost: dns_cache and docker_daemon share one
    for (const [i, n] of kept.entries()) expect(await out(h(n), "docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' keep"), n).toBe(`true ${keptSince[i]}`);
    // the compliant host's own cache is adopted, not rewritten
    expect(task(apply.hosts, 'ok', 'DNS — local dnsmasq cache for the host and its containers').status).toBe('ok');

    const again = await run(HARDEN, inventory, ['--yes', ...args]);
    expect(again.code, again.out).toBe(3);
    expect(changedTasks(again.hosts)).toEqual([]);
    expect(await Promise.all(dockerHosts.map((n) => starts(h(n))))).toEqual(startsAfter);

    // the hosts, read without fleet
    expect(await out(h('guest'), "docker info --format '{{.Driver}} {{.LiveRestoreEnabled}}'")).toBe('overlay2 true');
    expect(await out(h('guest'), 'apt-mark showhold')).toBe('containerd.io');
    expect(await out(h('lxchost'), 'getent hosts x.fleet.test')).toMatch(/^10\.77\.0\.7/);
    // DNS from containers, through each host's cache (ufw, resolved and the adopted cache included)
    for (const n of containerHosts) expect(await out(h(n), 'docker run --rm fleet-lab/busybox sh -c "timeout 6 nslookup x.fleet.test"'), n).toMatch(/10\.77\.0\.7/);
    expect(await out(h('res'), 'resolvectl dns')).toMatch(/^Global: 127\.0\.0\.1$/m);
    expect(await out(h('lxchost'), "grep -c '\\[^fdcn\\]' /etc/apparmor.d/abstractions/lxc/container-base")).toBe('1');
    expect(await out(h('pve'), "dpkg-query -W -f='${Version}' lxc-pve")).toBe('6.0.5-2');
    expect(await out(h('guest'), 'iptables -S DOCKER-USER | grep -c fleet-docker-user')).toBe('2');

    const hotfix = await run(HOTFIX, lab.inventoryPath, ['--check', '--limit', 'all:!upstream']);
    expect(hotfix.code, hotfix.out).toBe(0);
    expect(changedTasks(hotfix.hosts)).toEqual([]);
  });
});
