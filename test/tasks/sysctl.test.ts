// sysctl: args + facts -> plan, then the real probe and steps: the file part in a temp directory,
// the live part inside a throwaway network namespace (net.* parameters are per namespace).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { sysctlTask } from '../../src/tasks/sysctl.js';
import type { FileState } from '../../src/facts/file.js';
import { applyLocal, gatherLocal } from '../support/run-local.js';
import { NetNs, netnsUnavailable } from '../support/netns.js';

const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));
const file = (content?: string): FileState => (content === undefined ? { exists: false } : { exists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', size: content.length, content });
const plan = (args: object, live: string | undefined, f: FileState) => sysctlTask.plan(parseArgs(sysctlTask.args, { name: 'net.ipv4.ip_forward', ...args }), { live, file: f });
const F = '/etc/sysctl.d/99-fleet.conf';

describe('sysctl plan', () => {
  it('both wrong: two changes, live and persisted, each with its own summary', () => {
    const p = changes(plan({ value: '1' }, '0', file()));
    expect(p.map((c) => c.summary)).toEqual(['live net.ipv4.ip_forward: 0 -> 1', `persist net.ipv4.ip_forward in ${F}`]);
    expect(p[0]!.steps.map((s) => s.text)).toEqual(["printf '%s\\n' 1 > /proc/sys/net/ipv4/ip_forward"]);
    expect(p[0]!.invalidates).toEqual(['sysctl:net.ipv4.ip_forward']);
    expect(p[1]!.diff).toEqual({ path: F, before: '', after: 'net.ipv4.ip_forward = 1\n' });
    expect(p[1]!.invalidates).toEqual([`file:${F}`]);
  });
  it('live only, file only, none', () => {
    expect(changes(plan({ value: '1' }, '0', file('net.ipv4.ip_forward = 1\n'))).map((c) => c.summary)).toEqual(['live net.ipv4.ip_forward: 0 -> 1']);
    const fileOnly = changes(plan({ value: '1' }, '1', file('# mine\nnet.ipv4.ip_forward = 0\nvm.swappiness = 10\n')));
    expect(fileOnly.map((c) => c.summary)).toEqual([`persist net.ipv4.ip_forward in ${F}`]);
    expect(fileOnly[0]!.diff).toEqual({ path: F, before: '# mine\nnet.ipv4.ip_forward = 0\nvm.swappiness = 10\n', after: '# mine\nnet.ipv4.ip_forward = 1\nvm.swappiness = 10\n' });
    expect(plan({ value: '1' }, '1', file('net.ipv4.ip_forward=1\n'))).toEqual({ ok: 'net.ipv4.ip_forward is 1, live and persisted' });
  });
  it('reload false leaves the live value alone', () => {
    expect(changes(plan({ value: '1', reload: false }, '0', file())).map((c) => c.summary)).toEqual([`persist net.ipv4.ip_forward in ${F}`]);
    expect(plan({ value: '1', reload: false }, '0', file('net.ipv4.ip_forward = 1\n'))).toEqual({ ok: 'net.ipv4.ip_forward = 1 is persisted (live value not managed: reload is false)' });
  });
  it('multi-value parameters compare word by word', () => {
    const a = { name: 'net.ipv4.ip_local_port_range', value: '1024  65000' };
    expect(sysctlTask.plan(parseArgs(sysctlTask.args, a), { live: '1024\t65000', file: file('net.ipv4.ip_local_port_range=1024\t65000\n') })).toEqual({ ok: 'net.ipv4.ip_local_port_range is 1024 65000, live and persisted' });
  });
  it('absent removes the persisted line only; ok when there is none', () => {
    const p = changes(plan({ state: 'absent' }, '1', file('a = 1\nnet.ipv4.ip_forward = 1\n')));
    expect(p.map((c) => [c.summary, c.diff?.after])).toEqual([[`remove net.ipv4.ip_forward from ${F}`, 'a = 1\n']]);
    expect(plan({ state: 'absent' }, '1', file())).toEqual({ ok: `net.ipv4.ip_forward is not persisted in ${F}` });
    expect(plan({ state: 'absent', name: 'net.gone' }, undefined, file('a = 1\n'))).toEqual({ ok: `net.gone is not persisted in ${F}` });
  });
  it('a parameter the host does not have', () => {
    expect(() => plan({ name: 'net.nope', value: '1' }, undefined, file())).toThrow('kernel parameter net.nope does not exist on this host (no readable /proc/sys/net/nope): check the name, or load the kernel module that provides it');
  });
  it('refuses a file that is not a regular file', () => {
    expect(() => plan({ value: '1' }, '1', { exists: true, type: 'directory', mode: '0755', owner: 'root', group: 'root', size: 0 })).toThrow(`${F} exists but is a directory, not a regular file`);
  });
  it('validates its arguments', () => {
    const bad = (args: object) => () => parseArgs(sysctlTask.args, args);
    expect(bad({ name: 'net.ipv4.ip_forward' })).toThrow("argument 'value' is required with state 'present'");
    expect(bad({ name: 'net..x', value: '1' })).toThrow(/argument 'name' 'net\.\.x' is not a sysctl name/);
    expect(bad({ name: 'a.b', value: '1\nkernel.x = 2' })).toThrow("argument 'value' must be one line");
    expect(bad({ name: 'a.b', value: '1', sysctl_file: 'x.conf' })).toThrow("argument 'sysctl_file' must be an absolute path, got 'x.conf'");
    expect(parseArgs(sysctlTask.args, { name: 'vm.swappiness', value: 10 })).toMatchObject({ value: '10' });
  });
});

describe('sysctl on a real filesystem (file part; the live value already matches)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-sysctl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('check, apply, re-apply: persists, keeps other lines, then reports nothing to do', () => {
    const path = join(dir, '90-test.conf');
    writeFileSync(path, '# keep me\nvm.swappiness = 10\nkernel.ostype=Other\n', { mode: 0o640 });
    const live = readFileSync('/proc/sys/kernel/ostype', 'utf8').trim();
    const args = parseArgs(sysctlTask.args, { name: 'kernel.ostype', value: live, sysctl_file: path });
    const first = sysctlTask.plan(args, gatherLocal(sysctlTask.facts(args)));
    expect(changes(first).map((c) => c.summary)).toEqual([`persist kernel.ostype in ${path}`]);
    applyLocal(changes(first));
    expect(readFileSync(path, 'utf8')).toBe(`# keep me\nvm.swappiness = 10\nkernel.ostype = ${live}\n`);
    expect(sysctlTask.plan(args, gatherLocal(sysctlTask.facts(args)))).toEqual({ ok: `kernel.ostype is ${live}, live and persisted` });
    const absent = parseArgs(sysctlTask.args, { name: 'kernel.ostype', state: 'absent', sysctl_file: path });
    applyLocal(changes(sysctlTask.plan(absent, gatherLocal(sysctlTask.facts(absent)))));
    expect(readFileSync(path, 'utf8')).toBe('# keep me\nvm.swappiness = 10\n');
    expect(isOk(sysctlTask.plan(absent, gatherLocal(sysctlTask.facts(absent))))).toBe(true);
  });
});

