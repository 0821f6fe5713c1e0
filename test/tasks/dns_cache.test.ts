// dns_cache: args + facts -> plan (install, dnsmasq file, resolver, daemon.json, every refusal),
// the pure text helpers, probe parsers on real output, verify, and the resolv.conf write run for
// real against a bind-mounted file (as Docker mounts it into containers).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { dnsCacheTask, resolvWrite } from '../../src/tasks/dns_cache.js';
import { checkUpstream, dnsOpts, resolvConfFor, upstreamsOf } from '../../src/tasks/lib/dns-cache-text.js';
import { parseDnsState, lookupFact } from '../../src/facts/dns.js';
import { parseInterfaces } from '../../src/facts/network.js';
import type { AptPackage } from '../../src/facts/apt.js';
import type { FileState } from '../../src/facts/file.js';
import type { ServiceState } from '../../src/facts/service.js';

const CONF = '/etc/dnsmasq.d/fleet-cache.conf';
const summaries = (p: Plan) => (isOk(p) ? [`ok: ${p.ok}`] : p.map((c) => c.summary));
const file = (content?: string, o: Partial<FileState & { exists: true }> = {}): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content, ...o });
const apt = (o: Partial<AptPackage> = {}): AptPackage => ({ name: 'dnsmasq', held: false, versions: [{ version: '2.89-1', priority: 500, installed: true }], installed: '2.89-1', candidate: '2.89-1', listsAge: 0, ...o });
const svc = (o: Partial<ServiceState> = {}): ServiceState => ({ manager: 'systemd', exists: true, active: true, enabled: true, ...o });
const net = (docker0?: string) => ({ known: true, list: [{ name: 'lo', ipv4: ['127.0.0.1'], ipv6: [] }, { name: 'eth0', ipv4: ['10.0.0.5'], ipv6: [] }, ...(docker0 ? [{ name: 'docker0', ipv4: [docker0], ipv6: [] }] : [])] });
const CONF_TEXT = `# fleet dns_cache: a local DNS cache for this host and its containers (${CONF})\nlisten-address=127.0.0.1,172.17.0.1\nbind-dynamic\ncache-size=1000\nno-resolv\nserver=10.0.0.2\n`;
const RESOLV_TEXT = `# fleet dns_cache: the local cache (dnsmasq, ${CONF})\nsearch corp.example\nnameserver 127.0.0.1\noptions single-request-reopen\n`;
const DAEMON_TEXT = `{\n  "cgroup-parent": "x",\n  "dns": [\n    "172.17.0.1"\n  ],\n  "dns-opts": [\n    "single-request-reopen"\n  ]\n}\n`;
const facts = (o = {}) => ({
  pkg: apt(),
  dns: { listening: false, resolvedUpstreams: [] as string[] },
  net: net('172.17.0.1'),
  conf: file(),
  resolv: file('search corp.example\nnameserver 10.0.0.2\nnameserver 127.0.0.53\n'),
  dropin: file(),
  daemon: file('{"cgroup-parent": "x"}'),
  svc: svc({ active: false, enabled: false }),
  dockerSvc: svc(),
  lookup: undefined,
  ...o,
});
const converged = (o = {}) => facts({ conf: file(CONF_TEXT), resolv: file(RESOLV_TEXT), daemon: file(DAEMON_TEXT), svc: svc(), dns: { listening: true, listener: 'dnsmasq', resolvedUpstreams: [] }, ...o });
const args = (a: object = {}) => parseArgs(dnsCacheTask.args, a);
const plan = (a: object = {}, f: object = facts()) => dnsCacheTask.plan(args(a), f as never);

describe('text', () => {
  it('points resolv.conf at the cache, keeping search and options; idempotent', () => {
    const once = resolvConfFor('# from DHCP\nsearch corp.example\nnameserver 10.0.0.2\noptions ndots:2 timeout:1\n', CONF);
    expect(once).toBe(`# fleet dns_cache: the local cache (dnsmasq, ${CONF})\nsearch corp.example\nnameserver 127.0.0.1\noptions ndots:2 timeout:1 single-request-reopen\n`);
    expect(resolvConfFor(once, CONF)).toBe(once);
    expect(resolvConfFor('nameserver 10.0.0.2\noptions single-request\n', CONF)).toContain('\noptions single-request\n');
  });
  it('keeps upstreams across runs; resolved and given ones win', () => {
    expect(upstreamsOf(undefined, 'nameserver 10.0.0.2\nnameserver 127.0.0.53\n', '')).toEqual(['10.0.0.2']);
    expect(upstreamsOf(undefined, 'nameserver 127.0.0.1\n', 'server=10.0.0.2\nserver=10.0.0.3\n')).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(upstreamsOf(undefined, '', '', ['127.0.0.1', '192.0.2.53'])).toEqual(['192.0.2.53']);
    expect(upstreamsOf(['9.9.9.9'], 'nameserver 10.0.0.2\n', '')).toEqual(['9.9.9.9']);
  });
  it('adds single-request-reopen to dns-opts, keeping the others', () => {
    expect(dnsOpts(undefined)).toEqual(['single-request-reopen']);
    expect(dnsOpts(['ndots:2'])).toEqual(['ndots:2', 'single-request-reopen']);
    expect(dnsOpts(['single-request'])).toEqual(['single-request']);
  });
  it('checks upstreams', () => {
    expect(checkUpstream('192.0.2.53#5353')).toBeUndefined();
    expect(checkUpstream('dns.example')).toMatch(/is not an IP address/);
    expect(checkUpstream('127.0.0.53')).toMatch(/is local: dnsmasq would ask itself/);
    expect(() => args({ upstreams: ['10.0.0.2', 'x'] })).toThrow("argument 'upstreams.1' 'x' is not an IP address");
  });
});

