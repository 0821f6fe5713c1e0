// iptables facts against real probe output from both backends (nf_tables and legacy), captured in
// a network namespace on Debian 12.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRuleProbe, ruleFact } from '../../src/facts/iptables.js';

const fixture = (name: string) => parseRuleProbe(readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), 'utf8'));
const FLEET = ['-N FLEET', '-A FLEET ! -s 10.0.0.0/8 -i eth0 -j DROP', '-A FLEET -p tcp -m tcp --dport 22 -m comment --comment "ssh in" -j ACCEPT'];

describe.each(['nft', 'legacy'])('iptables facts (%s backend)', (be) => {
  const nftBackend = be === 'nft';
  it('a present rule, with the chain listing', () => {
    expect(fixture(`iptables-${be}-present`)).toEqual({ available: true, chainExists: true, present: true, nftBackend, listing: FLEET });
  });
  it('an absent rule in a user chain and in a built-in chain', () => {
    expect(fixture(`iptables-${be}-absent`)).toEqual({ available: true, chainExists: true, present: false, nftBackend, listing: FLEET });
    expect(fixture(`iptables-${be}-builtin-absent`)).toEqual({ available: true, chainExists: true, present: false, nftBackend, listing: ['-P INPUT ACCEPT'] });
  });
  it('a missing chain is a value, not an error', () => {
    expect(fixture(`iptables-${be}-nochain`)).toEqual({ available: true, chainExists: false, present: false, nftBackend, listing: [] });
  });
  it('a rule iptables cannot check is an error with its message', () => {
    expect(fixture(`iptables-${be}-bad-option`).error).toMatch(/unknown option "--bogus"/);
    expect(fixture(`iptables-${be}-bad-target`).error).toMatch(/NOTARGET/);
    expect(fixture(`ip6tables-${be}-v4-address`).error).toMatch(/host\/network `10\.0\.0\.0' not found/);
  });
});

describe('iptables facts', () => {
  it('a host without the binary', () => {
    expect(fixture('iptables-missing')).toEqual({ available: false, chainExists: false, present: false, nftBackend: false, listing: [] });
  });
  it('one fact per binary, table, chain and argv', () => {
    const a = ruleFact('iptables', 'filter', 'INPUT', ['-j', 'DROP']);
    expect(a.key).toBe(ruleFact('iptables', 'filter', 'INPUT', ['-j', 'DROP']).key);
    expect(new Set([a.key, ruleFact('ip6tables', 'filter', 'INPUT', ['-j', 'DROP']).key, ruleFact('iptables', 'nat', 'INPUT', ['-j', 'DROP']).key, ruleFact('iptables', 'filter', 'INPUT', ['-j DROP']).key]).size).toBe(4);
  });
  it('quotes every rule word in the probe', () => {
    expect(ruleFact('iptables', 'filter', 'X', ['-m', 'comment', '--comment', "it's $(x)"]).probe.text).toContain(`-C X -m comment --comment 'it'\\''s $(x)'`);
  });
});
