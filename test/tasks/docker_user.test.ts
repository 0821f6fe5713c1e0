// docker_user: policy -> rules, args + facts -> plan (every refusal), then the real probe, apply
// step and boot script inside a throwaway network namespace on both iptables backends: the chain
// iptables prints is exactly the one the plan predicted, and a second run changes nothing.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { dockerUserTask, SCRIPT, UNIT, UNIT_TEXT } from '../../src/tasks/docker_user.js';
import { applyScript, chainAfter, compileRules, inPlace, listingLine } from '../../src/tasks/lib/docker-user-rules.js';
import { parseCidr, parsePort } from '../../src/tasks/lib/docker-user-net.js';
import type { ChainState } from '../../src/facts/docker_user.js';
import type { FileState } from '../../src/facts/file.js';
import type { ServiceState } from '../../src/facts/service.js';
import type { DockerInfo } from '../../src/facts/docker.js';
import { parseDockerPorts, type PublishedPort, type PublishedPorts } from '../../src/facts/docker_ports.js';
import { firewallImpact, policyFor, policyInChain } from '../../src/tasks/lib/docker-user-impact.js';
import { NetNs, netnsUnavailable } from '../support/netns.js';

const summaries = (p: Plan) => (isOk(p) ? [`ok: ${p.ok}`] : p.map((c) => c.summary));
const strip = (r: string[]) => r.join(' ').replace(/ -m comment --comment \S+/, '');
const policy = { external_interface: 'eth0', allowed_sources: ['192.0.2.9/24', '2001:DB8:0:0::1/32', '198.51.100.7'], allowed_ports: ['443', 'udp/53'] };

describe('addresses and ports', () => {
  it('writes CIDRs the way iptables prints them', () => {
    expect(parseCidr('192.0.2.9/24')).toEqual({ family: 4, text: '192.0.2.0/24' });
    expect(parseCidr('198.51.100.7').text).toBe('198.51.100.7/32');
    expect(parseCidr('0.0.0.0/0').text).toBe('0.0.0.0/0');
    expect(parseCidr('2001:DB8:0:0::1/32')).toEqual({ family: 6, text: '2001:db8::/32' });
    expect(parseCidr('fd00:0:0:1::5').text).toBe('fd00:0:0:1::5/128');
    expect(parseCidr('2001:db8:0:1:0:0:0:1/128').text).toBe('2001:db8:0:1::1/128');
    expect(() => parseCidr('192.0.2.300/24')).toThrow(/'192.0.2.300\/24' is not an IP address or CIDR/);
    expect(() => parseCidr('192.0.2.0/33')).toThrow(/bad prefix length \(0-32\)/);
  });
  it('reads ports as numbers or proto/port', () => {
    expect(parsePort('443')).toEqual({ proto: 'tcp', port: 443 });
    expect(parsePort('UDP/53')).toEqual({ proto: 'udp', port: 53 });
    expect(() => parsePort('https')).toThrow("'https' is not a port (use 443, 'tcp/443' or 'udp/53')");
    expect(() => parsePort('70000')).toThrow(/is not a port/);
  });
});

