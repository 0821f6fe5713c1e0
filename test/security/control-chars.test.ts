// Paths (and what names things on the host) with control characters are refused before any
// connection, with the task's file:line:column: a newline in a templated path could otherwise start
// a line of its own in the run-state manifest or a config file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { parseArgs } from '../../src/schema/schema.js';
import { builtinRegistry } from '../../src/tasks/builtin.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-ctl-'));
writeFileSync(join(dir, 'inv.yaml'), 'all:\n  hosts:\n    web1:\n      ansible_connection: local\n');

async function check(playbook: string): Promise<{ code: number; err: string }> {
  writeFileSync(join(dir, 'pb.yaml'), playbook);
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  err.on('data', (d) => (text += d));
  out.resume();
  const io = { stdout: out as unknown as NodeJS.WriteStream, stderr: err as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env: {}, cwd: dir };
  const code = await runCli(['apply', 'pb.yaml', '--check', '-i', 'inv.yaml'], io);
  return { code, err: text };
}

const play = (vars: string, task: string) => `- hosts: all\n  vars:\n${vars}\n  tasks:\n    - name: t\n${task}\n`;

describe('control characters in paths', () => {
  it.each([
    ['a templated copy dest with a newline', play('    p: "/tmp/fleet-x\\ncreated /etc"', '      copy: { dest: "{{ p }}", content: x }'), /pb\.yaml:5:7: .*dest.*control characters.*"\\n"/],
    ['a literal file path with an escape', play('    p: 1', '      file: { path: "/tmp/a\\u001b[2Jb", state: touch }'), /pb\.yaml:6:\d+: .*path.*control characters.*"\\u001b"/],
    ['lineinfile path with a carriage return', play('    p: "/etc/hosts\\r"', '      lineinfile: { path: "{{ p }}", line: x }'), /pb\.yaml:5:7: .*path.*control characters/],
    ['a shell creates guard with a tab', play('    p: "/tmp/a\\tb"', '      shell: { cmd: "true", creates: "{{ p }}" }'), /pb\.yaml:5:7: .*creates.*control characters/],
  ])('%s: one located line, exit 4, nothing run', async (_, pb, message) => {
    const r = await check(pb);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('every path argument of the writing tasks refuses them; contents and commands may hold newlines', () => {
    const reg = builtinRegistry();
    const parse = (type: string, args: object) => () => parseArgs(reg.get(type)!.args, args);
    for (const [type, args, key] of [
      ['copy', { content: 'x' }, 'dest'],
      ['template', { src: 't' }, 'dest'],
      ['file', {}, 'path'],
      ['lineinfile', { line: 'x' }, 'path'],
      ['blockinfile', { block: 'x' }, 'path'],
      ['json_file', {}, 'path'],
      ['command', { cmd: 'true' }, 'chdir'],
      ['shell', { cmd: 'true' }, 'removes'],
    ] as const) {
      expect(parse(type, { ...args, [key]: '/tmp/a\nb' }), `${type}.${key}`).toThrow(/control characters/);
      expect(parse(type, { ...args, [key]: '/tmp/a b' }), `${type}.${key}`).not.toThrow();
    }
    expect(parse('copy', { dest: '/tmp/a', content: 'two\nlines\n' })).not.toThrow();
    expect(parse('copy', { dest: '/tmp/a', content: 'x', owner: 'ro\not' })).toThrow(/owner.*control characters/);
    expect(parse('shell', { cmd: 'echo a\necho b' })).not.toThrow();
  });
});
