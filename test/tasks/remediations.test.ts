// Fixture tests for the remediation tasks: args + facts -> plan, including every refusal.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { containerdPinTask, dnsCacheTask, dockerStorageDriverTask, dockerUserTask, lxcApparmorTask } from '../../src/tasks/builtin-tasks.js';
import { compileRules, inPlace, applyScript } from '../../src/tasks/lib/docker-user-rules.js';
import { upstreamsOf } from '../../src/tasks/dns_cache.js';
import { overlayBlocker } from '../../src/tasks/docker_storage_driver.js';
import type { AptPackage } from '../../src/facts/apt.js';
import type { FileState } from '../../src/facts/file.js';
import type { DockerInfo } from '../../src/facts/docker.js';
import type { ServiceState } from '../../src/facts/service.js';

const summaries = (p: Plan) => (isOk(p) ? [`ok: ${p.ok}`] : (p as Change[]).map((c) => c.summary));
const file = (content?: string): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content });
const apt = (name: string, o: Partial<AptPackage> = {}): AptPackage => ({ name, held: false, versions: [], listsAge: 0, ...o });
const svc = (o: Partial<ServiceState> = {}): ServiceState => ({ manager: 'systemd', exists: true, active: true, enabled: true, ...o });

describe('containerd_pin', () => {
  const versions = ['1.7.29-1', '1.7.28-2', '1.7.28-1'].map((version) => ({ version, priority: 500, installed: version === '1.7.28-2' }));
  const facts = (o: Record<string, unknown> = {}) => ({ virt: 'lxc', containerd: apt('containerd.io', { installed: '1.7.28-2', candidate: '1.7.29-1', versions }), runc: apt('runc'), prefContainerd: file(), prefRunc: file(), ...o });
  const plan = (args: object, f = facts()) => containerdPinTask.plan(parseArgs(containerdPinTask.args, args), f as never);
  it('pins, downgrades and holds in an LXC guest, warning about the CVEs', () => {
    const p = plan({ version: '1.7.28-1', allow_downgrade: true });
    expect(summaries(p)).toEqual(['pin containerd.io 1.7.28-1 (priority 1001): create /etc/apt/preferences.d/fleet-containerd.io.pref', 'downgrade containerd.io 1.7.28-2 -> 1.7.28-1', 'hold containerd.io']);
    expect((p as Change[]).every((c) => c.warnings?.[0]?.includes('CVE-2025-52881'))).toBe(true);
  });
  it('refuses the downgrade unless allowed', () => {
    expect(() => plan({ version: '1.7.28-1' })).toThrow(/set allow_downgrade: true/);
  });
  it('leaves hosts that are not LXC guests, with the reason', () => {
    expect(summaries(plan({ version: '1.7.28-1' }, facts({ virt: 'none' })))).toEqual(['ok: not an LXC guest (container: none); scope is lxc-guests']);
  });
  it('pins runc where Docker comes from the distribution', () => {
    const f = facts({ containerd: apt('containerd.io'), runc: apt('runc', { installed: '1.1.5+ds1-1', candidate: '1.1.5+ds1-1', versions: [{ version: '1.1.5+ds1-1', priority: 500, installed: true }] }) });
    expect(summaries(plan({ version: '1.1.5+ds1-1', scope: 'all' }, f))[0]).toMatch(/^pin runc 1\.1\.5\+ds1-1/);
  });
  it('state absent lifts the pin', () => {
    expect(summaries(plan({ state: 'absent' }, facts({ prefContainerd: file('Package: containerd.io\n'), containerd: apt('containerd.io', { installed: '1.7.28-1', held: true }) })))).toEqual(['remove the pin /etc/apt/preferences.d/fleet-containerd.io.pref', 'unhold containerd.io']);
  });
  it('needs a version to pin', () => {
    expect(() => parseArgs(containerdPinTask.args, {})).toThrow(/argument 'version' is required with state 'present'/);
  });
});

