import { describe, expect, it } from 'vitest';
import { editSysctl, parseLine, persistedValue } from '../../../src/tasks/lib/sysctl-file.js';

const FILE = `# kernel tuning
net.ipv4.ip_forward=0
; old style comment
-net.ipv4.tcp_syncookies = 1
vm.swappiness = 10
net/ipv4/ip_forward = 1
`;

describe('sysctl.d lines', () => {
  it('parses assignments in every spelling, skips comments and blanks', () => {
    expect(parseLine('net.ipv4.ip_forward=1')).toEqual({ key: 'net.ipv4.ip_forward', value: '1' });
    expect(parseLine('  -net.core.somaxconn =  4096 ')).toEqual({ key: 'net.core.somaxconn', value: '4096' });
    expect(parseLine('net/ipv4/ip_local_port_range = 1024\t65000')).toEqual({ key: 'net.ipv4.ip_local_port_range', value: '1024 65000' });
    for (const l of ['# a = b', '; a = b', '', '   ', 'garbage']) expect(parseLine(l)).toBeUndefined();
  });
  it('the last assignment wins, whatever its spelling', () => {
    expect(persistedValue(FILE, 'net.ipv4.ip_forward')).toBe('1');
    expect(persistedValue(FILE, 'net.ipv4.tcp_syncookies')).toBe('1');
    expect(persistedValue(FILE, 'kernel.pid_max')).toBeUndefined();
    expect(persistedValue('# net.ipv4.ip_forward = 1\n', 'net.ipv4.ip_forward')).toBeUndefined();
  });
});

describe('editSysctl', () => {
  it('replaces the first assignment in place and drops later ones, keeping every other line', () => {
    expect(editSysctl(FILE, 'net.ipv4.ip_forward', '1')).toBe(`# kernel tuning
net.ipv4.ip_forward = 1
; old style comment
-net.ipv4.tcp_syncookies = 1
vm.swappiness = 10
`);
  });
  it('appends a new assignment, adding the missing final newline', () => {
    expect(editSysctl('vm.swappiness = 10', 'net.ipv4.ip_forward', '1')).toBe('vm.swappiness = 10\nnet.ipv4.ip_forward = 1\n');
    expect(editSysctl('', 'net.ipv4.ip_forward', '1')).toBe('net.ipv4.ip_forward = 1\n');
  });
  it('removes every assignment of the name', () => {
    expect(editSysctl(FILE, 'net.ipv4.ip_forward', undefined)).toBe('# kernel tuning\n; old style comment\n-net.ipv4.tcp_syncookies = 1\nvm.swappiness = 10\n');
    expect(editSysctl('net.ipv4.ip_forward = 1\n', 'net.ipv4.ip_forward', undefined)).toBe('');
  });
});
