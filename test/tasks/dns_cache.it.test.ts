// dns_cache on real lab hosts: 'up' is the site resolver (answers *.fleet.test), 'x' points
// straight at it without a cache. --check shows the changes with diffs; apply; read without fleet:
// resolv.conf, dnsmasq's sockets (127.0.0.1 and docker0, never 0.0.0.0), a lookup on the host
// through the cache, a lookup from an inner container through docker0, daemon.json with the lab's
// other key; a second apply changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';
import { LOAD_BUSYBOX } from '../../src/lab/scenarios/shared.js';

describe('dns_cache on lab hosts', () => {
  let lab: Lab;
  const h = (n: string) => lab.hosts.find((x) => x.name === n)!;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout.trim();

  beforeAll(async () => {
    lab = await startLab({
      name: 'dnscache',
      hosts: [
        { kind: 'full', name: 'up', scenarios: ['dns-upstream'] },
        { kind: 'full', name: 'x', scenarios: ['no-dns-cache'] },
      ],
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('the host and its containers resolve through a local dnsmasq; a second run changes nothing', async () => {
    const x = h('x');
    const up = h('up').ip;
    const pb = fixture('dns-verify.yaml');
    const docker0 = (await out(x, "ip -4 -o addr show docker0 | awk '{print $4}'")).split('/')[0]!;
    expect(docker0).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const resolvBefore = await out(x, 'cat /etc/resolv.conf');

    const check = await run(pb, lab.inventoryPath, ['--check', '--diff', '--limit', 'x']);
    expect(check.code, check.out).toBe(0);
    const t = task(check.hosts, 'x', 'dns');
    expect(t.changes.map((c) => c.summary)).toEqual([
      'dnsmasq: create /etc/dnsmasq.d/fleet-cache.conf, then restart dnsmasq',
      'point /etc/resolv.conf at 127.0.0.1 with single-request-reopen',
      "docker: update /etc/docker/daemon.json: set dns, dns-opts; docker restarts once after the play's tasks",
    ]);
    expect(t.changes[0]!.diff!.after).toBe(`# fleet dns_cache: a local DNS cache for this host and its containers (/etc/dnsmasq.d/fleet-cache.conf)\nlisten-address=127.0.0.1,${docker0}\nbind-dynamic\ncache-size=500\nno-resolv\nserver=${up}\n`);
    expect(t.changes[1]!.diff!.before.trim()).toBe(resolvBefore);
    expect(await out(x, 'cat /etc/resolv.conf')).toBe(resolvBefore); // check changed nothing

    const apply = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'x']);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(changedTasks(check.hosts, ['would-change']));

    // read without fleet
    expect(await out(x, 'cat /etc/resolv.conf')).toBe('# fleet dns_cache: the local cache (dnsmasq, /etc/dnsmasq.d/fleet-cache.conf)\nnameserver 127.0.0.1\noptions single-request-reopen');
    expect(await out(x, 'systemctl is-active dnsmasq; systemctl is-enabled dnsmasq')).toBe('active\nenabled');
    expect(await out(x, "ss -H -lnu | awk '{print $4}' | grep ':53$' | sort")).toBe([`127.0.0.1:53`, `${docker0}:53`].sort().join('\n'));
    expect(await out(x, 'getent hosts x.fleet.test')).toMatch(/^10\.77\.0\.7\s+x\.fleet\.test$/);
    expect(await out(x, 'dig +short @127.0.0.1 api.fleet.test')).toBe('10.77.0.7');
    const daemon = JSON.parse(await out(x, 'cat /etc/docker/daemon.json'));
    expect(daemon).toEqual({ 'cgroup-parent': 'fleet-lab-inner', dns: [docker0], 'dns-opts': ['single-request-reopen'] });
    expect(await out(x, "docker info --format '{{.ServerVersion}}'")).not.toBe(''); // docker came back after its restart

    // a container asks the cache through docker0
    await x.exec(LOAD_BUSYBOX);
    const inner = await x.exec('docker run --rm fleet-lab/busybox sh -c "cat /etc/resolv.conf; nslookup db.fleet.test"');
    expect(inner.stdout).toContain(`nameserver ${docker0}`);
    expect(inner.stdout).toContain('options single-request-reopen');
    expect(inner.stdout).toMatch(/Address:?\s+10\.77\.0\.7/);

    const again = await run(pb, lab.inventoryPath, ['--yes', '--limit', 'x']);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
    expect(task(again.hosts, 'x', 'dns').reason).toBe(`dnsmasq caches on 127.0.0.1 and ${docker0}; the host and docker use it`);
  });
});