describe('lxc_apparmor', () => {
  const base = '  mount,\n  deny /sys/[^fdc]*{,/**} wklx,\n';
  const lxc = (o = {}) => ({ proxmox: false, guests: [], unconfinedPlain: [], patchedBefore: false, ...o });
  const plan = (args: object, f: object) => lxcApparmorTask.plan(parseArgs(lxcApparmorTask.args, args), { lxc: lxc(), base: file(), pve: apt('lxc-pve'), kernel: false, ...f } as never);
  it('narrows the rule with a diff and a parse-only check where the kernel has no AppArmor', () => {
    const p = plan({}, { base: file(base) }) as Change[];
    expect(p[0]!.diff!.after).toBe('  mount,\n  deny /sys/[^fdcn]*{,/**} wklx,\n');
    expect(p[0]!.steps.map((s) => s.text).join('\n')).toContain('apparmor_parser -Q -K /etc/apparmor.d/lxc-containers');
    expect((plan({}, { base: file(base), kernel: true }) as Change[])[0]!.steps.map((s) => s.text).join('\n')).toContain('apparmor_parser -r /etc/apparmor.d/lxc-containers');
  });
  it('says when the old rule came back', () => {
    expect(summaries(plan({}, { base: file(base), lxc: lxc({ patchedBefore: true }) }))[0]).toMatch(/^the old rule is back \(package upgrade\?\)/);
  });
  it('is ok without the abstraction or once patched', () => {
    expect(summaries(plan({}, {}))).toEqual(['ok: no LXC AppArmor abstraction here (/etc/apparmor.d/abstractions/lxc/container-base)']);
    expect(isOk(plan({}, { base: file('deny /sys/[^fdcn]*{,/**} wklx,\n') }))).toBe(true);
  });
  it('upgrades lxc-pve on Proxmox and reboots running nesting guests one at a time', () => {
    const f = { lxc: lxc({ proxmox: true, guests: [{ id: '101', nesting: true, unconfined: false, running: true }, { id: '102', nesting: false, unconfined: false, running: true }, { id: '103', nesting: true, unconfined: false, running: false }] }), pve: apt('lxc-pve', { installed: '6.0.5-1', candidate: '6.0.5-2' }) };
    const p = plan({ restart_guests: true }, f) as Change[];
    expect(p.map((c) => c.summary)).toEqual(['Proxmox: upgrade lxc-pve 6.0.5-1 -> 6.0.5-2 (profiles are generated: editing container-base has no effect here)', 'reboot nesting guests one at a time: 101']);
    expect(p[1]!.steps.map((s) => s.text)).toEqual(['pct reboot 101']);
    expect(summaries(plan({}, { ...f, pve: apt('lxc-pve', { installed: '6.0.5-2' }) }))).toEqual(['ok: Proxmox: lxc-pve 6.0.5-2 >= 6.0.5-2 (generated profiles allow nesting)']);
  });
  it('refuses unconfined guests unless forced, saying why', () => {
    const f = { base: file(base), lxc: lxc({ unconfinedPlain: ['/var/lib/lxc/web/config'] }) };
    expect(() => plan({}, f)).toThrow(/refusing: \/var\/lib\/lxc\/web\/config uses lxc\.apparmor\.profile: unconfined removes all AppArmor mediation/);
    expect((plan({ force: true }, f) as Change[])[0]!.warnings![0]).toMatch(/unconfined/);
  });
});