describe('plan', () => {
  it('writes the cache file (validated), points the resolver and docker at it, with restarts', () => {
    const p = plan() as Change[];
    expect(summaries(p)).toEqual([
      `dnsmasq: create ${CONF}, then restart dnsmasq`,
      'point /etc/resolv.conf at 127.0.0.1 with single-request-reopen',
      "docker: update /etc/docker/daemon.json: set dns, dns-opts; docker restarts once after the play's tasks",
    ]);
    expect(p[0]!.diff!.after).toBe(CONF_TEXT);
    expect(p[0]!.steps.map((s) => s.text).join('\n')).toMatch(/dnsmasq --test -C "\$fleet_tmp"[\s\S]*systemctl enable dnsmasq >\/dev\/null 2>&1; systemctl restart dnsmasq$/);
    expect(p[1]!.diff).toEqual({ path: '/etc/resolv.conf', before: 'search corp.example\nnameserver 10.0.0.2\nnameserver 127.0.0.53\n', after: RESOLV_TEXT });
    expect(p[2]!.diff!.after).toBe(DAEMON_TEXT);
    // docker's restart is the engine's, once per host after the play's tasks
    expect(p[2]!.steps.map((s) => s.text).join('\n')).not.toContain('restart docker');
    expect(p[2]!.restarts).toEqual([{ service: 'docker', how: 'restart', why: 'daemon.json dns, dns-opts' }]);
    expect(p.every((c) => c.invalidates.includes('dns:state') && c.invalidates.includes('service:dnsmasq'))).toBe(true);
  });
  it('is ok once converged, and a second plan on the result changes nothing', () => {
    expect(summaries(plan({}, converged()))).toEqual(['ok: dnsmasq caches on 127.0.0.1 and 172.17.0.1; the host and docker use it']);
    expect(summaries(plan({}, converged({ svc: svc({ active: false }) })))).toEqual(['start and enable dnsmasq']);
  });
  it('installs dnsmasq first through the apt task', () => {
    const p = plan({}, facts({ pkg: apt({ installed: undefined, versions: [{ version: '2.89-1', priority: 500, installed: false }] }), svc: svc({ exists: false, active: false, enabled: undefined }) }));
    expect(summaries(p)[0]).toMatch(/^install dnsmasq/);
    expect(summaries(p)[1]).toBe(`dnsmasq: create ${CONF}, then restart dnsmasq`);
  });
  it('without docker0 listens on 127.0.0.1 only and says why containers are left out', () => {
    const p = plan({}, facts({ net: net() })) as Change[];
    expect(p[0]!.diff!.after).toContain('listen-address=127.0.0.1\n');
    expect(summaries(p)).toHaveLength(2);
    expect(p[0]!.warnings).toEqual([expect.stringMatching(/^no docker0 bridge: containers are not pointed at the cache/)]);
  });
  it('configures systemd-resolved instead of fighting it, with its real upstreams', () => {
    const f = facts({ resolv: file('nameserver 127.0.0.53\n', { link: '/run/systemd/resolve/stub-resolv.conf' }), dns: { listening: false, resolvedUpstreams: ['192.0.2.53'] } });
    const p = plan({}, f) as Change[];
    expect(summaries(p)).toContain('systemd-resolved: create /etc/systemd/resolved.conf.d/fleet-dns-cache.conf, then restart it');
    expect(p[0]!.diff!.after).toContain('server=192.0.2.53\n');
    expect(p.find((c) => c.summary.startsWith('systemd-resolved'))!.diff!.after).toContain('DNS=127.0.0.1\nDomains=~.\n');
    expect(summaries(p).some((s) => s.includes('/etc/resolv.conf'))).toBe(false);
  });
  it('warns when resolv.conf belongs to another tool', () => {
    const p = plan({}, facts({ resolv: file('nameserver 10.0.0.2\n', { link: '/run/resolvconf/resolv.conf' }) })) as Change[];
    expect(p[1]!.warnings![0]).toMatch(/links to \/run\/resolvconf\/resolv\.conf: whatever generates that file/);
    expect(p[1]!.steps.at(-1)!.text).toContain("mktemp /run/resolvconf/resolv.conf.fleet-XXXXXX");
  });
  it('leaves docker to a handler when asked', () => {
    const p = plan({ restart_docker: false }) as Change[];
    expect(p[2]!.summary).toBe('docker: update /etc/docker/daemon.json: set dns, dns-opts');
    expect(p[2]!.steps.map((s) => s.text).join('\n')).not.toContain('restart docker');
    expect(p[2]!.warnings![0]).toMatch(/notify a handler/);
  });
  it('refuses a clash on 127.0.0.1:53, and a host without upstreams', () => {
    expect(() => plan({}, facts({ dns: { listening: true, listener: 'unbound', resolvedUpstreams: [] } }))).toThrow('127.0.0.1:53 is already served by unbound: a second DNS server there would collide; stop it first, or keep it and skip dns_cache');
    expect(() => plan({}, facts({ resolv: file('nameserver 127.0.0.53\n') }))).toThrow(/no upstream DNS server: \/etc\/resolv\.conf lists none that is not local; give upstreams/);
    expect(() => plan({}, facts({ daemon: file('{"dns": [') }))).toThrow(/daemon\.json/);
  });
});

