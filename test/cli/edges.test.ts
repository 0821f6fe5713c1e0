// CLI edges an incident needs right: task reference, audit's own exit code, plan display, empty plays.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { memoryIO } from '../support/memory-io.js';
import { ExitCode } from '../../src/errors.js';
import { builtinRegistry } from '../../src/tasks/builtin.js';

const io = memoryIO;

describe('fleet CLI edges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-edges-'));
  const types = builtinRegistry().types();

  it('fleet tasks: one line per task type, and a pointer to the full reference', async () => {
    const t = io(dir);
    expect(await runCli(['tasks'], t.io)).toBe(0);
    const lines = t.text.out.trim().split('\n');
    expect(lines.slice(0, types.length).map((l) => l.split(/\s+/)[0])).toEqual(types);
    expect(lines.length).toBe(types.length + 2);
    expect(t.text.out).toMatch(/fleet tasks TYPE/);
  });

  it('fleet tasks TYPE: the arguments and the hand-written reference (detects, changes, undo)', async () => {
    const t = io(dir);
    expect(await runCli(['tasks', 'containerd_pin'], t.io)).toBe(0);
    expect(t.text.out).toMatch(/^containerd_pin — /);
    expect(t.text.out).toMatch(/^ {2}version: /m);
    expect(t.text.out.split('\n').length).toBeGreaterThan(10);
  });

  it('fleet tasks with an unknown type: did you mean, exit 4', async () => {
    const t = io(dir);
    expect(await runCli(['tasks', 'containerd'], t.io)).toBe(ExitCode.invalidInput);
    expect(t.text.err).toMatch(/^fleet: unknown task type 'containerd' \(did you mean 'containerd_pin'\?\); fleet tasks lists them\n$/);
    expect(t.text.out).toBe('');
  });

  it('a play whose hosts match nothing names the groups that exist', async () => {
    writeFileSync(join(dir, 'inv.yaml'), 'all:\n  children:\n    web:\n      hosts: { w1: { ansible_connection: local }, w2: { ansible_connection: local } }\n    db:\n      hosts: { d1: { ansible_connection: local } }\n');
    writeFileSync(join(dir, 'p.yaml'), '- hosts: webservers\n  tasks: []\n');
    const t = io(dir);
    expect(await runCli(['apply', 'p.yaml', '-i', 'inv.yaml', '--check'], t.io)).toBe(ExitCode.invalidInput);
    expect(t.text.err).toMatch(/no hosts matched the plays' hosts \(webservers\); the inventory's groups: .*web \(2\).*db \(1\)/);
  });

  it('the audit exit code for --fail-on is its own, not "changes pending"', () => {
    expect(ExitCode.findings).not.toBe(ExitCode.changes);
    expect(new Set(Object.values(ExitCode)).size).toBe(Object.values(ExitCode).length);
  });
});

describe('fleet show', () => {
  it('prints the -e values a plan will apply (plans never hold secret values)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-show-'));
    writeFileSync(join(dir, 'p.yaml'), `- hosts: all\n  tasks:\n    - name: a file\n      copy: { dest: "${dir}/out.txt", content: "{{ greeting }} {{ n }}\\n" }\n`);
    const p = io(dir);
    expect(await runCli(['plan', 'p.yaml', '-e', 'greeting=hello', '-e', '{"n": 3}', '-o', 'plan.json'], p.io), p.text.err).toBe(0);
    const t = io(dir);
    expect(await runCli(['show', 'plan.json'], t.io)).toBe(0);
    expect(t.text.out).toMatch(/^extra vars: greeting=hello n=3$/m);
  });
});
