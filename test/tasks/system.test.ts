// Fixture tests for apt, service, sysctl, iptables, command and shell: args + facts -> plan.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { aptTask, commandTask, iptablesTask, serviceTask, shellTask, sysctlTask } from '../../src/tasks/builtin-tasks.js';
import { aptPackageFact, parseAptPolicy, type AptPackage } from '../../src/facts/apt.js';
import { ruleFact, type RuleState } from '../../src/facts/iptables.js';
import { serviceFact, type ServiceState } from '../../src/facts/service.js';
import { ruleArgs } from '../../src/tasks/iptables.js';
import type { FileState } from '../../src/facts/file.js';

const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
// the action steps, without the rollback bookkeeping (checked separately)
const texts = (p: Plan) => changes(p).map((c) => c.steps.map((s) => s.text).filter((t) => !t.startsWith('if command -v fleet_')).join(' && '));
const records = (p: Plan) => changes(p).flatMap((c) => c.steps.map((s) => s.text).filter((t) => t.startsWith('if command -v fleet_record')));

// real output of `apt-cache policy` on Debian 12
const POLICY = `containerd.io:
  Installed: 1.7.28-2
  Candidate: 1.7.29-1
  Version table:
     1.7.29-1 500
        500 file:/srv/fleet-repo ./ Packages
 *** 1.7.28-2 500
        500 file:/srv/fleet-repo ./ Packages
        100 /var/lib/dpkg/status
     1.7.28-1 500
        500 file:/srv/fleet-repo ./ Packages
`;

describe('apt facts', () => {
  it('parses apt-cache policy', () => {
    expect(parseAptPolicy(POLICY)).toEqual({
      installed: '1.7.28-2',
      candidate: '1.7.29-1',
      versions: [
        { version: '1.7.29-1', priority: 500, installed: false },
        { version: '1.7.28-2', priority: 500, installed: true },
        { version: '1.7.28-1', priority: 500, installed: false },
      ],
    });
  });
  it('parses the whole probe output, absent package included', () => {
    const f = aptPackageFact('containerd.io');
    expect(f.parse(`install ok installed|1.7.28-2\n---\ncontainerd.io\n---\n${POLICY}---\n1700000000 1700000100\n`, 0)).toMatchObject({ installed: '1.7.28-2', held: true, candidate: '1.7.29-1', listsAge: 100 });
    expect(f.parse(`\n---\n---\n---\n0 1700000100\n`, 0)).toMatchObject({ installed: undefined, held: false, versions: [], listsAge: Infinity });
  });
});

describe('apt', () => {
  const pkg = (o: Partial<AptPackage> = {}): AptPackage => ({ name: 'containerd.io', held: false, versions: parseAptPolicy(POLICY).versions, candidate: '1.7.29-1', installed: '1.7.28-2', listsAge: 10, ...o });
  const plan = (args: object, p: AptPackage) => aptTask.plan(parseArgs(aptTask.args, args), { [p.name]: p });
  it('refuses a downgrade unless allowed', () => {
    expect(() => plan({ name: 'containerd.io', version: '1.7.28-1' }, pkg())).toThrow(/1\.7\.28-2 is installed and 1\.7\.28-1 is lower; set allow_downgrade: true/);
  });
  it('downgrades and holds, moving a held package explicitly', () => {
    const p = plan({ name: 'containerd.io', version: '1.7.28-1', allow_downgrade: true, hold: true }, pkg({ held: true }));
    expect(changes(p).map((c) => c.summary)).toEqual(['downgrade containerd.io 1.7.28-2 -> 1.7.28-1']);
    expect(texts(p)[0]).toMatch(/install --no-install-recommends --allow-downgrades --allow-change-held-packages containerd\.io=1\.7\.28-1$/);
  });
  it('is ok at the wanted version and hold, with the reason', () => {
    expect(plan({ name: 'containerd.io', version: '1.7.28-2', hold: true }, pkg({ held: true }))).toEqual({ ok: 'containerd.io is at 1.7.28-2 and held' });
  });
  it('matches a version prefix such as 1.7.28-1 against 1.7.28-1~debian.12~bookworm', () => {
    const p = plan({ name: 'containerd.io', version: '1.7.28-1', allow_downgrade: true }, pkg({ versions: [{ version: '1.7.28-1~debian.12~bookworm', priority: 500, installed: false }] }));
    expect(texts(p)[0]).toContain("'containerd.io=1.7.28-1~debian.12~bookworm'");
  });
  it('refreshes the index only when a wanted version is unknown', () => {
    const p = plan({ name: 'containerd.io', version: '1.7.30-1' }, pkg());
    expect(changes(p)[0]!.summary).toBe('refresh the package index, then install containerd.io 1.7.30-1 (installed: 1.7.28-2)');
    expect(texts(p)[0]).toMatch(/apt-get .* update && .* install/);
    expect(texts(plan({ name: 'containerd.io', hold: true }, pkg()))[0]).toBe("apt-mark hold containerd.io");
  });
  it('records the previous version and hold for rollback', () => {
    expect(records(plan({ name: 'containerd.io', version: '1.7.28-1', allow_downgrade: true, hold: true }, pkg()))).toEqual([
      'if command -v fleet_record >/dev/null 2>&1; then fleet_record pkg containerd.io 1.7.28-2; fi',
      'if command -v fleet_record >/dev/null 2>&1; then fleet_record hold containerd.io 0; fi',
    ]);
  });
  it('installs a missing package, removes, unholds', () => {
    expect(changes(plan({ name: 'dnsmasq' }, { ...pkg(), name: 'dnsmasq', installed: undefined, candidate: '2.89-1' }))[0]!.summary).toBe('install dnsmasq 2.89-1');
    expect(changes(plan({ name: 'containerd.io', state: 'absent' }, pkg()))[0]!.summary).toBe('remove containerd.io 1.7.28-2');
    expect(changes(plan({ name: 'containerd.io', hold: false }, pkg({ held: true })))[0]!.summary).toBe('unhold containerd.io');
  });
});