describe('verify', () => {
  const verify = (f: object, a: object = {}) => dnsCacheTask.verify!(args(a), f as never);
  it('needs dnsmasq running, on 127.0.0.1:53, and the name to resolve', () => {
    expect(verify(converged())).toBeUndefined();
    expect(verify(converged({ dns: { listening: false, resolvedUpstreams: [] } }))).toBe('nothing listens on 127.0.0.1:53 after dnsmasq started');
    expect(verify(converged({ lookup: { name: 'registry.corp', ok: false, addresses: [] } }), { verify_name: 'registry.corp' })).toBe('getent hosts registry.corp fails through the cache');
    expect(verify(converged({ svc: svc({ active: false }) }))).toBe('start and enable dnsmasq');
  });
});

describe('probes', () => {
  it('reads interfaces from ip -o (veth names with @peer)', () => {
    const out = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default \\    link/ether 02:42:8a:0c:3e:51 brd ff:ff:ff:ff:ff:ff
41: eth0@if42: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 02:42:ac:11:00:03 brd ff:ff:ff:ff:ff:ff link-netnsid 0
--
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
2: docker0    inet 172.18.0.1/16 brd 172.18.255.255 scope global docker0\\       valid_lft forever preferred_lft forever
41: eth0    inet 172.17.0.3/16 brd 172.17.255.255 scope global eth0\\       valid_lft forever preferred_lft forever
41: eth0    inet6 fe80::42:acff:fe11:3/64 scope link \\       valid_lft forever preferred_lft forever
`;
    expect(parseInterfaces(out)).toEqual({ known: true, list: [{ name: 'lo', ipv4: ['127.0.0.1'], ipv6: [] }, { name: 'docker0', ipv4: ['172.18.0.1'], ipv6: [] }, { name: 'eth0', ipv4: ['172.17.0.3'], ipv6: ['fe80::42:acff:fe11:3'] }] });
    expect(parseInterfaces('missing\n')).toEqual({ known: false, list: [] });
  });
  it('reads the DNS listener', () => {
    expect(parseDnsState('listen=users:(("dnsmasq",pid=412,fd=4))\nresolved=192.0.2.53\n')).toEqual({ listening: true, listener: 'dnsmasq', resolvedUpstreams: ['192.0.2.53'] });
    expect(parseDnsState('')).toEqual({ listening: false, resolvedUpstreams: [] });
  });
  it('looks a name up with the real getent', () => {
    const f = lookupFact('localhost');
    const r = spawnSync('/bin/sh', ['-c', f.probe.text], { encoding: 'utf8' });
    expect(f.parse(r.stdout, r.status ?? 1)).toMatchObject({ name: 'localhost', ok: true });
    const bad = lookupFact('no-such-host.invalid');
    const r2 = spawnSync('/bin/sh', ['-c', bad.probe.text], { encoding: 'utf8' });
    expect(bad.parse(r2.stdout, r2.status ?? 1)).toEqual({ name: 'no-such-host.invalid', ok: false, addresses: [] });
  });
});

describe.skipIf(process.getuid?.() !== 0)('the resolv.conf write on a bind-mounted file', () => {
  it('rewrites in place where rename cannot replace a mount point', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-dns-'));
    const target = join(dir, 'resolv.conf');
    writeFileSync(target, 'nameserver 10.0.0.2\n');
    writeFileSync(join(dir, 'src'), 'nameserver 10.0.0.2\n');
    execFileSync('mount', ['--bind', join(dir, 'src'), target]);
    try {
      const c = resolvWrite(target, 'nameserver 10.0.0.2\n', RESOLV_TEXT);
      execFileSync('/bin/sh', ['-c', `( set -e\n${c.steps.map((s) => s.text).join('\n')}\n)`]);
      expect(readFileSync(target, 'utf8')).toBe(RESOLV_TEXT);
      expect(readFileSync(join(dir, 'src'), 'utf8')).toBe(RESOLV_TEXT);
      expect(execFileSync('sh', ['-c', `ls -a ${dir}`], { encoding: 'utf8' }).split('\n').filter((n) => n.includes('fleet'))).toEqual([]);
    } finally {
      spawnSync('umount', [target]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