describe('rules', () => {
  it('replies first, then sources, then ports by their original host port, then the drop', () => {
    expect(compileRules(policy, 'iptables').map(strip)).toEqual([
      '-i eth0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-s 192.0.2.0/24 -i eth0 -j RETURN',
      '-s 198.51.100.7/32 -i eth0 -j RETURN',
      '-i eth0 -p tcp -m conntrack --ctorigdstport 443 -j RETURN',
      '-i eth0 -p udp -m conntrack --ctorigdstport 53 -j RETURN',
      '-i eth0 -j DROP',
    ]);
    expect(compileRules(policy, 'ip6tables').map(strip).filter((r) => r.startsWith('-s'))).toEqual(['-s 2001:db8::/32 -i eth0 -j RETURN']);
  });
  it('marks each rule with its position and a hash of its content', () => {
    const [a, b] = compileRules(policy, 'iptables');
    expect(a!.slice(-4, -2)).toEqual(['--comment', expect.stringMatching(/^fleet-docker-user:1:[0-9a-f]{8}$/)]);
    expect(listingLine(b!)).toMatch(/^-A DOCKER-USER -s 192\.0\.2\.0\/24 -i eth0 -m comment --comment "fleet-docker-user:2:[0-9a-f]{8}" -j RETURN$/);
    const other = compileRules({ ...policy, allowed_sources: ['192.0.2.0/25'] }, 'iptables');
    expect(other[1]!.join(' ')).not.toBe(b!.join(' '));
  });
  const rules = compileRules(policy, 'iptables');
  const ours = rules.map(listingLine);
  it('is in place only when the chain starts with exactly our rules', () => {
    expect(inPlace(['-N DOCKER-USER', ...ours, '-A DOCKER-USER -j RETURN'], rules)).toBe(true);
    expect(inPlace(['-N DOCKER-USER', ours[1]!, ours[0]!, ...ours.slice(2)], rules)).toBe(false);
    expect(inPlace(['-N DOCKER-USER', '-A DOCKER-USER -j RETURN', ...ours], rules)).toBe(false);
    expect(inPlace(['-N DOCKER-USER', ...ours.slice(0, -1)], rules)).toBe(false);
    const stale = listingLine(compileRules({ ...policy, allowed_ports: [] }, 'iptables')[3]!);
    expect(inPlace(['-N DOCKER-USER', ...ours, stale], rules)).toBe(false);
  });
  it('predicts the chain: old fleet rules gone, ours on top, foreign rules kept below', () => {
    const stale = listingLine(compileRules({ ...policy, allowed_ports: [] }, 'iptables')[3]!);
    expect(chainAfter(['-N DOCKER-USER', '-A DOCKER-USER -s 10.0.0.1/32 -j DROP', stale, '-A DOCKER-USER -j RETURN'], rules)).toEqual(['-N DOCKER-USER', ...ours, '-A DOCKER-USER -s 10.0.0.1/32 -j DROP', '-A DOCKER-USER -j RETURN']);
  });
});

