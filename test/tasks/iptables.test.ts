// iptables: args + facts (real probe output) -> plan; then the real probe and steps inside a
// throwaway network namespace, on the nf_tables and the legacy backend.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { iptablesTask } from '../../src/tasks/iptables.js';
import { parseRuleProbe, type RuleState } from '../../src/facts/iptables.js';
import { NetNs, netnsUnavailable } from '../support/netns.js';

const real = (name: string) => parseRuleProbe(readFileSync(new URL(`../facts/fixtures/${name}.txt`, import.meta.url), 'utf8'));
const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const steps = (p: Plan) => changes(p).map((c) => c.steps.map((s) => s.text));
const plan = (args: object, facts: Record<string, RuleState>) => iptablesTask.plan(parseArgs(iptablesTask.args, args), facts);

const present = real('iptables-nft-present'); // FLEET: 2 rules, the ssh one matched
const absent = real('iptables-nft-absent');
const input = real('iptables-nft-builtin-absent'); // INPUT, no rules
const nochain = real('iptables-nft-nochain');
const FLEET = '-N FLEET\n-A FLEET ! -s 10.0.0.0/8 -i eth0 -j DROP\n-A FLEET -p tcp -m tcp --dport 22 -m comment --comment "ssh in" -j ACCEPT\n';

