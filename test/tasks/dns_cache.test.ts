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
import { checkFromDocker0, PROBE_AWK } from '../../src/tasks/lib/dns-cache-check.js';
import { dnsStateFact, parseDnsState, lookupFact, type DnsListener, type DnsState } from '../../src/facts/dns.js';
import { parseUfw, type UfwState } from '../../src/facts/ufw.js';
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
const dns = (o: Partial<DnsState> = {}): DnsState => ({ listening: false, listeners: [], resolvedUpstreams: [], dnsmasqConf: [], ...o });
/** dnsmasq's sockets on these addresses, udp and tcp */
const dnsmasqOn = (...addrs: string[]): DnsListener[] => addrs.flatMap((address) => (['udp', 'tcp'] as const).map((proto) => ({ proto, address, program: 'dnsmasq' })));
const conf = (path: string, text: string) => text.trim().split('\n').map((line) => ({ path, line }));
const ufw = (o: Partial<UfwState> = {}): UfwState => ({ installed: false, enabled: false, saved: [], live: [], ...o });
const facts = (o = {}) => ({
  pkg: apt(),
  dns: dns(),
  ufw: ufw(),
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
const converged = (o = {}) => facts({ conf: file(CONF_TEXT), resolv: file(RESOLV_TEXT), daemon: file(DAEMON_TEXT), svc: svc(), dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('127.0.0.1', '172.17.0.1'), dnsmasqConf: conf(CONF, CONF_TEXT) }), ...o });
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
    // the last step of the task: a lookup from docker0, through its address
    expect(p[2]!.steps.at(-1)!.text).toContain('ip netns exec "$fleet_ns" getent ahostsv4 localhost');
    expect(p[2]!.steps.at(-1)!.text).toContain("printf 'nameserver %s\\noptions timeout:2 attempts:2\\n' 172.17.0.1");
    expect(p[0]!.impact).toBeUndefined(); // dnsmasq was not running: nothing is interrupted
    expect(p.every((c) => c.invalidates.includes('dns:state') && c.invalidates.includes('service:dnsmasq'))).toBe(true);
  });
  it('is ok once converged, and a second plan on the result changes nothing', () => {
    expect(summaries(plan({}, converged()))).toEqual(['ok: dnsmasq caches on 127.0.0.1 and 172.17.0.1; the host and docker use it']);
    expect(summaries(plan({}, converged({ svc: svc({ active: false }) })))).toEqual(['start and enable dnsmasq']);
    const off = plan({}, converged({ svc: svc({ enabled: false }) })) as Change[];
    expect(summaries(off)).toEqual(['enable dnsmasq at boot']);
    expect(off[0]!.steps[0]!.text).toBe('systemctl enable dnsmasq >/dev/null 2>&1');
    expect(off[0]!.impact).toBeUndefined();
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
    const f = facts({ resolv: file('nameserver 127.0.0.53\n', { link: '/run/systemd/resolve/stub-resolv.conf' }), dns: dns({ resolvedUpstreams: ['192.0.2.53'] }) });
    const p = plan({}, f) as Change[];
    expect(summaries(p)).toContain('systemd-resolved: create /etc/systemd/resolved.conf.d/fleet-dns-cache.conf, then restart it');
    expect(p[0]!.diff!.after).toContain('server=192.0.2.53\n');
    // the empty DNS= first: resolved.conf's own servers are dropped, not kept beside the cache
    expect(p.find((c) => c.summary.startsWith('systemd-resolved'))!.diff!.after).toContain('[Resolve]\nDNS=\nDNS=127.0.0.1\nDomains=~.\n');
    expect(p.find((c) => c.summary.startsWith('systemd-resolved'))!.impact).toEqual([expect.objectContaining({ kind: 'restart', service: 'systemd-resolved' })]);
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
    expect(() => plan({}, facts({ dns: dns({ listening: true, listener: 'unbound' }) }))).toThrow('127.0.0.1:53 is already served by unbound: a second DNS server there would collide; stop it first, or keep it and skip dns_cache');
    expect(() => plan({}, facts({ resolv: file('nameserver 127.0.0.53\n') }))).toThrow(/no upstream DNS server: \/etc\/resolv\.conf lists none that is not local, nor does dnsmasq's config \(server=\); give upstreams/);
    expect(() => plan({}, facts({ daemon: file('{"dns": [') }))).toThrow(/daemon\.json/);
  });
});