describe('service', () => {
  const svc = (o: Partial<ServiceState> = {}): ServiceState => ({ manager: 'systemd', exists: true, active: true, enabled: true, ...o });
  const plan = (args: object, s: ServiceState) => serviceTask.plan(parseArgs(serviceTask.args, args), { svc: s });
  it.each([
    [{ name: 'dnsmasq', state: 'started' }, svc(), 'ok'],
    [{ name: 'dnsmasq', state: 'started', enabled: true }, svc({ active: false, enabled: false }), 'start dnsmasq; enable dnsmasq at boot'],
    [{ name: 'dnsmasq', state: 'stopped' }, svc(), 'stop dnsmasq'],
    [{ name: 'docker', state: 'restarted' }, svc(), 'restart docker'],
    [{ name: 'docker', state: 'reloaded' }, svc(), 'reload docker'],
    [{ name: 'docker', enabled: false }, svc(), 'disable docker at boot'],
  ])('%j on %j -> %s', (args, s, want) => {
    const p = plan(args, s);
    expect(isOk(p) ? 'ok' : changes(p).map((c) => c.summary).join('; ')).toBe(want);
  });
  it('uses service and update-rc.d without systemd', () => {
    expect(texts(plan({ name: 'docker', state: 'restarted', enabled: true }, svc({ manager: 'sysv', enabled: false })))).toEqual(['service docker restart', 'update-rc.d docker defaults']);
  });
  it('records the previous state for rollback', () => {
    expect(records(plan({ name: 'dnsmasq', state: 'stopped' }, svc()))).toEqual(['if command -v fleet_record >/dev/null 2>&1; then fleet_record service dnsmasq active enabled; fi']);
  });
  it('names a missing unit', () => {
    expect(() => plan({ name: 'nope', state: 'started' }, svc({ exists: false }))).toThrow(/service nope not found \(no such systemd unit\)/);
  });
  it('verifies the service runs after a restart', () => {
    expect(serviceTask.verify!(parseArgs(serviceTask.args, { name: 'd', state: 'restarted' }), { svc: svc({ active: false }) })).toMatch(/not running/);
  });
  it('parses systemctl show', () => {
    expect(serviceFact('ssh').parse('systemd\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\n', 0)).toEqual({ manager: 'systemd', exists: true, active: true, enabled: true });
  });
});

describe('sysctl', () => {
  const f = (content?: string): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: 0, content });
  const plan = (args: object, live: string | undefined, file: FileState) => sysctlTask.plan(parseArgs(sysctlTask.args, args), { live, file });
  it('compares the live value and the persisted line separately', () => {
    expect(changes(plan({ name: 'net.ipv4.ip_forward', value: '1' }, '0', f())).map((c) => c.summary)).toEqual(['live net.ipv4.ip_forward: 0 -> 1', 'persist net.ipv4.ip_forward in /etc/sysctl.d/99-fleet.conf']);
    expect(changes(plan({ name: 'net.ipv4.ip_forward', value: '1' }, '1', f())).map((c) => c.summary)).toEqual(['persist net.ipv4.ip_forward in /etc/sysctl.d/99-fleet.conf']);
    expect(changes(plan({ name: 'net.ipv4.ip_forward', value: '1' }, '0', f('net.ipv4.ip_forward = 1\n'))).map((c) => c.summary)).toEqual(['live net.ipv4.ip_forward: 0 -> 1']);
    expect(plan({ name: 'net.ipv4.ip_forward', value: '1' }, '1', f('a = b\nnet.ipv4.ip_forward=1\n'))).toEqual({ ok: 'net.ipv4.ip_forward is 1, live and persisted' });
  });
  it('normalizes whitespace in multi-value parameters', () => {
    expect(isOk(plan({ name: 'net.ipv4.ip_local_port_range', value: '1024  65000', reload: true }, '1024\t65000', f('net.ipv4.ip_local_port_range = 1024 65000\n')))).toBe(true);
  });
  it('names a parameter that does not exist', () => {
    expect(() => plan({ name: 'net.nope', value: '1' }, undefined, f())).toThrow(/kernel parameter net\.nope does not exist/);
  });
});

