import { describe, expect, it } from 'vitest';
import { predictListing, ruleArgs, ruleLine } from '../../../src/tasks/lib/iptables-rule.js';

describe('ruleArgs', () => {
  it('splits a rule string like a shell, without expansion', () => {
    expect(ruleArgs({ rule: `-i eth0 ! -s 10.0.0.0/8 -m comment --comment "no \\$(x) here" -j DROP` })).toEqual(['-i', 'eth0', '!', '-s', '10.0.0.0/8', '-m', 'comment', '--comment', 'no $(x) here', '-j', 'DROP']);
  });
  it('compiles structured fields to the same words, negations included', () => {
    expect(ruleArgs({ in_interface: 'eth0', source: '! 10.0.0.0/8', jump: 'DROP' })).toEqual(ruleArgs({ rule: '-i eth0 ! -s 10.0.0.0/8 -j DROP' }));
    expect(ruleArgs({ protocol: 'tcp', destination_port: '!22', out_interface: '!docker0', destination: '172.17.0.0/16', jump: 'ACCEPT' })).toEqual(['!', '-o', 'docker0', '-d', '172.17.0.0/16', '-p', 'tcp', '!', '--dport', '22', '-j', 'ACCEPT']);
  });
  it('adds conntrack and comment modules once, other matches as given', () => {
    expect(ruleArgs({ protocol: 'tcp', ctorigdstport: 8080, ctstate: ['NEW', 'ESTABLISHED'], match: ['conntrack', 'limit'], comment: 'x y', jump: 'RETURN' })).toEqual([
      '-p', 'tcp', '-m', 'limit', '-m', 'conntrack', '--ctstate', 'NEW,ESTABLISHED', '--ctorigdstport', '8080', '-m', 'comment', '--comment', 'x y', '-j', 'RETURN',
    ]);
    expect(ruleArgs({ match: ['comment'], jump: 'ACCEPT' })).toEqual(['-m', 'comment', '-j', 'ACCEPT']);
  });
});

describe('listing prediction', () => {
  it('prints a rule as iptables -S does, quoting words with blanks', () => {
    expect(ruleLine('INPUT', ['-m', 'comment', '--comment', 'ssh in', '-j', 'ACCEPT'])).toBe('-A INPUT -m comment --comment "ssh in" -j ACCEPT');
  });
  it('inserts at a position counted among the rules, appends at the end, or starts a new chain', () => {
    const listing = ['-P INPUT ACCEPT', '-A INPUT -j A', '-A INPUT -j B'];
    expect(predictListing(listing, 'INPUT', ['-j', 'X'], 1)).toEqual(['-P INPUT ACCEPT', '-A INPUT -j X', '-A INPUT -j A', '-A INPUT -j B']);
    expect(predictListing(listing, 'INPUT', ['-j', 'X'], 3)).toEqual([...listing, '-A INPUT -j X']);
    expect(predictListing(listing, 'INPUT', ['-j', 'X'], 'end')).toEqual([...listing, '-A INPUT -j X']);
    expect(predictListing([], 'NEW', ['-j', 'X'], 'end')).toEqual(['-N NEW', '-A NEW -j X']);
  });
});