describe('arguments', () => {
  const parse = (a: object) => parseArgs(dockerUserTask.args, { external_interface: 'eth0', ...a });
  it('takes ports as integers too', () => {
    expect(parse({ allowed_ports: [443, 'udp/53'] }).allowed_ports).toEqual(['443', 'udp/53']);
  });
  it('names the bad value', () => {
    expect(() => parse({ allowed_sources: ['10.0.0.0/8', 'office'] })).toThrow("argument 'allowed_sources.1' 'office' is not an IP address or CIDR");
    expect(() => parse({ ip_versions: ['ipv4'], allowed_sources: ['2001:db8::/32'] })).toThrow("argument 'allowed_sources.0' '2001:db8::/32' is IPv6 but ip_versions has no 'ipv6'");
    expect(parse({ allowed_sources: ['2001:db8::/32'] }).ip_versions).toBeUndefined(); // unset: IPv6 wherever the chain exists
    expect(() => parse({ allowed_ports: ['https'] })).toThrow("argument 'allowed_ports.0' 'https' is not a port");
    expect(() => parse({ external_interface: 'eth0; reboot' })).toThrow("argument 'external_interface' 'eth0; reboot' is not an interface name");
    expect(() => parse({ ip_versions: ['ipv5'] })).toThrow(/ip_versions\.0' must be one of ipv4, ipv6/);
  });
});

describe('firewall impact', () => {
  const pol = { external_interface: 'eth0', allowed_sources: ['192.0.2.0/24', '2001:db8::/32'], allowed_ports: ['udp/53'] };
  const ports = (p: Partial<PublishedPort>[]): PublishedPorts => ({ known: true, ports: p.map((x) => ({ container: 'web', hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp', containerIpv6: false, ...x })) });
  it("reads fleet's policy back from its own rules, ignoring foreign ones", () => {
    const listing = ['-N DOCKER-USER', ...compileRules(pol, 'iptables').map(listingLine), '-A DOCKER-USER -s 10.0.0.1/32 -j DROP', '-A DOCKER-USER -j RETURN'];
    expect(policyInChain(listing)).toEqual(policyFor(pol, 4));
    expect(policyInChain(['-N DOCKER-USER', ...compileRules(pol, 'ip6tables').map(listingLine)])).toEqual(policyFor(pol, 6));
    expect(policyInChain(['-N DOCKER-USER', '-A DOCKER-USER -j RETURN'])).toEqual({ drops: false, sources: [], ports: [] });
  });
  it('lists only ports that lose sources, both families of a port together', () => {
    const open = {};
    const after = { 4: policyFor(pol, 4), 6: policyFor(pol, 6) };
    const p = ports([{ hostPort: 8080 }, { hostIp: '::', hostPort: 8080, containerIpv6: true }, { container: 'dns', hostPort: 53, proto: 'udp' }, { container: 'v6proxy', hostIp: '::', hostPort: 9000 }, { container: 'local', hostIp: '127.0.0.1', hostPort: 9001 }]);
    expect(firewallImpact('eth0', p, open, after)).toEqual([{ kind: 'firewall', summary: '1 published port stops answering from outside on eth0 except from 192.0.2.0/24, 2001:db8::/32: web 8080/tcp', ports: [{ container: 'web', hostPort: 8080, proto: 'tcp', stillFrom: ['192.0.2.0/24', '2001:db8::/32'] }] }]);
    // IPv6 left unfiltered: still answers everyone there
    expect(firewallImpact('eth0', p, open, { 4: after[4] })[0]!.ports).toEqual([{ container: 'web', hostPort: 8080, proto: 'tcp', stillFrom: ['192.0.2.0/24', '::/0'] }]);
    // the same policy again cuts nothing; a narrower one cuts what it drops
    expect(firewallImpact('eth0', p, after, after)).toEqual([]);
    const narrower = { 4: policyFor({ ...pol, allowed_sources: ['192.0.2.0/25'] }, 4) };
    expect(firewallImpact('eth0', ports([{}]), { 4: after[4] }, narrower)[0]!.summary).toBe('1 published port stops answering from outside on eth0 except from 192.0.2.0/25: web 8080/tcp');
    expect(firewallImpact('eth0', ports([{}]), narrower, { 4: after[4] })).toEqual([]);
    // rules on another interface protected nothing here
    expect(firewallImpact('eth0', ports([{}]), { 4: policyFor({ ...pol, external_interface: 'eth1' }, 4) }, { 4: after[4] })).toHaveLength(1);
  });
  it('reads published ports from docker inspect', () => {
    const out = ['known=1', 'p="/web"| |{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"::","HostPort":"8080"}],"443/tcp":null}', 'p="/v6"|fd00::2 |{"53/udp":[{"HostIp":"","HostPort":"53"}]}', 'p="/none"| |{}', 'noise'].join('\n');
    expect(parseDockerPorts(out)).toEqual({ known: true, ports: [
      { container: 'v6', hostIp: '0.0.0.0', hostPort: 53, proto: 'udp', containerIpv6: true },
      { container: 'web', hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp', containerIpv6: false },
      { container: 'web', hostIp: '::', hostPort: 8080, proto: 'tcp', containerIpv6: false },
    ] });
    expect(parseDockerPorts('')).toEqual({ known: false, ports: [] });
  });
});

const file = (content?: string, mode = '0644'): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode, owner: 'root', group: 'root', size: content.length, content });
const svc = (o: Partial<ServiceState> = {}): ServiceState => ({ manager: 'systemd', exists: true, active: true, enabled: true, ...o });
const chain = (listing = ['-N DOCKER-USER', '-A DOCKER-USER -j RETURN'], o: Partial<ChainState> = {}): ChainState => ({ available: true, exists: true, listing, nftBackend: true, forwardJump: true, ...o });
const docker = (o: Partial<DockerInfo> = {}) => ({ installed: true, running: true, version: '20.10.24', driver: 'overlay2', ...o }) as DockerInfo;
const net = { known: true, list: [{ name: 'lo', ipv4: ['127.0.0.1'], ipv6: [] }, { name: 'eth0', ipv4: ['192.0.2.2'], ipv6: [] }, { name: 'docker0', ipv4: ['172.17.0.1'], ipv6: [] }] };
const published = (ports: Partial<PublishedPort>[] = [], known = true): PublishedPorts => ({ known, ports: ports.map((p) => ({ container: 'web', hostIp: '0.0.0.0', hostPort: 8080, proto: 'tcp', containerIpv6: false, ...p })) });
const facts = (o = {}) => ({ v4: chain(), v6: chain([], { exists: false }), published: published(), net, docker: docker(), daemon: file('{"debug": true}'), script: file(), unit: file(), svc: svc({ exists: false, active: false, enabled: false }), dockerSvc: svc(), ...o });
const NO_V6 = 'IPv6 not filtered: ip6tables has no DOCKER-USER chain (Docker creates one from version 27 on; older ones do not filter IPv6 there), so ports published over IPv6, if any, stay open to everyone';
const plan = (args: object, f = facts()) => dockerUserTask.plan(parseArgs(dockerUserTask.args, { external_interface: 'eth0', ...args }), f as never);

describe('plan', () => {
  it('sets the rules with a diff of the chain, and installs the boot unit from the same script', () => {
    const p = plan({ allowed_sources: ['192.0.2.0/24'] }) as Change[];
    expect(summaries(p)).toEqual([
      'set the DOCKER-USER rules (iptables: 3 rules): replies, 1 allowed sources, 0 allowed ports, then drop on eth0',
      `boot script: create ${SCRIPT}`,
      `systemd unit: create ${UNIT}`,
      'enable and start fleet-docker-user.service (runs after every docker start)',
    ]);
    const rules = compileRules({ external_interface: 'eth0', allowed_sources: ['192.0.2.0/24'], allowed_ports: [] }, 'iptables');
    expect(p[0]!.diff).toEqual({ path: 'DOCKER-USER', before: '# iptables -S DOCKER-USER\n-N DOCKER-USER\n-A DOCKER-USER -j RETURN\n', after: `# iptables -S DOCKER-USER\n-N DOCKER-USER\n${rules.map(listingLine).join('\n')}\n-A DOCKER-USER -j RETURN\n` });
    expect(p[1]!.diff!.after).toBe(applyScript([['iptables', rules]]));
    expect(p[0]!.steps[0]!.text).toBe(applyScript([['iptables', rules]]).split('\n').slice(3).join('\n').trimEnd());
    expect(p[2]!.diff!.after).toBe(UNIT_TEXT);
    expect(UNIT_TEXT).toMatch(/After=docker\.service\nPartOf=docker\.service[\s\S]*RemainAfterExit=yes[\s\S]*WantedBy=docker\.service/);
  });
  it('is ok when the chain, the script and the unit are right, saying so', () => {
    const rules = compileRules({ external_interface: 'eth0', allowed_sources: [], allowed_ports: [] }, 'iptables');
    const f = facts({ v4: chain(['-N DOCKER-USER', ...rules.map(listingLine), '-A DOCKER-USER -j RETURN']), script: file(applyScript([['iptables', rules]]), '0755'), unit: file(UNIT_TEXT), svc: svc() });
    expect(summaries(plan({}, f))).toEqual([`ok: DOCKER-USER starts with fleet's rules in order (iptables: 2), re-applied after every docker start; ${NO_V6}`]);
    expect(summaries(plan({ ip_versions: ['ipv4'] }, f))).toEqual(["ok: DOCKER-USER starts with fleet's rules in order (iptables: 2), re-applied after every docker start"]);
    expect(summaries(plan({}, { ...f, svc: svc({ enabled: false }) }))).toEqual(['enable and start fleet-docker-user.service (runs after every docker start)']);
    expect(summaries(plan({}, { ...f, svc: svc({ active: false }) }))).toEqual(['enable and start fleet-docker-user.service (runs after every docker start)']);
    expect(summaries(plan({}, { ...f, v4: chain(['-N DOCKER-USER', '-A DOCKER-USER -j RETURN', ...rules.map(listingLine)]) }))[0]).toMatch(/^set the DOCKER-USER rules/);
  });
  it('covers ip6tables with IPv6 sources only', () => {
    const p = plan({ ip_versions: ['ipv4', 'ipv6'], allowed_sources: ['192.0.2.0/24', '2001:db8::/32'] }, facts({ v6: chain() })) as Change[];
    expect(p[0]!.summary).toMatch(/^set the DOCKER-USER rules \(iptables: 3 rules, ip6tables: 3 rules\)/);
    expect(p[0]!.diff!.after).toContain('# ip6tables -S DOCKER-USER\n-N DOCKER-USER\n-A DOCKER-USER -i eth0 -m conntrack');
    expect(p[0]!.steps[0]!.text).toContain("ip6tables -w -I DOCKER-USER 2 -s 2001:db8::/32 -i eth0");
    expect(p[0]!.steps[0]!.text).not.toContain('ip6tables -w -I DOCKER-USER 2 -s 192.0.2.0/24');
  });
  it('unset ip_versions: IPv6 too wherever ip6tables has the chain, each family with its own sources', () => {
    const p = plan({ allowed_sources: ['192.0.2.0/24', '2001:db8::/32'] }, facts({ v6: chain() })) as Change[];
    expect(p[0]!.summary).toBe('set the DOCKER-USER rules (iptables: 3 rules, ip6tables: 3 rules): replies, 2 allowed sources (IPv4: 1, IPv6: 1), 0 allowed ports, then drop on eth0');
    expect(p[0]!.steps[0]!.text).toContain('ip6tables -w -I DOCKER-USER 2 -s 2001:db8::/32 -i eth0');
    expect(p[0]!.steps[0]!.text).toContain('iptables -w -I DOCKER-USER 2 -s 192.0.2.0/24 -i eth0');
    expect(p[0]!.warnings).toBeUndefined();
    expect(p[1]!.diff!.after).toContain('ip6tables -w -I DOCKER-USER 3 -i eth0 -m comment');
    // IPv4 sources only: the IPv6 chain still drops, and the plan says so
    const v4only = plan({ allowed_sources: ['192.0.2.0/24'], allowed_ports: ['443'] }, facts({ v6: chain() })) as Change[];
    expect(v4only[0]!.summary).toBe('set the DOCKER-USER rules (iptables: 4 rules, ip6tables: 3 rules): replies, 1 allowed sources (IPv4: 1, IPv6: none), 1 allowed ports, then drop on eth0');
    expect(v4only[0]!.warnings).toEqual(['ip6tables: none of the allowed sources is IPv6, so over IPv6 published ports answer from outside only on the allowed ports (443)']);
  });
  it('says why IPv6 is not filtered: no chain, no ip6tables, left out, or no FORWARD jump', () => {
    const none = plan({ allowed_sources: ['2001:db8::/32'] }) as Change[];
    expect(none[0]!.summary).toMatch(/^set the DOCKER-USER rules \(iptables: 2 rules\)/);
    expect(none[0]!.warnings).toEqual([`${NO_V6}; the IPv6 allowed sources (2001:db8::/32) are not used`, 'iptables: none of the allowed sources is IPv4, so over IPv4 published ports answer from outside only on the allowed ports (none)']);
    expect((plan({}, facts({ v6: chain([], { available: false, exists: false }) })) as Change[])[0]!.warnings).toEqual(['IPv6 not filtered: ip6tables is not installed, so ports published over IPv6, if any, stay open to everyone']);
    expect((plan({ ip_versions: ['ipv4'] }, facts({ v6: chain() })) as Change[])[0]!.warnings).toEqual(['IPv6 not filtered: ip6tables has a DOCKER-USER chain but ip_versions leaves out ipv6, so ports published over IPv6 stay open to everyone (leave ip_versions unset, or add ipv6)']);
    expect((plan({}, facts({ v6: chain(undefined, { forwardJump: false }) })) as Change[])[0]!.warnings).toEqual(['ip6tables: FORWARD does not jump to DOCKER-USER, so these rules filter nothing until it does (Docker >= 27 adds it when it starts with "ip6tables" on)']);
  });
  it('lists the published ports the change cuts off, and who still reaches them', () => {
    const ports = published([{ container: 'web', hostPort: 8080 }, { container: 'web', hostIp: '::', hostPort: 8080 }, { container: 'api', hostPort: 443 }, { container: 'db', hostIp: '127.0.0.1', hostPort: 5432 }]);
    const dark = plan({}, facts({ published: ports })) as Change[];
    expect(dark[0]!.impact).toEqual([{ kind: 'firewall', summary: '2 published ports stop answering from every outside source on eth0: api 443/tcp, web 8080/tcp (allow who needs them with allowed_sources or allowed_ports)', ports: [{ container: 'api', hostPort: 443, proto: 'tcp', stillFrom: [] }, { container: 'web', hostPort: 8080, proto: 'tcp', stillFrom: [] }] }]);
    const some = plan({ allowed_sources: ['192.0.2.0/24'], allowed_ports: ['443'] }, facts({ published: ports })) as Change[];
    expect(some[0]!.impact).toEqual([{ kind: 'firewall', summary: '1 published port stops answering from outside on eth0 except from 192.0.2.0/24: web 8080/tcp', ports: [{ container: 'web', hostPort: 8080, proto: 'tcp', stillFrom: ['192.0.2.0/24'] }] }]);
    // the unit and the script interrupt nothing
    expect(some.slice(1).map((c) => c.impact)).toEqual([undefined, undefined, undefined]);
    expect((plan({ allowed_ports: ['8080', '443'] }, facts({ published: ports })) as Change[])[0]!.impact).toBeUndefined();
    expect((plan({}, facts({ published: published([], false) })) as Change[])[0]!.impact).toEqual([{ kind: 'firewall', summary: 'published ports unknown (docker ps did not answer): any port published on eth0 stops answering from outside' }]);
  });
  it('warns that persistence needs systemd, unless persist is off', () => {
    const p = plan({}, facts({ dockerSvc: svc({ manager: 'sysv' }) })) as Change[];
    expect(p).toHaveLength(1);
    expect(p[0]!.warnings).toEqual([NO_V6, expect.stringMatching(/^no systemd here: the rules will not survive a reboot/)]);
    expect((plan({ persist: false }, facts({ dockerSvc: svc({ manager: 'sysv' }) })) as Change[])[0]!.warnings).toEqual([NO_V6]);
    expect((plan({ persist: false, ip_versions: ['ipv4'] }, facts({ dockerSvc: svc({ manager: 'sysv' }) })) as Change[])[0]!.warnings).toBeUndefined();
    expect(summaries(plan({ persist: false }))).toHaveLength(1);
  });
  it('refuses what it cannot firewall, saying how to proceed', () => {
    expect(() => plan({}, facts({ daemon: file('{"firewall-backend": "nftables"}') }))).toThrow(/nftables firewall backend .*no DOCKER-USER chain; fleet does not write the equivalent nft table yet: switch dockerd to "firewall-backend": "iptables"/);
    expect(() => plan({}, facts({ v4: chain([], { exists: false }), docker: docker({ version: '29.0.1' }) }))).toThrow(/no DOCKER-USER chain and docker is 29\.0\.1: Docker 29 with the nftables firewall backend/);
    expect(() => plan({}, facts({ v4: chain([], { exists: false }), docker: docker({ running: false }) }))).toThrow('iptables has no DOCKER-USER chain and dockerd is not running: start docker first (it creates the chain)');
    expect(() => plan({ ip_versions: ['ipv6'] }, facts({ v6: chain([], { exists: false }) }))).toThrow('ip6tables has no DOCKER-USER chain: Docker creates it from version 27 on, with "ip6tables" on (the default there); leave ip_versions unset to filter IPv6 only where the chain exists');
    expect(() => plan({}, facts({ v4: chain([], { available: false, exists: false }) }))).toThrow(/iptables is not installed/);
    expect(() => plan({}, facts({ v4: chain([], { available: false, exists: false, nftOnly: true }) }))).toThrow(/^iptables is not installed and nft is: an nftables-only host has no DOCKER-USER chain; fleet does not write the equivalent nft table yet: install the iptables package/);
    expect(() => plan({ external_interface: 'eht0' })).toThrow("external_interface 'eht0' does not exist on this host (did you mean 'eth0'?); interfaces here: lo, eth0, docker0; rules on a missing interface would block nothing");
    expect(isOk(plan({ external_interface: 'eth+', persist: false }, facts({ v4: chain() })))).toBe(false);
  });
  it('state absent removes only fleet rules, the script and the unit', () => {
    const rules = compileRules({ external_interface: 'eth0', allowed_sources: [], allowed_ports: [] }, 'iptables');
    const p = plan({ state: 'absent' }, facts({ v4: chain(['-N DOCKER-USER', ...rules.map(listingLine)]), script: file('x'), unit: file(UNIT_TEXT) })) as Change[];
    expect(summaries(p)).toEqual(["remove fleet's DOCKER-USER rules (iptables)", `remove ${UNIT} and ${SCRIPT}`]);
    expect(summaries(plan({ state: 'absent' }))).toEqual(['ok: no fleet DOCKER-USER rules, unit or script here']);
  });
});

// ---- real iptables in a network namespace ----

function legacyPath(dir: string): string | undefined {
  const multi = ['/usr/sbin/xtables-legacy-multi', '/sbin/xtables-legacy-multi'].find((p) => existsSync(p));
  if (!multi) return undefined;
  for (const b of ['iptables', 'ip6tables']) symlinkSync(multi, join(dir, b));
  return `${dir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;
}

const skip = netnsUnavailable();
describe.skipIf(skip).each(['nft', 'legacy'])('in a network namespace (%s backend)', (backend) => {
  let ns: NetNs;
  const dir = mkdtempSync(join(tmpdir(), 'fleet-du-'));
  beforeAll(() => {
    const path = backend === 'legacy' ? legacyPath(dir) : undefined;
    ns = path ? new NetNs(path) : new NetNs();
    // what dockerd (>= 27 for ip6tables) leaves: the chain with its trailing RETURN, FORWARD's jump
    // to it; an interface called eth0
    const r = ns.sh('ip link add eth0 type veth peer name fleet-peer && for b in iptables ip6tables; do $b -N DOCKER-USER && $b -A DOCKER-USER -j RETURN && $b -A FORWARD -j DOCKER-USER; done');
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => {
    ns?.delete();
    rmSync(dir, { recursive: true, force: true });
  });
  const args = (a: object = {}) => parseArgs(dockerUserTask.args, { external_interface: 'eth0', persist: false, ip_versions: ['ipv4', 'ipv6'], ...a });
  const gather = (a: ReturnType<typeof args>) => ns.gather(dockerUserTask.facts(a));
  const listing = (bin = 'iptables') => ns.sh(`${bin} -S DOCKER-USER`).stdout.trimEnd().split('\n');

  it('apply prints exactly the predicted chain; a second run is ok', () => {
    const a = args({ allowed_sources: ['192.0.2.9/24', '198.51.100.7', '2001:DB8::1/32'], allowed_ports: [8080, 'udp/53'] });
    const p = dockerUserTask.plan(a, gather(a)) as Change[];
    expect(p).toHaveLength(1);
    ns.apply(p);
    expect(`# iptables -S DOCKER-USER\n${listing().join('\n')}\n# ip6tables -S DOCKER-USER\n${listing('ip6tables').join('\n')}\n`).toBe(p[0]!.diff!.after);
    expect(listing()[1]).toMatch(/^-A DOCKER-USER -i eth0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "fleet-docker-user:1:/);
    expect(listing().at(-1)).toBe('-A DOCKER-USER -j RETURN');
    expect(summaries(dockerUserTask.plan(a, gather(a)))).toEqual(["ok: DOCKER-USER starts with fleet's rules in order (iptables: 6, ip6tables: 5)"]);
  });
  it('replaces stale fleet rules and puts ours above a foreign rule inserted on top', () => {
    const a = args({ allowed_sources: ['192.0.2.0/24'] });
    ns.sh("iptables -I DOCKER-USER 1 -s 10.9.9.9 -j DROP");
    const p = dockerUserTask.plan(a, gather(a)) as Change[];
    ns.apply(p);
    const l = listing();
    expect(l).toEqual(p[0]!.diff!.after.split('# ip6tables')[0]!.split('\n').slice(1, -1));
    expect(l.filter((x) => x.includes('fleet-docker-user'))).toHaveLength(3);
    expect(l.slice(4)).toEqual(['-A DOCKER-USER -s 10.9.9.9/32 -j DROP', '-A DOCKER-USER -j RETURN']);
    expect(isOk(dockerUserTask.plan(a, gather(a)))).toBe(true);
  });
  it('the boot script is idempotent and puts flushed rules back', () => {
    const a = args({ allowed_sources: ['192.0.2.0/24'] });
    const script = join(dir, 'boot.sh');
    writeFileSync(script, applyScript([['iptables', compileRules(a, 'iptables')], ['ip6tables', compileRules(a, 'ip6tables')]]));
    const before = listing();
    expect(ns.sh(`sh ${script}`).status).toBe(0);
    expect(listing()).toEqual(before);
    ns.sh('iptables -F DOCKER-USER; iptables -A DOCKER-USER -j RETURN');
    expect(ns.sh(`sh ${script}`).status).toBe(0);
    expect(listing().filter((x) => x.includes('fleet-docker-user'))).toEqual(before.filter((x) => x.includes('fleet-docker-user')));
    expect(isOk(dockerUserTask.plan(a, gather(a)))).toBe(true);
  });
  it('the boot script goes on, saying so, when the ip6tables chain is gone (one made by hand, after a reboot)', () => {
    const a = args({ allowed_sources: ['192.0.2.0/24'] });
    const script = join(dir, 'boot6.sh');
    writeFileSync(script, applyScript([['iptables', compileRules(a, 'iptables')], ['ip6tables', compileRules(a, 'ip6tables')]]));
    ns.sh('ip6tables -D FORWARD -j DOCKER-USER; ip6tables -F DOCKER-USER; ip6tables -X DOCKER-USER; iptables -F DOCKER-USER');
    const r = ns.sh(`sh ${script}`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('fleet-docker-user: ip6tables has no DOCKER-USER chain: IPv6 is not filtered');
    expect(listing().filter((x) => x.includes('fleet-docker-user'))).toHaveLength(3);
    ns.sh('ip6tables -N DOCKER-USER; ip6tables -A DOCKER-USER -j RETURN; ip6tables -A FORWARD -j DOCKER-USER; iptables -A DOCKER-USER -j RETURN');
    expect(ns.sh(`sh ${script}`).status).toBe(0);
    expect(isOk(dockerUserTask.plan(a, gather(a)))).toBe(true);
  });
  it('unset ip_versions covers ip6tables where the chain is, and warns when FORWARD does not jump to it', () => {
    const a = parseArgs(dockerUserTask.args, { external_interface: 'eth0', persist: false, allowed_sources: ['192.0.2.0/24'] });
    const f = gather(a);
    expect([f.v4.forwardJump, f.v6.forwardJump]).toEqual([true, true]);
    expect(isOk(dockerUserTask.plan(a, f))).toBe(true); // the first test put both families in place
    ns.sh('ip6tables -D FORWARD -j DOCKER-USER');
    expect(dockerUserTask.plan(a, gather(a))).toEqual({ ok: expect.stringMatching(/\(iptables: 3, ip6tables: 2\); ip6tables: none of the allowed sources is IPv6, .*; ip6tables: FORWARD does not jump to DOCKER-USER, so these rules filter nothing/) });
    ns.sh('ip6tables -A FORWARD -j DOCKER-USER');
  });
  it('state absent leaves only the foreign rules', () => {
    const a = args({ state: 'absent' });
    ns.sh('iptables -A DOCKER-USER -s 10.9.9.9 -j DROP');
    ns.apply(dockerUserTask.plan(a, gather(a)) as Change[]);
    expect(listing()).toEqual(['-N DOCKER-USER', '-A DOCKER-USER -j RETURN', '-A DOCKER-USER -s 10.9.9.9/32 -j DROP']);
    expect(listing('ip6tables')).toEqual(['-N DOCKER-USER', '-A DOCKER-USER -j RETURN']);
    expect(summaries(dockerUserTask.plan(a, gather(a)))).toEqual(['ok: no fleet DOCKER-USER rules, unit or script here']);
  });
});
