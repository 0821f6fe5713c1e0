// The five remediations on real lab hosts in their bad states: --check shows the change and its
// diff, apply fixes it, the host's real state is read back through docker exec (and the service
// works), and a second apply changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';
import { httpGet } from '../support/net.js';
import { LOAD_BUSYBOX } from '../../src/lab/scenarios/shared.js';

describe('remediations on lab hosts', () => {
  let lab: Lab;
  const h = (n: string) => lab.hosts.find((x) => x.name === n)!;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout.trim();
  const converge = async (pb: string, limit: string, extra: string[] = []) => {
    const check = await run(fixture(pb), lab.inventoryPath, ['--check', '--diff', '--limit', limit, ...extra]);
    const apply = await run(fixture(pb), lab.inventoryPath, ['--yes', '--limit', limit, ...extra]);
    const again = await run(fixture(pb), lab.inventoryPath, ['--yes', '--limit', limit, ...extra]);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(changedTasks(check.hosts, ['would-change']));
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('nothing to change.');
    return { check, apply };
  };

  beforeAll(async () => {
    lab = await startLab({
      name: 'remed',
      hosts: [
        { kind: 'full', name: 'guest', scenarios: ['containerd-repo', 'lxc-guest', 'vfs-driver'] },
        { kind: 'full', name: 'web', scenarios: ['published-port', 'dns-upstream'] },
        { kind: 'full', name: 'lxchost', scenarios: ['lxc-apparmor-host', 'no-dns-cache'] },
        { kind: 'full', name: 'pve', scenarios: ['proxmox-host'] },
        { kind: 'light', name: 'allowed' },
        { kind: 'light', name: 'denied' },
      ],
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('containerd_pin: pins and holds in the LXC guest, skips other hosts with the reason, lifts the pin', async () => {
    const { check } = await converge('pin.yaml', 'guest,web', ['-e', 'pin_state=present']);
    const t = task(check.hosts, 'guest', 'pin');
    expect(t.changes.map((c) => c.summary).join('; ')).toMatch(/pin containerd\.io 1\.7\.28-1 \(priority 1001\).*downgrade containerd\.io 1\.7\.28-2 -> 1\.7\.28-1/);
    expect(t.changes[0]!.diff!.after).toContain('Pin: version 1.7.28-1*\nPin-Priority: 1001');
    expect(t.changes[0]!.warnings![0]).toMatch(/CVE-2025-31133/);
    expect(task(check.hosts, 'web', 'pin')).toMatchObject({ status: 'ok', reason: expect.stringMatching(/not an LXC guest/) });
    const g = h('guest');
    expect(await out(g, "dpkg-query -W -f='${Version}' containerd.io")).toBe('1.7.28-1');
    expect(await out(g, 'apt-mark showhold')).toBe('containerd.io');
    expect(await out(g, 'apt-cache policy containerd.io')).toMatch(/Candidate: 1\.7\.28-1[\s\S]*1001/);
    // lift it
    await converge('pin.yaml', 'guest', ['-e', 'pin_state=absent']);
    expect(await out(g, 'apt-mark showhold')).toBe('');
    expect(await out(g, 'ls /etc/apt/preferences.d/')).toBe('');
  });

  it('lxc_apparmor: narrows the rule on a plain LXC host, validated; detects the old rule coming back', async () => {
    const { check } = await converge('apparmor.yaml', 'lxchost,web');
    const t = task(check.hosts, 'lxchost', 'apparmor');
    expect(t.changes[0]!.diff!.after).toContain('deny /sys/[^fdcn]*{,/**} wklx,');
    expect(task(check.hosts, 'web', 'apparmor').status).toBe('would-change'); // every full host has Debian's lxc profiles
    const x = h('lxchost');
    expect(await out(x, "grep -c 'deny /sys/\\[^fdcn\\]' /etc/apparmor.d/abstractions/lxc/container-base")).toBe('1');
    expect(await out(x, "grep -c 'deny /sys/\\[^fdc\\]\\*' /etc/apparmor.d/abstractions/lxc/container-base || true")).toBe('0');
    expect((await x.exec('apparmor_parser -Q -K /etc/apparmor.d/lxc-containers')).code).toBe(0);
    // a package upgrade puts the old rule back
    await x.exec("sed -i 's/\\[^fdcn\\]/[^fdc]/' /etc/apparmor.d/abstractions/lxc/container-base");
    const back = await run(fixture('apparmor.yaml'), lab.inventoryPath, ['--check', '--limit', 'lxchost']);
    expect(task(back.hosts, 'lxchost', 'apparmor').changes[0]!.summary).toMatch(/^the old rule is back \(package upgrade\?\)/);
    await converge('apparmor.yaml', 'lxchost');
  });

  it('lxc_apparmor on Proxmox: upgrades lxc-pve, reboots only the nesting guest', async () => {
    const { check } = await converge('apparmor.yaml', 'pve');
    expect(task(check.hosts, 'pve', 'apparmor').changes.map((c) => c.summary).join('\n')).toMatch(/upgrade lxc-pve 6\.0\.5-1 -> 6\.0\.5-2[\s\S]*reboot nesting guests one at a time: 101$/);
    const p = h('pve');
    expect(await out(p, "dpkg-query -W -f='${Version}' lxc-pve")).toBe('6.0.5-2');
    expect(await out(p, 'cat /var/log/fleet-lab/pct.log')).toMatch(/^reboot 101$/m);
    expect(await out(p, 'cat /var/log/fleet-lab/pct.log')).not.toMatch(/reboot 102/);
    // unconfined guests are refused without force
    await p.exec("echo 'lxc.apparmor.profile: unconfined' >> /etc/pve/lxc/102.conf; apt-get install -y -qq --allow-downgrades lxc-pve=6.0.5-1 >/dev/null");
    const refused = await run(fixture('apparmor.yaml'), lab.inventoryPath, ['--check', '--limit', 'pve']);
    expect(refused.code).toBe(2);
    expect(task(refused.hosts, 'pve', 'apparmor').reason).toMatch(/refusing: guest 102 uses lxc\.apparmor\.profile: unconfined removes all AppArmor mediation/);
  });

  it('docker_user: the published port is refused from a disallowed host, reachable from an allowed one, and survives a docker restart', async () => {
    const web = h('web');
    for (const c of ['allowed', 'denied']) expect(await out(h(c), httpGet(web.ip, 8080))).toBe('hello from fleet lab');
    const allowed = JSON.stringify({ allowed: [`${h('allowed').ip}/32`] });
    const { check } = await converge('docker-user.yaml', 'web', ['-e', allowed]);
    expect(task(check.hosts, 'web', 'firewall').changes[0]!.summary).toMatch(/^set the DOCKER-USER rules \(iptables: 3 rules\)/);
    const rules = (await out(web, 'iptables -S DOCKER-USER')).split('\n').filter((l) => l.includes('fleet-docker-user'));
    expect(rules).toHaveLength(3);
    expect(rules[0]).toMatch(/--ctstate RELATED,ESTABLISHED .*-j ACCEPT/);
    expect(rules[1]).toMatch(new RegExp(`-s ${h('allowed').ip}/32 -i eth0 .*-j RETURN`));
    expect(rules[2]).toMatch(/-i eth0 .*-j DROP/);
    expect((await out(web, 'iptables -S DOCKER-USER')).split('\n')[1]).toContain('fleet-docker-user:1:');
    expect(await out(h('allowed'), httpGet(web.ip, 8080))).toBe('hello from fleet lab');
    expect(await out(h('denied'), httpGet(web.ip, 8080))).toBe('');
    // persistence: a restart of docker runs the unit again; the order is intact
    await web.exec('iptables -F DOCKER-USER; systemctl restart docker; sleep 1');
    expect((await out(web, 'iptables -S DOCKER-USER')).split('\n').filter((l) => l.includes('fleet-docker-user'))).toEqual(rules);
    expect(await out(web, 'systemctl is-enabled fleet-docker-user')).toBe('enabled');
  });

  it('dns_cache: the host and its containers resolve through a local dnsmasq', async () => {
    const x = h('lxchost');
    const { check } = await converge('dns.yaml', 'lxchost');
    expect(task(check.hosts, 'lxchost', 'dns').changes.map((c) => c.summary).join('\n')).toMatch(/dnsmasq: create \/etc\/dnsmasq\.d\/fleet-cache\.conf[\s\S]*point \/etc\/resolv\.conf at 127\.0\.0\.1[\s\S]*docker: update \/etc\/docker\/daemon\.json: set dns, dns-opts/);
    expect(await out(x, 'cat /etc/resolv.conf')).toContain('nameserver 127.0.0.1\noptions single-request-reopen');
    expect(await out(x, 'cat /etc/dnsmasq.d/fleet-cache.conf')).toContain(`server=${h('web').ip}`);
    const docker0 = (await out(x, "ip -4 -o addr show docker0 | awk '{print $4}'")).split('/')[0];
    expect(await out(x, "ss -lnu | awk '{print $4}' | grep ':53$' | sort")).toBe(`127.0.0.1:53\n${docker0}:53`);
    expect(await out(x, 'getent hosts api.fleet.test')).toMatch(/^10\.77\.0\.7\s+api\.fleet\.test/);
    const daemon = JSON.parse(await out(x, 'cat /etc/docker/daemon.json'));
    expect(daemon).toEqual({ 'cgroup-parent': 'fleet-lab-inner', dns: [docker0], 'dns-opts': ['single-request-reopen'] });
    await x.exec(LOAD_BUSYBOX);
    const inner = await out(x, 'docker run --rm fleet-lab/busybox sh -c "cat /etc/resolv.conf; nslookup db.fleet.test"');
    expect(inner).toContain(`nameserver ${docker0}`);
    expect(inner).toMatch(/Address:? 10\.77\.0\.7/);
  });

  it('docker_storage_driver: refuses to hide images, then carries them over to overlay2', async () => {
    const g = h('guest');
    const refused = await run(fixture('storage.yaml'), lab.inventoryPath, ['--check', '--limit', 'guest', '-e', 'migrate=refuse']);
    expect(refused.code).toBe(2);
    expect(task(refused.hosts, 'guest', 'storage').reason).toMatch(/dockerd on vfs has 1 images and 1 containers that switching to overlay2 would hide; set migrate: save-load/);
    const { check } = await converge('storage.yaml', 'guest', ['-e', 'migrate=save-load']);
    const c = task(check.hosts, 'guest', 'storage').changes[0]!;
    expect(c.summary).toBe("switch dockerd from vfs to overlay2, carrying 1 images over (fleet-lab/busybox:latest); docker restarts once after the play's tasks");
    expect(c.diff!.after).toContain('"storage-driver": "overlay2"');
    expect(c.warnings!.join(' ')).toContain('fleet-lab-old');
    expect(await out(g, "docker info --format '{{.Driver}}'")).toBe('overlay2');
    expect(JSON.parse(await out(g, 'cat /etc/docker/daemon.json'))).toEqual({ 'cgroup-parent': 'fleet-lab-inner', 'storage-driver': 'overlay2' });
    expect(await out(g, "docker images --format '{{.Repository}}:{{.Tag}}'")).toBe('fleet-lab/busybox:latest');
    expect((await g.exec('docker run --rm fleet-lab/busybox true')).code).toBe(0);
  });
});