describe('plan on real-host states', () => {
  const UFW_ALLOW = "ufw allow in on docker0 to 172.17.0.1 port 53 comment 'fleet dns_cache' >/dev/null";
  const rules = (dest?: string) => (['tcp', 'udp'] as const).map((proto) => ({ proto, ...(dest ? { dest } : {}) }));
  it('ufw active: allows exactly docker0 -> the cache port 53 through ufw (persisted in user.rules)', () => {
    const p = plan({}, converged({ ufw: ufw({ installed: true, enabled: true, inputPolicy: 'DROP' }) })) as Change[];
    expect(summaries(p)).toEqual(['ufw: allow docker0 -> 172.17.0.1 port 53 (udp, tcp), so containers reach the cache']);
    expect(p[0]!.steps[0]!.text).toBe(UFW_ALLOW);
    expect(p[0]!.steps.at(-1)!.text).toContain('getent ahostsv4 localhost'); // then proves it from docker0
    expect(p[0]!.impact).toBeUndefined();
    // saved but not filtering (iptables flushed): a reload, not a second rule
    expect(summaries(plan({}, converged({ ufw: ufw({ installed: true, enabled: true, saved: rules('172.17.0.1') }) })))).toEqual(['ufw: reload, so its saved docker0 -> 172.17.0.1 port 53 rule filters again']);
    expect(summaries(plan({}, converged({ ufw: ufw({ installed: true, enabled: true, saved: rules('172.17.0.1'), live: rules('172.17.0.1') }) })))).toEqual(['ok: dnsmasq caches on 127.0.0.1 and 172.17.0.1; the host and docker use it; ufw lets docker0 reach it']);
    // a rule for any destination on docker0 port 53 does the job too; a rule for another address does not
    expect(isOk(plan({}, converged({ ufw: ufw({ installed: true, enabled: true, saved: rules(), live: rules() }) })))).toBe(true);
    expect(isOk(plan({}, converged({ ufw: ufw({ installed: true, enabled: true, saved: rules('172.18.0.1'), live: rules('172.18.0.1') }) })))).toBe(false);
    // ufw installed but off: nothing to open
    expect(isOk(plan({}, converged({ ufw: ufw({ installed: true, enabled: false }) })))).toBe(true);
    // a fresh ufw host: the rule is part of the first apply, before docker's restart and the check
    expect(summaries(plan({}, facts({ ufw: ufw({ installed: true, enabled: true }) })))).toContain('ufw: allow docker0 -> 172.17.0.1 port 53 (udp, tcp), so containers reach the cache');
  });

  const STUB = { link: '/run/systemd/resolve/stub-resolv.conf' };
  const RESOLVED_DROPIN = '/etc/systemd/resolved.conf.d/fleet-dns-cache.conf';
  const DROPIN = '# fleet dns_cache: systemd-resolved forwards to the local cache only\n[Resolve]\nDNS=\nDNS=127.0.0.1\nDomains=~.\n';
  it('systemd-resolved: its own servers become the cache upstreams, then the cache is its only server; stable on the next run', () => {
    const before = facts({ resolv: file('nameserver 127.0.0.53\n', STUB), dns: dns({ resolvedUpstreams: ['192.0.2.53'], resolved: { global: ['192.0.2.53'], globalDomains: [], links: [{ name: 'eth0', servers: [], domains: [] }] } }) });
    const p = plan({}, before) as Change[];
    expect(p[0]!.diff!.after).toContain('server=192.0.2.53\n');
    expect(p.find((c) => c.diff?.path === RESOLVED_DROPIN)!.diff!.after).toBe(DROPIN);
    // converged: resolved now lists 127.0.0.1 only (its resolv.conf too); the upstream stays in the cache config
    const after = converged({ resolv: file('nameserver 127.0.0.53\n', STUB), dropin: file(DROPIN), conf: file(CONF_TEXT.replace('10.0.0.2', '192.0.2.53')), dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('127.0.0.1', '172.17.0.1'), resolvedUpstreams: ['127.0.0.1'], resolved: { global: ['127.0.0.1'], globalDomains: ['~.'], links: [] } }) });
    expect(summaries(plan({}, after))).toEqual(['ok: dnsmasq caches on 127.0.0.1 and 172.17.0.1; the host and docker use it (systemd-resolved forwards only to it)']);
    expect(dnsCacheTask.verify!(args(), after as never)).toBeUndefined();
    // a later drop-in (or resolved.conf read after ours) adds a server back: verify says so
    const leaky = { ...after, dns: { ...after.dns, resolved: { global: ['127.0.0.1', '192.0.2.53'], globalDomains: ['~.'], links: [] } } };
    expect(dnsCacheTask.verify!(args(), leaky as never)).toBe('systemd-resolved uses 127.0.0.1, 192.0.2.53 (resolvectl dns), not the cache alone');
  });
  it("systemd-resolved: a link's own domains still bypass the cache, and the plan says so", () => {
    const f = facts({ resolv: file('nameserver 127.0.0.53\n', STUB), dns: dns({ resolvedUpstreams: ['10.0.0.2'], resolved: { global: [], globalDomains: [], links: [{ name: 'eth0', servers: ['10.0.0.2'], domains: ['corp.example'] }, { name: 'eth1', servers: ['10.0.1.2'], domains: [] }] } }) });
    const p = plan({}, f) as Change[];
    expect(p[0]!.warnings).toEqual(["systemd-resolved sends names under corp.example to 10.0.0.2 on eth0 directly, not through the cache (set by eth0's network manager: DHCP, networkd or NetworkManager; turn its DNS off there to use the cache only)"]);
    // a link routing ~. itself is asked for every name, in parallel with the cache; said on a converged host too
    const conv = converged({ resolv: file('nameserver 127.0.0.53\n', STUB), dropin: file(DROPIN), dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('127.0.0.1', '172.17.0.1'), resolved: { global: ['127.0.0.1'], globalDomains: ['~.'], links: [{ name: 'eth0', servers: ['10.0.0.2'], domains: ['~.'] }] } }) });
    expect(summaries(plan({}, conv))).toEqual(["ok: dnsmasq caches on 127.0.0.1 and 172.17.0.1; the host and docker use it (systemd-resolved forwards to it); but systemd-resolved also sends every name to 10.0.0.2 on eth0 directly, beside the cache (set by eth0's network manager: DHCP, networkd or NetworkManager; turn its DNS off there to use the cache only)"]);
  });

  const HAND = 'listen-address=127.0.0.1\ninterface=docker0\nbind-interfaces\nno-resolv\nserver=10.0.0.2\nserver=/corp.example/10.0.0.9\n';
  const compliant = (o = {}) => facts({ conf: file(), resolv: file('nameserver 127.0.0.1\noptions single-request-reopen timeout:1\n'), daemon: file(DAEMON_TEXT), svc: svc(), dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('127.0.0.1', '172.17.0.1'), dnsmasqConf: conf('/etc/dnsmasq.conf', HAND) }), ...o });
  it('a host with its own correct cache: ok with the reason, nothing written (no upstream in resolv.conf is fine)', () => {
    expect(summaries(plan({}, compliant()))).toEqual(['ok: the existing dnsmasq cache (/etc/dnsmasq.conf; upstreams 10.0.0.2) answers on 127.0.0.1 and 172.17.0.1; the host and docker use it']);
    // docker not pointed at it yet: only that, the cache is left as it is
    expect(summaries(plan({}, compliant({ daemon: file('{}') })))).toEqual(["docker: update /etc/docker/daemon.json: set dns, dns-opts; docker restarts once after the play's tasks"]);
    // a resolv.conf without single-request-reopen: rewritten, never a failure
    expect(summaries(plan({}, compliant({ resolv: file('nameserver 127.0.0.1\n') })))).toEqual(['point /etc/resolv.conf at 127.0.0.1 with single-request-reopen']);
  });
  it("a cache fleet cannot adopt as it is (no no-resolv) gets fleet's file, with the upstreams read from dnsmasq's config", () => {
    const f = compliant({ dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('127.0.0.1'), dnsmasqConf: conf('/etc/dnsmasq.conf', 'listen-address=127.0.0.1\nserver=10.0.0.2\n') }) });
    const p = plan({}, f) as Change[];
    expect(summaries(p)).toEqual([`dnsmasq: create ${CONF}, then restart dnsmasq`]);
    expect(p[0]!.diff!.after).toContain('listen-address=127.0.0.1,172.17.0.1\nbind-dynamic\ncache-size=1000\nno-resolv\nserver=10.0.0.2\n');
    // it was running: the restart and the listeners before and after are stated
    expect(p[0]!.impact).toEqual([
      { kind: 'restart', service: 'dnsmasq', summary: 'dnsmasq restarts: lookups through it fail for ~1 s and its cache starts empty', duration: '~1 s' },
      { kind: 'dns', summary: 'dnsmasq answers on 127.0.0.1:53 (lo); after: 127.0.0.1:53 (lo), 172.17.0.1:53 (docker0) (no client loses service)', clients: [] },
    ]);
  });

  // a LAN's DNS/DHCP server that forwards to what resolv.conf lists (10.0.0.2)
  const SERVER = 'dhcp-range=10.0.0.100,10.0.0.200\ndomain=lan\n';
  const serving = (o = {}) => facts({ svc: svc(), dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('0.0.0.0', '::'), dnsmasqConf: conf('/etc/dnsmasq.d/lan.conf', SERVER) }), ...o });
  it('a dnsmasq serving other machines: refused by default, with who would lose DNS', () => {
    expect(() => plan({}, serving())).toThrow("dnsmasq already serves other machines on 0.0.0.0:53 (all interfaces), [::]:53 (all interfaces) (and its DHCP service there): the cache's listen-address=127.0.0.1,172.17.0.1 would take them off DNS; pass serving_others: keep (keep those listeners and add the cache's) or replace (narrow it; those clients lose DNS)");
    // listening on eth0's own address (bind-dynamic, from an earlier keep) is serving others too
    expect(() => plan({}, serving({ dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('127.0.0.1', '10.0.0.5', '172.17.0.1'), dnsmasqConf: conf('/etc/dnsmasq.d/lan.conf', SERVER) }) }))).toThrow(/^dnsmasq already serves other machines on 10\.0\.0\.5:53 \(eth0\)/);
  });
  it("dnsmasq's stock configuration (no option of its own) answering everywhere is kept so, with a warning; stable on the next run", () => {
    const stock = serving({ dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('0.0.0.0', '::').map((l) => ({ ...l, pid: 782 })), dnsmasqPid: 782, dnsmasqConf: [] }) });
    const p = plan({}, stock) as Change[];
    expect(p[0]!.diff!.after).not.toContain('listen-address=');
    expect(p[0]!.warnings).toEqual([expect.stringMatching(/^dnsmasq answers on all interfaces with its stock configuration .*serving_others: replace/)]);
    expect(p[0]!.impact![1]).toMatchObject({ kind: 'dns', clients: [] });
    // bound per address now (bind-dynamic), still nothing of its own: no refusal, nothing to do
    const next = serving({ conf: file(p[0]!.diff!.after), resolv: file(RESOLV_TEXT), daemon: file(DAEMON_TEXT), dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('127.0.0.1', '10.0.0.5', '172.17.0.1').map((l) => ({ ...l, pid: 782 })), dnsmasqPid: 782, dnsmasqConf: [] }) });
    expect(isOk(plan({}, next))).toBe(true);
    // replace still narrows it, saying who loses DNS
    const r = plan({ serving_others: 'replace' }, stock) as Change[];
    expect(r[0]!.diff!.after).toContain('listen-address=127.0.0.1,172.17.0.1');
  });
  it('a server that already is a cache for lo and docker0 (server=, no-resolv, all interfaces) is adopted, never narrowed', () => {
    const f = serving({ resolv: file(RESOLV_TEXT), daemon: file(DAEMON_TEXT), dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('0.0.0.0', '::'), dnsmasqConf: conf('/etc/dnsmasq.d/lan.conf', `${SERVER}no-resolv\nserver=10.0.0.2\n`) }) });
    expect(summaries(plan({}, f))).toEqual(['ok: the existing dnsmasq cache (/etc/dnsmasq.d/lan.conf; upstreams 10.0.0.2) answers on 127.0.0.1 and 172.17.0.1; the host and docker use it']);
  });
  it('serving_others: keep adds no listen option of its own (dnsmasq keeps every interface); stable on the next run', () => {
    const p = plan({ serving_others: 'keep' }, serving()) as Change[];
    expect(p[0]!.diff!.after).not.toContain('listen-address=');
    expect(p[0]!.diff!.after).toContain('bind-dynamic\ncache-size=1000\nno-resolv\nserver=10.0.0.2\n');
    expect(p[0]!.impact!.map((i) => i.kind)).toEqual(['restart', 'dns']);
    expect(p[0]!.impact![1]!.clients).toEqual([]);
    const next = serving({ conf: file(p[0]!.diff!.after), resolv: file(RESOLV_TEXT), daemon: file(DAEMON_TEXT), dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('127.0.0.1', '10.0.0.5', '172.17.0.1'), dnsmasqConf: conf('/etc/dnsmasq.d/lan.conf', SERVER) }) });
    expect(isOk(plan({ serving_others: 'keep' }, next))).toBe(true);
  });
  it('serving_others: keep, where the config pins its own addresses: those stay by themselves, ours are added', () => {
    const f = serving({ dns: dns({ listening: true, listener: 'dnsmasq', listeners: dnsmasqOn('10.0.0.5'), dnsmasqConf: conf('/etc/dnsmasq.d/lan.conf', `interface=eth0\n${SERVER}`) }) });
    // interface=eth0 keeps 10.0.0.5 whatever fleet adds: nothing is dropped, so nothing to refuse
    const p = plan({}, f) as Change[];
    expect(p[0]!.diff!.after).toContain('listen-address=127.0.0.1,172.17.0.1\n');
    expect(p[0]!.impact![1]).toEqual({ kind: 'dns', summary: 'dnsmasq answers on 10.0.0.5:53 (eth0); after: 127.0.0.1:53 (lo), 172.17.0.1:53 (docker0), 10.0.0.5:53 (eth0) (no client loses service)', clients: [] });
  });
  it("another dnsmasq (libvirt's, on its bridge) is not the service's: no refusal, nothing to change", () => {
    const libvirt: DnsListener[] = (['udp', 'tcp'] as const).map((proto) => ({ proto, address: '192.168.122.1', program: 'dnsmasq', pid: 900 }));
    const ours = dnsmasqOn('127.0.0.1', '172.17.0.1').map((l) => ({ ...l, pid: 782 }));
    const f = converged({ dns: dns({ listening: true, listener: 'dnsmasq', listeners: [...ours, ...libvirt], dnsmasqPid: 782, dnsmasqConf: conf(CONF, CONF_TEXT) }) });
    expect(isOk(plan({}, f))).toBe(true);
    // without the service's pid, every dnsmasq counts: refused rather than guessed
    expect(() => plan({}, { ...f, dns: { ...f.dns, dnsmasqPid: undefined } })).toThrow(/serves other machines on 192\.168\.122\.1:53/);
  });
  it('serving_others: replace narrows it, and the change names the clients that lose DNS', () => {
    const p = plan({ serving_others: 'replace' }, serving()) as Change[];
    expect(p[0]!.diff!.after).toContain('listen-address=127.0.0.1,172.17.0.1\n');
    expect(p[0]!.impact).toEqual([
      expect.objectContaining({ kind: 'restart', service: 'dnsmasq' }),
      { kind: 'dns', summary: 'dnsmasq stops answering on 0.0.0.0:53 (all interfaces), [::]:53 (all interfaces) (and its DHCP service there): machines using this host as their DNS server lose it', clients: ['0.0.0.0:53 (all interfaces)', '[::]:53 (all interfaces)'] },
    ]);
  });
});

