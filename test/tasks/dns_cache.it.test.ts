// dns_cache on real lab hosts: 'up' is the site resolver (answers *.fleet.test), 'x' points
// straight at it without a cache. --check shows the changes with diffs; apply; read without fleet:
// resolv.conf, dnsmasq's sockets (127.0.0.1 and docker0, never 0.0.0.0), a lookup on the host
// through the cache, a lookup from an inner container through docker0, daemon.json with the lab's
// other key; a second apply changes nothing. Then the hosts a real fleet has: ufw on (default deny
// incoming), systemd-resolved with its own server, a cache already set up by hand, and a dnsmasq
// that is a LAN's resolver — each checked from a container, with check mode predicting apply and a
// second apply changing nothing. One lab for the file, its hosts started together.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';
import { LOAD_BUSYBOX } from '../../src/lab/scenarios/shared.js';
import type { Impact } from '../../src/types.js';

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
        { kind: 'full', name: 'fw', scenarios: ['no-dns-cache', 'ufw-active'] },
        { kind: 'full', name: 'res', scenarios: ['systemd-resolved'] },
        { kind: 'full', name: 'ok', scenarios: ['dns-cache-compliant'] },
        { kind: 'full', name: 'lan', scenarios: ['dnsmasq-serving-others'] },
      ],
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });
  const docker0Of = async (host: LabHost) => (await out(host, "ip -4 -o addr show docker0 | awk '{print $4}'")).split('/')[0]!;
  /** an inner container asks through docker0 (its resolv.conf, from daemon.json's dns) */
  const fromContainer = async (host: LabHost, name: string) => {
    await host.exec(LOAD_BUSYBOX);
    return host.exec(`docker run --rm fleet-lab/busybox sh -c "cat /etc/resolv.conf; timeout 6 nslookup ${name}"`);
  };
  /** check, apply, apply again: apply changes exactly what check predicted, then nothing */
  const converge = async (pb: string, host: string) => {
    const check = await run(pb, lab.inventoryPath, ['--check', '--limit', host]);
    expect(check.code, check.out).toBe(0);
    const apply = await run(pb, lab.inventoryPath, ['--yes', '--limit', host]);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(changedTasks(check.hosts, ['would-change']));
    expect(task(apply.hosts, host, 'dns').changes.map((c) => c.summary)).toEqual(task(check.hosts, host, 'dns').changes.map((c) => c.summary));
    const again = await run(pb, lab.inventoryPath, ['--yes', '--limit', host]);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);
    return { check, apply, again };
  };

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

  it('ufw with default deny: exactly docker0 -> the cache port 53 is allowed, in ufw rules that survive a reload', async () => {
    const fw = h('fw');
    const d0 = await docker0Of(fw);
    const { check, again } = await converge(fixture('dns-verify.yaml'), 'fw');
    expect(task(check.hosts, 'fw', 'dns').changes.map((c) => c.summary)).toContain(`ufw: allow docker0 -> ${d0} port 53 (udp, tcp), so containers reach the cache`);
    expect(task(again.hosts, 'fw', 'dns').reason).toBe(`dnsmasq caches on 127.0.0.1 and ${d0}; the host and docker use it; ufw lets docker0 reach it`);
    // read without fleet: ufw's own rule file, the live chain, the default policy untouched
    expect(await out(fw, "grep -e '-i docker0' /etc/ufw/user.rules")).toBe(`-A ufw-user-input -i docker0 -p tcp -d ${d0} --dport 53 -j ACCEPT\n-A ufw-user-input -i docker0 -p udp -d ${d0} --dport 53 -j ACCEPT`);
    expect(await out(fw, "ufw status verbose | grep '^Default:'")).toMatch(/deny \(incoming\)/);
    const inner = await fromContainer(fw, 'db.fleet.test');
    expect(inner.stdout, inner.stderr).toContain(`nameserver ${d0}`);
    expect(inner.stdout).toMatch(/Address:?\s+10\.77\.0\.7/);
    expect((await fw.exec('ufw reload')).code).toBe(0);
    expect((await fromContainer(fw, 'api.fleet.test')).stdout).toMatch(/Address:?\s+10\.77\.0\.7/);
    // the rule is what lets them through: without it a container gets no answer, and the next run puts it back
    expect((await fw.exec(`ufw delete allow in on docker0 to ${d0} port 53 comment 'fleet dns_cache'`)).code).toBe(0);
    expect((await fromContainer(fw, 'db.fleet.test')).stdout).not.toMatch(/Address:?\s+10\.77\.0\.7/);
    const fix = await run(fixture('dns-verify.yaml'), lab.inventoryPath, ['--yes', '--limit', 'fw']);
    expect(fix.code, fix.out).toBe(0);
    expect(task(fix.hosts, 'fw', 'dns').changes.map((c) => c.summary)).toEqual([`ufw: allow docker0 -> ${d0} port 53 (udp, tcp), so containers reach the cache`]);
    expect((await fromContainer(fw, 'db.fleet.test')).stdout).toMatch(/Address:?\s+10\.77\.0\.7/);

    // a drop ufw does not know about (ahead of its chains): the lookup from docker0 that ends the apply fails it
    await fw.exec(`ufw delete allow in on docker0 to ${d0} port 53 comment 'fleet dns_cache'; iptables -I INPUT -i docker0 -p udp --dport 53 -j DROP; iptables -I INPUT -i docker0 -p tcp --dport 53 -j DROP`);
    try {
      const blocked = await run(fixture('dns-verify.yaml'), lab.inventoryPath, ['--yes', '--limit', 'fw']);
      expect(blocked.code, blocked.out).toBe(2);
      expect(task(blocked.hosts, 'fw', 'dns').status).toBe('failed');
      expect(blocked.out).toContain(`dns_cache: a client on docker0 gets no answer for x.fleet.test from ${d0}:53`);
    } finally {
      await fw.exec('iptables -D INPUT -i docker0 -p udp --dport 53 -j DROP; iptables -D INPUT -i docker0 -p tcp --dport 53 -j DROP');
    }
  });

  it('systemd-resolved: the cache becomes its only server (resolvectl), the stub stays, containers use the cache', async () => {
    const res = h('res');
    const up = h('up').ip;
    const d0 = await docker0Of(res);
    expect(await out(res, 'resolvectl dns')).toMatch(new RegExp(`^Global: ${up.replace(/\./g, '\\.')}$`, 'm'));
    const { check } = await converge(fixture('dns-verify.yaml'), 'res');
    const t = task(check.hosts, 'res', 'dns');
    expect(t.changes.map((c) => c.summary)).toContain('systemd-resolved: create /etc/systemd/resolved.conf.d/fleet-dns-cache.conf, then restart it');
    expect(t.changes[0]!.diff!.after).toContain(`server=${up}\n`);
    const rc = t.changes.find((c) => c.summary.startsWith('systemd-resolved')) as { impact?: Impact[] };
    expect(rc.impact).toEqual([expect.objectContaining({ kind: 'restart', service: 'systemd-resolved' })]);
    // read without fleet: what resolved uses, not the file fleet wrote
    const dnsList = (await out(res, 'resolvectl dns')).split('\n');
    expect(dnsList[0]).toBe('Global: 127.0.0.1');
    expect(dnsList.slice(1).every((l) => /^Link \d+ \([^)]+\):$/.test(l.trim())), dnsList.join('\n')).toBe(true);
    expect(await out(res, "resolvectl status | sed -n 's/^ *Current DNS Server: //p' | sort -u")).toBe('127.0.0.1');
    expect(await out(res, 'readlink /etc/resolv.conf')).toBe('../run/systemd/resolve/stub-resolv.conf');
    expect(await out(res, 'getent hosts x.fleet.test')).toMatch(/^10\.77\.0\.7\s/);
    const inner = await fromContainer(res, 'db.fleet.test');
    expect(inner.stdout, inner.stderr).toContain(`nameserver ${d0}`);
    expect(inner.stdout).toMatch(/Address:?\s+10\.77\.0\.7/);

    // a link's own server and domain (as DHCP would set them): resolved asks it directly for those names; the plan says so
    await res.exec(`resolvectl dns eth0 ${up}; resolvectl domain eth0 corp.lan`);
    try {
      const leak = await run(fixture('dns-verify.yaml'), lab.inventoryPath, ['--check', '--limit', 'res']);
      expect(leak.code, leak.out).toBe(0);
      expect(task(leak.hosts, 'res', 'dns').reason).toContain(`but systemd-resolved sends names under corp.lan to ${up} on eth0 directly, not through the cache`);
    } finally {
      await res.exec('resolvectl revert eth0');
    }
  });

  it('a host with its own correct cache: ok with the reason, exit 0, nothing touched, run after run', async () => {
    const ok = h('ok');
    const d0 = await docker0Of(ok);
    const sums = "md5sum /etc/dnsmasq.d/* /etc/resolv.conf /etc/docker/daemon.json; systemctl show -p ActiveEnterTimestamp dnsmasq docker";
    const before = await out(ok, sums);
    for (const mode of ['--check', '--yes', '--yes']) {
      const r = await run(fixture('dns-verify.yaml'), lab.inventoryPath, [mode, '--limit', 'ok']);
      expect(r.code, r.out).toBe(0);
      expect(changedTasks(r.hosts)).toEqual([]);
      expect(task(r.hosts, 'ok', 'dns').reason).toBe(`the existing dnsmasq cache (/etc/dnsmasq.d/local-cache.conf; upstreams ${h('up').ip}) answers on 127.0.0.1 and ${d0}; the host and docker use it`);
    }
    expect(await out(ok, sums)).toBe(before);
    expect(await out(ok, 'ls /etc/dnsmasq.d')).toBe('README\nlocal-cache.conf'); // Debian's README (comments only) and the hand-made file
    expect((await fromContainer(ok, 'db.fleet.test')).stdout).toMatch(/Address:?\s+10\.77\.0\.7/);
  });

  it("a dnsmasq serving the LAN: refused by default (nothing touched); serving_others: keep adds the cache and keeps the LAN's listeners", async () => {
    const lan = h('lan');
    const up = h('up');
    const d0 = await docker0Of(lan);
    const fromLan = async () => out(up, `dig +short +time=2 @${lan.ip} served.lan`);
    expect(await fromLan()).toBe('10.77.0.9');
    const state = 'md5sum /etc/dnsmasq.d/* /etc/resolv.conf /etc/docker/daemon.json; ss -H -lnu | awk \'$4 ~ /:53$/ {print $4}\' | sort';
    const before = await out(lan, state);
    for (const mode of ['--check', '--yes']) {
      const r = await run(fixture('dns-verify.yaml'), lab.inventoryPath, [mode, '--limit', 'lan']);
      expect(r.code, r.out).toBe(2);
      const t = task(r.hosts, 'lan', 'dns');
      expect(t.status).toBe('failed');
      expect(t.reason).toContain("dnsmasq already serves other machines on 0.0.0.0:53 (all interfaces)");
      expect(t.reason).toContain('pass serving_others: keep');
    }
    expect(await out(lan, state)).toBe(before);
    expect(await fromLan()).toBe('10.77.0.9');

    const { check } = await converge(fixture('dns-keep.yaml'), 'lan');
    const c = task(check.hosts, 'lan', 'dns').changes[0]! as { summary: string; diff?: { after: string }; impact?: Impact[] };
    expect(c.diff!.after).not.toContain('listen-address=');
    expect(c.impact!.map((i) => `${i.kind}:${i.service ?? ''}`)).toEqual(['restart:dnsmasq', 'dns:']);
    expect(c.impact![1]!.summary).toMatch(/^dnsmasq answers on 0\.0\.0\.0:53 \(all interfaces\)/);
    // read without fleet: the LAN still gets answers at the host's address, the host and its containers use the cache
    expect(await fromLan()).toBe('10.77.0.9');
    expect(await out(lan, "ss -H -lnu | awk '$4 ~ /:53$/ {print $4}' | sort")).toContain(`${lan.ip}:53`);
    expect(await out(lan, 'getent hosts x.fleet.test')).toMatch(/^10\.77\.0\.7\s/);
    expect(await out(lan, 'cat /etc/resolv.conf')).toContain('nameserver 127.0.0.1');
    const inner = await fromContainer(lan, 'db.fleet.test');
    expect(inner.stdout, inner.stderr).toContain(`nameserver ${d0}`);
    expect(inner.stdout).toMatch(/Address:?\s+10\.77\.0\.7/);

    // serving_others: replace narrows it: the change names the LAN address whose clients lose DNS, and they do
    const narrow = await converge(fixture('dns-replace.yaml'), 'lan');
    const dnsImpact = (task(narrow.check.hosts, 'lan', 'dns').changes[0] as { impact?: Impact[] }).impact!.find((i) => i.kind === 'dns')!;
    expect(dnsImpact.clients).toContain(`${lan.ip}:53 (eth0)`);
    expect(dnsImpact.summary).toMatch(/machines using this host as their DNS server lose it$/);
    expect(await out(lan, "ss -H -lnu4 | awk '$4 ~ /:53$/ {print $4}' | sort")).toBe(['127.0.0.1:53', `${d0}:53`].sort().join('\n'));
    expect(await fromLan()).not.toBe('10.77.0.9');
    expect((await fromContainer(lan, 'db.fleet.test')).stdout).toMatch(/Address:?\s+10\.77\.0\.7/);
  });
});