describe('iptables', () => {
  const st = (o: Partial<RuleState> = {}): RuleState => ({ available: true, chainExists: true, present: false, nftBackend: false, listing: [], ...o });
  const plan = (args: object, s: Record<string, RuleState>) => iptablesTask.plan(parseArgs(iptablesTask.args, args), s);
  it('compiles structured fields like the rule string', () => {
    expect(ruleArgs({ in_interface: 'eth0', source: '! 10.0.0.0/8', jump: 'DROP' })).toEqual(['-i', 'eth0', '!', '-s', '10.0.0.0/8', '-j', 'DROP']);
    expect(ruleArgs({ protocol: 'tcp', ctorigdstport: 8080, ctstate: ['NEW'], jump: 'RETURN' })).toEqual(['-p', 'tcp', '-m', 'conntrack', '--ctstate', 'NEW', '--ctorigdstport', '8080', '-j', 'RETURN']);
  });
  it('inserts, appends, deletes, or is ok', () => {
    expect(texts(plan({ chain: 'DOCKER-USER', rule: '-i eth0 -j DROP', action: 'insert', rule_num: 2 }, { iptables: st() }))).toEqual(['iptables -w -t filter -I DOCKER-USER 2 -i eth0 -j DROP']);
    expect(texts(plan({ chain: 'INPUT', rule: '-p tcp --dport 22 -j ACCEPT' }, { iptables: st() }))).toEqual(['iptables -w -t filter -A INPUT -p tcp --dport 22 -j ACCEPT']);
    expect(texts(plan({ chain: 'INPUT', rule: '-j DROP', state: 'absent' }, { iptables: st({ present: true }) }))).toEqual(['iptables -w -t filter -D INPUT -j DROP']);
    expect(plan({ chain: 'INPUT', rule: '-j DROP' }, { iptables: st({ present: true }) })).toEqual({ ok: 'rule present in INPUT' });
  });
  it('handles both IP versions and missing chains', () => {
    expect(changes(plan({ chain: 'X', rule: '-j DROP', ip_version: 'both', chain_management: true }, { iptables: st({ chainExists: false }), ip6tables: st({ present: true }) })).map((c) => c.summary)).toEqual(['append: iptables -t filter X -j DROP']);
    expect(() => plan({ chain: 'X', rule: '-j DROP' }, { iptables: st({ chainExists: false }) })).toThrow(/chain X does not exist .*chain_management: true/);
  });
  it('parses the probe: present, absent, nf_tables backend', () => {
    const f = ruleFact('iptables', 'filter', 'INPUT', ['-j', 'DROP']);
    expect(f.parse('iptables v1.8.9 (nf_tables)\nchain\nrc=0\n---\n-P INPUT ACCEPT\n-A INPUT -j DROP\n', 0)).toMatchObject({ present: true, nftBackend: true, listing: ['-P INPUT ACCEPT', '-A INPUT -j DROP'] });
    expect(f.parse('iptables v1.8.9 (legacy)\nchain\nrc=1\niptables: Bad rule (does a matching rule exist in that chain?).\n---\n', 0)).toMatchObject({ present: false, nftBackend: false, error: undefined });
  });
});

describe('command and shell', () => {
  it('without a guard: would run — cannot predict; verify skipped', () => {
    const a = parseArgs(commandTask.args, { cmd: 'systemctl daemon-reload' });
    const p = commandTask.plan(a, {});
    expect(changes(p)[0]).toMatchObject({ summary: 'run: systemctl daemon-reload', unpredictable: true });
    expect(commandTask.verify!(a, {})).toBe(false);
  });
  it('creates / removes / unless guards, with reasons', () => {
    expect(commandTask.plan(parseArgs(commandTask.args, { cmd: 'make', creates: '/out' }), { creates: true })).toEqual({ ok: '/out exists' });
    expect(shellTask.plan(parseArgs(shellTask.args, { cmd: 'rm -rf /x', removes: '/x' }), { removes: false })).toEqual({ ok: '/x does not exist' });
    expect(shellTask.plan(parseArgs(shellTask.args, { cmd: 'x', unless: 'true' }), { unless: true })).toEqual({ ok: 'the unless probe succeeded' });
  });
  it('quotes argv words; shell runs through sh -c', () => {
    expect(texts(commandTask.plan(parseArgs(commandTask.args, { cmd: `echo "a b" '$(id)'`, chdir: '/tmp' }), {}))).toEqual([`cd /tmp && echo 'a b' '$(id)'`]);
    expect(texts(shellTask.plan(parseArgs(shellTask.args, { cmd: 'a | b' }), {}))).toEqual([`sh -c 'a | b'`]);
  });
  it('verify catches a command that did not create what it promised', () => {
    expect(commandTask.verify!(parseArgs(commandTask.args, { cmd: 'x', creates: '/o' }), { creates: false })).toMatch(/still does not exist/);
  });
});