describe('iptables plan', () => {
  it('present: ok with the reason', () => {
    expect(plan({ chain: 'FLEET', rule: '-p tcp --dport 22 -m comment --comment "ssh in" -j ACCEPT' }, { iptables: present })).toEqual({ ok: 'rule present in filter/FLEET (iptables)' });
  });
  it('append (default) with a diff of the chain', () => {
    const p = plan({ chain: 'FLEET', rule: '-j DROP' }, { iptables: absent });
    expect(changes(p).map((c) => c.summary)).toEqual(['append: iptables -t filter FLEET -j DROP']);
    expect(steps(p)).toEqual([['iptables -w -t filter -A FLEET -j DROP']]);
    expect(changes(p)[0]!.diff).toEqual({ path: 'iptables -t filter -S FLEET', before: FLEET, after: `${FLEET}-A FLEET -j DROP\n` });
    expect(changes(p)[0]!.invalidates).toEqual(['iptables:iptables:filter:FLEET:["-j","DROP"]']);
  });
  it('insert at a position; a position past the end is refused before anything runs', () => {
    const p = plan({ chain: 'FLEET', rule: '-j DROP', action: 'insert', rule_num: 2 }, { iptables: absent });
    expect(steps(p)).toEqual([['iptables -w -t filter -I FLEET 2 -j DROP']]);
    expect(changes(p)[0]!.diff!.after).toBe('-N FLEET\n-A FLEET ! -s 10.0.0.0/8 -i eth0 -j DROP\n-A FLEET -j DROP\n-A FLEET -p tcp -m tcp --dport 22 -m comment --comment "ssh in" -j ACCEPT\n');
    expect(steps(plan({ chain: 'INPUT', rule: '-j DROP', action: 'insert' }, { iptables: input }))).toEqual([['iptables -w -t filter -I INPUT 1 -j DROP']]);
    expect(() => plan({ chain: 'FLEET', rule: '-j DROP', action: 'insert', rule_num: 4 }, { iptables: absent })).toThrow('rule_num 4 is past the end of FLEET (iptables, 2 rules); use at most 3, or action: append');
  });
  it('absent: delete when there; ok when not', () => {
    const p = plan({ chain: 'FLEET', rule: '-i eth0 ! -s 10.0.0.0/8 -j DROP', state: 'absent' }, { iptables: present });
    expect(steps(p)).toEqual([["iptables -w -t filter -D FLEET -i eth0 '!' -s 10.0.0.0/8 -j DROP"]]);
    expect(changes(p)[0]!.summary).toBe('delete iptables -t filter FLEET -i eth0 ! -s 10.0.0.0/8 -j DROP');
    // iptables prints this rule in another order: no diff rather than a wrong one
    expect(changes(p)[0]!.diff).toBeUndefined();
    const exact = plan({ chain: 'FLEET', rule: '! -s 10.0.0.0/8 -i eth0 -j DROP', state: 'absent' }, { iptables: present });
    expect(changes(exact)[0]!.diff).toEqual({ path: 'iptables -t filter -S FLEET', before: FLEET, after: '-N FLEET\n-A FLEET -p tcp -m tcp --dport 22 -m comment --comment "ssh in" -j ACCEPT\n' });
    expect(plan({ chain: 'FLEET', rule: '-j DROP', state: 'absent' }, { iptables: absent })).toEqual({ ok: 'rule absent in filter/FLEET (iptables)' });
    expect(plan({ chain: 'NOCHAIN', rule: '-j DROP', state: 'absent' }, { iptables: nochain })).toEqual({ ok: 'rule absent in filter/NOCHAIN (iptables)' });
  });
  it('ipv6 uses ip6tables; both plans each binary on its own', () => {
    expect(steps(plan({ chain: 'INPUT', rule: '-j DROP', ip_version: 'ipv6' }, { ip6tables: input }))).toEqual([['ip6tables -w -t filter -A INPUT -j DROP']]);
    const both = plan({ chain: 'FLEET', rule: '-j DROP', ip_version: 'both' }, { iptables: present, ip6tables: absent });
    expect(changes(both).map((c) => c.summary)).toEqual(['append: ip6tables -t filter FLEET -j DROP']);
    expect(iptablesTask.facts(parseArgs(iptablesTask.args, { chain: 'X', rule: '-j DROP', ip_version: 'both' }))).toHaveProperty('ip6tables');
  });
  it('a missing chain: refused, or created with chain_management', () => {
    expect(() => plan({ chain: 'NOCHAIN', rule: '-j DROP' }, { iptables: nochain })).toThrow('chain NOCHAIN does not exist in table filter (iptables); create it first or set chain_management: true');
    const p = plan({ chain: 'NOCHAIN', rule: '-j DROP', chain_management: true }, { iptables: nochain });
    expect(changes(p).map((c) => c.summary)).toEqual(['create chain NOCHAIN, then append: iptables -t filter NOCHAIN -j DROP']);
    expect(steps(p)).toEqual([['iptables -w -t filter -N NOCHAIN', 'iptables -w -t filter -A NOCHAIN -j DROP']]);
    expect(changes(p)[0]!.diff).toEqual({ path: 'iptables -t filter -S NOCHAIN', before: '', after: '-N NOCHAIN\n-A NOCHAIN -j DROP\n' });
  });
  it('a rule iptables cannot check, or no iptables at all: the error names the fix', () => {
    expect(() => plan({ chain: 'FLEET', rule: '-j NOTARGET' }, { iptables: real('iptables-legacy-bad-target') })).toThrow("iptables cannot check the rule in filter/FLEET: iptables v1.8.9 (legacy): Couldn't load target `NOTARGET':No such file or directory");
    expect(() => plan({ chain: 'INPUT', rule: '-s 10.0.0.0/8 -j DROP', ip_version: 'ipv6' }, { ip6tables: real('ip6tables-nft-v4-address') })).toThrow(/ip6tables cannot check the rule .*host\/network `10\.0\.0\.0' not found/);
    expect(() => plan({ chain: 'INPUT', rule: '-j DROP' }, { iptables: real('iptables-missing') })).toThrow('iptables is not installed on this host (Debian: apt-get install iptables)');
  });
  it('works the same on the legacy backend', () => {
    expect(plan({ chain: 'FLEET', rule: '-p tcp --dport 22 -m comment --comment "ssh in" -j ACCEPT' }, { iptables: real('iptables-legacy-present') })).toEqual({ ok: 'rule present in filter/FLEET (iptables)' });
  });
});

describe('iptables arguments', () => {
  const bad = (args: object) => () => parseArgs(iptablesTask.args, args);
  it('rule or structured fields, not both, not neither', () => {
    expect(bad({ chain: 'INPUT' })).toThrow('give rule, or structured fields such as protocol and jump');
    expect(bad({ chain: 'INPUT', rule: '-j DROP', jump: 'DROP' })).toThrow("argument 'jump' give either rule or structured fields, not both");
    expect(parseArgs(iptablesTask.args, { chain: 'INPUT', protocol: 'tcp', destination_port: 22, jump: 'ACCEPT' })).toMatchObject({ destination_port: '22' });
  });
  it('refuses words that change the command, bad quoting, bad chains and ports', () => {
    expect(bad({ chain: 'INPUT', rule: '-t nat -j DROP' })).toThrow("argument 'rule' holds '-t': give only match and target arguments; the table, chain and action have their own arguments");
    expect(bad({ chain: 'INPUT', rule: '-j DROP; -F INPUT' })).toThrow(/holds '-F'/);
    expect(bad({ chain: 'INPUT', rule: '-m comment --comment "x' })).toThrow(/argument 'rule' unterminated double quote/);
    expect(bad({ chain: '-F', rule: '-j DROP' })).toThrow(/argument 'chain' '-F' is not a chain name/);
    expect(bad({ chain: 'A'.repeat(29), rule: '-j DROP' })).toThrow(/is not a chain name/);
    expect(bad({ chain: 'INPUT', destination_port: '22', jump: 'ACCEPT' })).toThrow("argument 'destination_port' needs protocol (tcp, udp, …)");
    expect(bad({ chain: 'INPUT', protocol: 'tcp', destination_port: 'ssh', jump: 'ACCEPT' })).toThrow(/must be a port or 'first:last'/);
    expect(bad({ chain: 'INPUT', rule: '-j DROP', table: 'nta' })).toThrow(/argument 'table' must be one of filter, nat, mangle, raw, security; got 'nta' \(did you mean 'nat'\?\)/);
  });
});

// PATH directory whose iptables/ip6tables run the legacy backend (xtables-legacy-multi picks the
// command from its name), so both backends run without touching the machine's alternatives
function legacyPath(dir: string): string | undefined {
  const multi = ['/usr/sbin/xtables-legacy-multi', '/sbin/xtables-legacy-multi'].find((p) => {
    try {
      return readFileSync(p).length > 0;
    } catch {
      return false;
    }
  });
  if (!multi) return undefined;
  for (const b of ['iptables', 'ip6tables']) symlinkSync(multi, join(dir, b));
  return `${dir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;
}

const skip = netnsUnavailable();
let shims = '';
let legacy: string | undefined;
beforeAll(() => {
  shims = mkdtempSync(join(tmpdir(), 'fleet-ipt-'));
  legacy = skip ? undefined : legacyPath(shims);
});
afterAll(() => rmSync(shims, { recursive: true, force: true }));

describe.skipIf(skip !== undefined).each(['nf_tables', 'legacy'] as const)(`iptables in a network namespace, %s backend${skip ? ` (skipped: ${skip})` : ''}`, (backend) => {
  let ns: NetNs | undefined;
  beforeAll(() => {
    if (backend === 'nf_tables' || legacy) ns = new NetNs(backend === 'legacy' ? legacy : undefined);
  });
  afterAll(() => ns?.delete());
  const run = (args: object) => {
    const a = parseArgs(iptablesTask.args, args);
    return { a, facts: () => ns!.gather(iptablesTask.facts(a)) };
  };
  it('check, apply, re-apply: chain created, rules inserted and appended in order, then deleted', (ctx) => {
    if (!ns) return ctx.skip();
    const listing = () => ns!.sh('iptables -w -S FLEET-T').stdout;
    const tasks = [
      { chain: 'FLEET-T', rule: '-i eth0 ! -o lo -j DROP', chain_management: true, ip_version: 'both' },
      { chain: 'FLEET-T', protocol: 'tcp', destination_port: '22', comment: 'ssh in', jump: 'ACCEPT', action: 'insert', ip_version: 'both' },
      { chain: 'FLEET-T', ctstate: ['RELATED', 'ESTABLISHED'], jump: 'RETURN', action: 'insert', rule_num: 2, ip_version: 'both' },
    ];
    for (const t of tasks) {
      const { a, facts } = run(t);
      const first = iptablesTask.plan(a, facts());
      expect(changes(first)).toHaveLength(2); // one per binary
      ns!.apply(changes(first));
      expect(iptablesTask.plan(a, facts())).toEqual({ ok: 'rule present in filter/FLEET-T (iptables, ip6tables)' });
    }
    expect(listing()).toBe([
      '-N FLEET-T',
      '-A FLEET-T -p tcp -m tcp --dport 22 -m comment --comment "ssh in" -j ACCEPT',
      '-A FLEET-T -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
      '-A FLEET-T -i eth0 ! -o lo -j DROP',
      '',
    ].join('\n'));
    expect(run({ chain: 'FLEET-T', rule: '-j DROP' }).facts().iptables!.nftBackend).toBe(backend === 'nf_tables');
    for (const t of tasks) {
      const { a, facts } = run({ ...t, state: 'absent', chain_management: undefined, action: undefined, rule_num: undefined });
      ns!.apply(changes(iptablesTask.plan(a, facts())));
      expect(iptablesTask.plan(a, facts())).toEqual({ ok: 'rule absent in filter/FLEET-T (iptables, ip6tables)' });
    }
    expect(listing()).toBe('-N FLEET-T\n');
  });
});