describe('the lookup from docker0', () => {
  it("picks the probe's address below the subnet's broadcast (real awk on ip -o output)", () => {
    const addr = (line: string) => spawnSync('awk', [PROBE_AWK], { input: `${line}\n`, encoding: 'utf8' }).stdout.trim();
    expect(addr('2: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0')).toBe('172.17.255.254/16');
    expect(addr('5: docker0    inet 10.200.3.1/24 brd 10.200.3.255 scope global docker0')).toBe('10.200.3.254/24');
    expect(addr('5: docker0    inet 192.168.0.129/25 scope global docker0')).toBe('192.168.0.254/25');
  });
  it('quotes the name and the address, and fails only when the lookup does', () => {
    const t = checkFromDocker0('172.17.0.1', "it's.example").text;
    expect(t).toContain(`getent ahostsv4 'it'\\''s.example' >/dev/null || {`);
    expect(t).toMatch(/no network namespace on docker0 here: the lookup from docker0 was not checked"; exit 0/);
    expect(t).toContain('trap \'ip link del "$fleet_hv" 2>/dev/null; ip netns del "$fleet_ns" 2>/dev/null; rm -rf "/etc/netns/$fleet_ns"\' EXIT');
  });
});

describe('verify', () => {
  const verify = (f: object, a: object = {}) => dnsCacheTask.verify!(args(a), f as never);
  it('needs dnsmasq running, on 127.0.0.1:53, and the name to resolve', () => {
    expect(verify(converged())).toBeUndefined();
    expect(verify(converged({ dns: dns({ listening: false }) }))).toBe('nothing listens on 127.0.0.1:53 after dnsmasq started');
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
  it('reads the DNS listeners, dnsmasq config and resolvectl (output of the real probe)', () => {
    const out = `l=udp 127.0.0.54:53 users:(("systemd-resolve",pid=929,fd=18))
l=udp 127.0.0.53%lo:53 users:(("systemd-resolve",pid=929,fd=16))
l=udp 127.0.0.1:53 users:(("dnsmasq",pid=782,fd=6))
l=udp 172.18.0.1:53 users:(("dnsmasq",pid=782,fd=4))
l=tcp [::]:53 users:(("named",pid=7,fd=5))
l=udp *:53 0.0.0.0:*
mainpid=782
resolved=10.255.255.53
c=/etc/dnsmasq.d/x.conf\tlisten-address=127.0.0.1,172.18.0.1
c=/etc/dnsmasq.d/x.conf\tno-resolv
rd=Global: 10.255.255.53
rd=Link 2 (docker0):
rd=Link 12 (eth0): 10.0.0.2 10.0.0.3
rm=Global: ~.
rm=Link 2 (docker0):
rm=Link 12 (eth0): corp.example
`;
    expect(parseDnsState(out)).toEqual({
      listening: true,
      listener: 'dnsmasq',
      listeners: [
        { proto: 'udp', address: '127.0.0.54', program: 'systemd-resolve', pid: 929 },
        { proto: 'udp', address: '127.0.0.53', program: 'systemd-resolve', pid: 929 },
        { proto: 'udp', address: '127.0.0.1', program: 'dnsmasq', pid: 782 },
        { proto: 'udp', address: '172.18.0.1', program: 'dnsmasq', pid: 782 },
        { proto: 'tcp', address: '::', program: 'named', pid: 7 },
        { proto: 'udp', address: '0.0.0.0' },
      ],
      dnsmasqPid: 782,
      resolvedUpstreams: ['10.255.255.53'],
      dnsmasqConf: [{ path: '/etc/dnsmasq.d/x.conf', line: 'listen-address=127.0.0.1,172.18.0.1' }, { path: '/etc/dnsmasq.d/x.conf', line: 'no-resolv' }],
      resolved: { global: ['10.255.255.53'], globalDomains: ['~.'], links: [{ name: 'docker0', servers: [], domains: [] }, { name: 'eth0', servers: ['10.0.0.2', '10.0.0.3'], domains: ['corp.example'] }] },
    });
    expect(parseDnsState('')).toEqual({ listening: false, listeners: [], resolvedUpstreams: [], dnsmasqConf: [] });
    expect(parseDnsState('mainpid=0\n').dnsmasqPid).toBeUndefined(); // systemd's word for "not running"
    // a saved plan does not drift when dnsmasq merely restarted
    const f = dnsStateFact();
    expect(f.fingerprint!(parseDnsState(out))).toEqual(f.fingerprint!(parseDnsState(out.replace(/782/g, '1234'))));
    expect(parseDnsState('l=udp 0.0.0.0:53 users:(("dnsmasq",pid=1,fd=4))\n')).toMatchObject({ listening: true, listener: 'dnsmasq' });
  });
  it('reads ufw from its files and the live chain (output of the real probe)', () => {
    const out = `enabled=yes
policy="DROP"
f=-A ufw-user-input -i docker0 -p tcp -d 172.18.0.1 --dport 53 -j ACCEPT
f=-A ufw-user-input -i docker0 -p udp -d 172.18.0.1 --dport 53 -j ACCEPT
r=-A ufw-user-input -d 172.18.0.1/32 -i docker0 -p tcp -m tcp --dport 53 -j ACCEPT
r=-A ufw-user-input -d 172.18.0.1/32 -i docker0 -p udp -m udp --dport 53 -j ACCEPT
`;
    const both = [{ proto: 'tcp', dest: '172.18.0.1' }, { proto: 'udp', dest: '172.18.0.1' }];
    expect(parseUfw(out)).toEqual({ installed: true, enabled: true, inputPolicy: 'DROP', saved: both, live: both });
    expect(parseUfw('missing\n')).toEqual({ installed: false, enabled: false, saved: [], live: [] });
    expect(parseUfw('enabled=no\nf=-A ufw-user-input -i docker0 -p udp --dport 53 -j DROP\n')).toEqual({ installed: true, enabled: false, saved: [], live: [] });
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
