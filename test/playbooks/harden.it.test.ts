// playbooks/harden.yaml over a mixed lab — an LXC guest on vfs with the broken containerd, a plain
// LXC host without a DNS cache, a Proxmox host, a host without Docker — converges in one run, and
// the next run changes nothing. lxc-runc-hotfix.yaml then finds nothing left to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  const dockerHosts = ['guest', 'lxchost', 'pve'];

  beforeAll(async () => {
    lab = await startLab({
      name: 'harden',
      hosts: [
        { kind: 'full', name: 'upstream', scenarios: ['dns-upstream'] },
        { kind: 'full', name: 'guest', scenarios: ['containerd-repo', 'lxc-guest', 'vfs-driver'] },
        { kind: 'full', name: 'lxchost', scenarios: ['lxc-apparmor-host', 'no-dns-cache'] },
        { kind: 'full', name: 'pve', scenarios: ['proxmox-host'] },
        { kind: 'light', name: 'plain' },
      ],
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('harden.yaml converges in one run and changes nothing the next', async () => {
    // a container without a restart policy on a live-restore-off host: harden.yaml must not stop it
    const lx = h('lxchost');
    await lx.exec(LOAD_BUSYBOX);
    expect((await lx.exec('docker run -d --name keep fleet-lab/busybox sleep 100000')).code).toBe(0);
    expect(await out(lx, "docker info --format '{{.LiveRestoreEnabled}}'")).toBe('false');
    const keptSince = await out(lx, "docker inspect -f '{{.State.StartedAt}}' keep");
    const startsBefore = await Promise.all(dockerHosts.map((n) => starts(h(n))));
    const check = await run(HARDEN, lab.inventoryPath, ['--check', ...args]);
    expect(check.code, check.out).toBe(0);
    const predicted = changedTasks(check.hosts, ['would-change']);
    expect(predicted).toEqual(expect.arrayContaining(['guest:LXC guests — pin containerd.io until the host is fixed (re-opens runc CVEs)', 'guest:storage driver — overlay2', 'lxchost:DNS — local dnsmasq cache for the host and its containers', 'pve:LXC hosts — let nested Docker write its sysctls (AppArmor / lxc-pve)']));
    expect(changedTasks(check.hosts.filter((x) => x.host === 'plain'))).toEqual([]);
    expect(task(check.hosts, 'plain', 'LXC hosts — let nested Docker write its sysctls (AppArmor / lxc-pve)').reason).toMatch(/no LXC AppArmor abstraction here/);
    expect(task(check.hosts, 'pve', 'LXC guests — pin containerd.io until the host is fixed (re-opens runc CVEs)').reason).toMatch(/not an LXC guest/);

    const apply = await run(HARDEN, lab.inventoryPath, ['--yes', ...args]);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(predicted);

    // dockerd started at most once per host; the container never stopped
    const startsAfter = await Promise.all(dockerHosts.map((n) => starts(h(n))));
    startsAfter.forEach((n, i) => expect(n - startsBefore[i]!, dockerHosts[i]).toBeLessThanOrEqual(1));
    expect(startsAfter[1]! - startsBefore[1]!).toBe(1); // lxchost: dns_cache and docker_daemon share one
    expect(await out(lx, "docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' keep")).toBe(`true ${keptSince}`);

    const again = await run(HARDEN, lab.inventoryPath, ['--yes', ...args]);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('nothing to change.');
    expect(await Promise.all(dockerHosts.map((n) => starts(h(n))))).toEqual(startsAfter);

    // the hosts, read without fleet
    expect(await out(h('guest'), "docker info --format '{{.Driver}} {{.LiveRestoreEnabled}}'")).toBe('overlay2 true');
    expect(await out(h('guest'), 'apt-mark showhold')).toBe('containerd.io');
    expect(await out(h('lxchost'), 'getent hosts x.fleet.test')).toMatch(/^10\.77\.0\.7/);
    expect(await out(h('lxchost'), "grep -c '\\[^fdcn\\]' /etc/apparmor.d/abstractions/lxc/container-base")).toBe('1');
    expect(await out(h('pve'), "dpkg-query -W -f='${Version}' lxc-pve")).toBe('6.0.5-2');
    expect(await out(h('guest'), 'iptables -S DOCKER-USER | grep -c fleet-docker-user')).toBe('2');

    const hotfix = await run(HOTFIX, lab.inventoryPath, ['--check', '--limit', 'all:!upstream']);
    expect(hotfix.code, hotfix.out).toBe(0);
    expect(changedTasks(hotfix.hosts)).toEqual([]);
  });
});
