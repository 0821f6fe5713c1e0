// sysctl facts: real probe output, and the real probe against this machine's /proc/sys (read only).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeSysctl, sysctlFact, sysctlKey, sysctlPath } from '../../src/facts/sysctl.js';
import { gatherLocal } from '../support/run-local.js';

const fixture = (name: string) => sysctlFact(name).parse(readFileSync(new URL(`./fixtures/sysctl-${name}.txt`, import.meta.url), 'utf8'), 0);

describe('sysctl facts', () => {
  it('reads a value; multi-value tabs become single spaces', () => {
    expect(fixture('net.ipv4.ip_forward')).toBe('1');
    expect(fixture('net.ipv4.ip_local_port_range')).toBe('32768 60999');
  });
  it('a missing or write-only parameter is undefined', () => {
    expect(fixture('net.nope.xyz')).toBeUndefined();
    expect(fixture('net.ipv4.route.flush')).toBeUndefined();
  });
  it('maps names to /proc/sys paths the way sysctl(8) does', () => {
    expect(sysctlPath('net.ipv4.ip_forward')).toBe('/proc/sys/net/ipv4/ip_forward');
    expect(sysctlPath('net/ipv4/conf/eth0.100/rp_filter')).toBe('/proc/sys/net/ipv4/conf/eth0.100/rp_filter');
    expect(sysctlKey('net/ipv4/ip_forward')).toBe('net.ipv4.ip_forward');
    expect(sysctlFact('net/ipv4/ip_forward').key).toBe(sysctlFact('net.ipv4.ip_forward').key);
  });
  it('normalizes whitespace', () => {
    expect(normalizeSysctl(' 4096\t87380   6291456\n')).toBe('4096 87380 6291456');
  });
  it('the real probe reads /proc/sys', () => {
    const want = normalizeSysctl(readFileSync('/proc/sys/kernel/ostype', 'utf8'));
    expect(gatherLocal({ v: sysctlFact('kernel.ostype'), n: sysctlFact('kernel.no_such_thing') })).toEqual({ v: want, n: undefined });
  });
});