const skip = netnsUnavailable();
describe.skipIf(skip !== undefined)(`sysctl live value in a network namespace${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir = '';
  let ns: NetNs | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-sysctl-ns-'));
    ns = new NetNs();
  });
  afterAll(() => {
    ns?.delete();
    rmSync(dir, { recursive: true, force: true });
  });
  it('check predicts both changes; apply makes them; the second run changes nothing', () => {
    const path = join(dir, '99-fleet.conf');
    const args = parseArgs(sysctlTask.args, { name: 'net.ipv4.ip_local_port_range', value: '20000\t40000', sysctl_file: path });
    const before = ns!.gather(sysctlTask.facts(args));
    expect(before.live).not.toBe('20000 40000');
    const first = changes(sysctlTask.plan(args, before));
    expect(first.map((c) => c.summary)).toEqual([`live net.ipv4.ip_local_port_range: ${before.live} -> 20000 40000`, `persist net.ipv4.ip_local_port_range in ${path}`]);
    ns!.apply(first);
    const after = ns!.gather(sysctlTask.facts(args));
    expect(after.live).toBe('20000 40000');
    expect(readFileSync(path, 'utf8')).toBe('net.ipv4.ip_local_port_range = 20000 40000\n');
    expect(sysctlTask.plan(args, after)).toEqual({ ok: 'net.ipv4.ip_local_port_range is 20000 40000, live and persisted' });
    // the machine's own value is untouched
    expect(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).join(' ')).not.toBe('20000 40000');
  });
});