describe('docker_user', () => {
  const policy = { external_interface: 'eth0', allowed_sources: ['192.0.2.0/24', '2001:db8::/32'], allowed_ports: ['443', 'udp/53'] };
  it('compiles established first, then allows, then the drop, per IP version', () => {
    const v4 = compileRules(policy, 'iptables').map((r) => r.join(' ').replace(/ -m comment --comment \S+/, ''));
    expect(v4).toEqual([
      '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-i eth0 -s 192.0.2.0/24 -j RETURN',
      '-i eth0 -p tcp -m conntrack --ctorigdstport 443 -j RETURN',
      '-i eth0 -p udp -m conntrack --ctorigdstport 53 -j RETURN',
      '-i eth0 -j DROP',
    ]);
    expect(compileRules(policy, 'ip6tables').map((r) => r.join(' '))[1]).toMatch(/-s 2001:db8::\/32/);
  });
  it('reads presence and order back from iptables -S by comment', () => {
    const rules = compileRules(policy, 'iptables');
    const listing = ['-N DOCKER-USER', ...rules.map((r) => `-A DOCKER-USER ${r.join(' ')}`), '-A DOCKER-USER -j RETURN'];
    expect(inPlace(listing, rules)).toBe(true);
    expect(inPlace(['-N DOCKER-USER', listing[2]!, listing[1]!, ...listing.slice(3)], rules)).toBe(false);
    expect(inPlace(['-N DOCKER-USER', '-A DOCKER-USER -j RETURN', ...listing.slice(1)], rules)).toBe(false);
  });
  it('rejects a bad port', () => {
    expect(() => compileRules({ ...policy, allowed_ports: ['https'] }, 'iptables')).toThrow(/'https' is not a port/);
  });
  const chain = (listing: string[] = ['-N DOCKER-USER', '-A DOCKER-USER -j RETURN']) => ({ available: true, exists: true, listing, nftBackend: false });
  const facts = (o = {}) => ({ v4: chain(), v6: chain(), daemon: file('{}'), script: file(), unit: file(), svc: svc({ exists: false }), systemd: svc(), ...o });
  const plan = (args: object, f = facts()) => dockerUserTask.plan(parseArgs(dockerUserTask.args, args), f as never);
  it('sets the rules and installs the boot unit from the same script', () => {
    const p = plan({ external_interface: 'eth0' }) as Change[];
    expect(p.map((c) => c.summary)).toEqual([
      'set the DOCKER-USER rules (iptables: 2 rules): established, 0 allowed sources, 0 allowed ports, then drop on eth0',
      'boot script: create /usr/local/sbin/fleet-docker-user',
      'systemd unit: create /etc/systemd/system/fleet-docker-user.service',
      'enable fleet-docker-user.service (runs after every docker start)',
    ]);
    expect(p[1]!.diff!.after).toBe(applyScript([['iptables', compileRules({ external_interface: 'eth0', allowed_sources: [], allowed_ports: [] }, 'iptables')]]));
  });
  it('refuses the nftables backend and a missing chain, clearly', () => {
    expect(() => plan({ external_interface: 'eth0' }, facts({ daemon: file('{"firewall-backend": "nftables"}') }))).toThrow(/nftables firewall backend .*no DOCKER-USER chain/);
    expect(() => plan({ external_interface: 'eth0' }, facts({ v4: { ...chain(), exists: false } }))).toThrow(/no DOCKER-USER chain.*is dockerd running/);
  });
});

