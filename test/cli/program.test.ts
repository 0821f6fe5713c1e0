import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { memoryIO } from '../support/memory-io.js';

const io = memoryIO;

describe('fleet CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-cli-'));

  it('prints help', async () => {
    const t = io(dir);
    expect(await runCli(['--help'], t.io)).toBe(0);
    expect(t.text.out).toMatch(/Usage: fleet/);
    expect(t.text.out).toMatch(/apply/);
  });

  it('reports a bad playbook in one line with its location and exit 4, stack only with --debug', async () => {
    writeFileSync(join(dir, 'bad.yaml'), '- hosts: all\n  tasks:\n    - name: x\n      json_fle: { path: /a }\n');
    const t = io(dir);
    expect(await runCli(['apply', 'bad.yaml', '--check'], t.io)).toBe(4);
    expect(t.text.err).toMatch(/^fleet: .*bad\.yaml:4:7: unknown task type 'json_fle' \(did you mean 'json_file'\?\)\n$/);
    const d = io(dir);
    expect(await runCli(['apply', 'bad.yaml', '--check', '--debug'], d.io)).toBe(4);
    expect(d.text.err).toMatch(/\n\s+at /);
  });

  it('rejects bad options with exit 4', async () => {
    const t = io(dir);
    expect(await runCli(['apply', 'x.yaml', '--forks', '0'], t.io)).toBe(4);
    expect(t.text.err).toMatch(/--forks must be a positive integer/);
    const u = io(dir);
    expect(await runCli(['apply', 'x.yaml', '--frobnicate'], u.io)).toBe(4);
    expect(u.text.err).toMatch(/unknown option '--frobnicate'/);
  });

  it('names a missing playbook', async () => {
    const t = io(dir);
    expect(await runCli(['apply', 'missing.yaml', '--check'], t.io)).toBe(4);
    expect(t.text.err).toMatch(/cannot read playbook .*missing\.yaml: no such file/);
  });

  it('lists several -i sources merged, a directory among them, with their warnings', async () => {
    const inv = mkdtempSync(join(tmpdir(), 'fleet-cli-inv-'));
    mkdirSync(join(inv, 'dir'));
    writeFileSync(join(inv, 'dir', 'hosts.yml'), 'all:\n  children:\n    web:\n      hosts: { w1: { x: 1 } }\n');
    writeFileSync(join(inv, 'more.ini'), '[db]\nweb\n');
    const t = io(inv);
    expect(await runCli(['inventory', '-i', 'dir', '-i', 'more.ini', '--list'], t.io)).toBe(0);
    expect(JSON.parse(t.text.out)).toEqual({ all: { children: ['ungrouped', 'web', 'db'] }, web: { hosts: ['w1'] }, db: { hosts: ['web'] }, _meta: { hostvars: { w1: { x: 1 } } } });
    expect(t.text.err).toBe(`fleet: warning: found both a group and a host named 'web' in ${join(inv, 'dir')}\n`);
  });

  it('lists the default inventory as JSON', async () => {
    const t = io(dir);
    expect(await runCli(['inventory', '--list'], t.io)).toBe(0);
    const inv = JSON.parse(t.text.out);
    expect(inv._meta.hostvars.localhost).toMatchObject({ ansible_connection: 'local' });
  });

  it('runs harden.yaml in check mode on the default localhost inventory without error', async () => {
    const t = io(new URL('../..', import.meta.url).pathname);
    const code = await runCli(['apply', 'playbooks/harden.yaml', '--check'], t.io);
    expect(t.text.err).toBe('');
    expect([0]).toContain(code);
    expect(t.text.out).toMatch(/RECAP/);
  }, 60_000);
});