describe('dns_cache', () => {
  it('keeps the upstreams across runs', () => {
    expect(upstreamsOf(undefined, 'nameserver 10.0.0.2\nnameserver 127.0.0.53\n', '')).toEqual(['10.0.0.2']);
    expect(upstreamsOf(undefined, 'nameserver 127.0.0.1\n', 'server=10.0.0.2\nserver=10.0.0.3\n')).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(upstreamsOf(['9.9.9.9'], 'nameserver 10.0.0.2\n', '')).toEqual(['9.9.9.9']);
  });
  const facts = (o = {}) => ({ pkg: apt('dnsmasq', { installed: '2.89-1' }), dns: { docker0: '172.17.0.1', listening: false }, conf: file(), resolv: file('nameserver 10.0.0.2\n'), dropin: file(), daemon: file('{"debug": true}'), svc: svc({ active: false, enabled: false }), ...o });
  const plan = (f = facts()) => dnsCacheTask.plan(parseArgs(dnsCacheTask.args, {}), f as never);
  it('listens on 127.0.0.1 and docker0 only, points the resolver and docker at it', () => {
    const p = plan() as Change[];
    expect(p.map((c) => c.summary)).toEqual(['dnsmasq: create /etc/dnsmasq.d/fleet-cache.conf', 'point /etc/resolv.conf at 127.0.0.1 with single-request-reopen', 'docker: update /etc/docker/daemon.json: set dns, dns-opts, then restart docker']);
    expect(p[0]!.diff!.after).toBe('# fleet dns_cache: local DNS cache for this host and its containers\nlisten-address=127.0.0.1,172.17.0.1\nbind-dynamic\ncache-size=1000\nno-resolv\nserver=10.0.0.2\n');
    expect(JSON.parse(p[2]!.diff!.after)).toEqual({ debug: true, dns: ['172.17.0.1'], 'dns-opts': ['single-request-reopen'] });
  });
  it('configures systemd-resolved instead of fighting it', () => {
    const p = plan(facts({ dns: { docker0: '172.17.0.1', listening: false, resolvLink: '/run/systemd/resolve/stub-resolv.conf' } })) as Change[];
    expect(p.map((c) => c.summary)).toContain('create /etc/systemd/resolved.conf.d/fleet-dns-cache.conf');
  });
  it('needs an upstream', () => {
    expect(() => plan(facts({ resolv: file('nameserver 127.0.0.53\n') }))).toThrow(/no upstream DNS server/);
  });
});

describe('docker_storage_driver', () => {
  const info = (o: Partial<DockerInfo> = {}): DockerInfo => ({ installed: true, running: true, version: '20.10.24', driver: 'vfs', images: [], containers: [], imageBytes: 0, rootDir: '/var/lib/docker', backingFs: 'ext2/ext3', kernel: '6.1.0', freeBytes: 1e10, liveRestore: false, ...o });
  const plan = (args: object, i: DockerInfo) => dockerStorageDriverTask.plan(parseArgs(dockerStorageDriverTask.args, args), { info: i, daemon: file('{"debug":true}'), svc: svc() } as never);
  it('preflights kernel and d_type', () => {
    expect(overlayBlocker(info({ kernel: '3.10.0' }))).toMatch(/older than 4\.0/);
    expect(overlayBlocker(info({ backingFs: 'xfs', xfsFtype: 0 }))).toMatch(/ftype=1/);
    expect(overlayBlocker(info({ backingFs: 'xfs', xfsFtype: 1 }))).toBeUndefined();
  });
  it('refuses to hide images and containers unless save-load or force', () => {
    expect(() => plan({}, info({ images: ['a:1'], containers: ['c'] }))).toThrow(/has 1 images and 1 containers .*set migrate: save-load/);
    const p = plan({ migrate: 'save-load' }, info({ images: ['a:1'], containers: ['c'] })) as Change[];
    expect(p[0]!.summary).toBe('switch dockerd from vfs to overlay2, carrying 1 images over (a:1)');
    expect(p[0]!.warnings).toEqual(['containers are not migrated and stay hidden under /var/lib/docker/vfs: c']);
    expect(JSON.parse(p[0]!.diff!.after)).toEqual({ debug: true, 'storage-driver': 'overlay2' });
    const steps = p[0]!.steps.map((s) => s.text).join('\n');
    expect(steps.indexOf('docker save')).toBeLessThan(steps.indexOf('systemctl stop docker'));
    expect(steps.indexOf('systemctl start docker')).toBeLessThan(steps.indexOf('docker load'));
  });
  it('is ok on overlay2 (and overlayfs) and without docker', () => {
    expect(summaries(plan({}, info({ driver: 'overlay2' })))).toEqual(['ok: dockerd already runs overlay2']);
    expect(isOk(plan({}, info({ driver: 'overlayfs' })))).toBe(true);
    expect(summaries(plan({}, info({ installed: false, running: false })))).toEqual(['ok: docker is not installed']);
  });
});
