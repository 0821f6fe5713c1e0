// The bad-input corpus: every broken playbook, inventory, variables file or plan file gives one line
// naming the file (and line where there is one), exit code 4, and no stack trace.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-bad-'));
const GOOD_PB = '- hosts: all\n  tasks:\n    - name: t\n      command: { cmd: "true" }\n';
const GOOD_INV = 'all:\n  hosts:\n    web1:\n      ansible_connection: local\n';

async function cli(args: string[]): Promise<{ code: number; err: string; out: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (d) => (text.out += d));
  err.on('data', (d) => (text.err += d));
  const io = { stdout: out as unknown as NodeJS.WriteStream, stderr: err as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env: {}, cwd: dir };
  const code = await runCli(args, io);
  return { code, ...text };
}

const put = (name: string, content: string | Buffer) => (writeFileSync(join(dir, name), content), name);

type Case = [name: string, file: string, content: string | Buffer, args: (f: string) => string[], message: RegExp];
const pb = (f: string) => ['apply', f, '--check', '-i', put('good-inv.yaml', GOOD_INV)];
const inv = (f: string) => ['apply', put('good.yaml', GOOD_PB), '--check', '-i', f];

const CASES: Case[] = [
  // playbooks
  ['malformed YAML', 'p1.yaml', '- hosts: all\n  tasks: [\n', pb, /p1\.yaml:\d+:\d+: /],
  ['bad indentation', 'p2.yaml', '- hosts: all\n tasks:\n   - command: true\n', pb, /p2\.yaml:\d+:\d+: /],
  ['a mapping instead of a list', 'p3.yaml', 'hosts: all\n', pb, /p3\.yaml:1:1: .*list of plays/],
  ['hosts of the wrong type', 'p4.yaml', '- hosts: { web: 1 }\n  tasks: []\n', pb, /p4\.yaml:1:\d+: .*hosts/],
  ['tasks not a list', 'p5.yaml', '- hosts: all\n  tasks: nope\n', pb, /p5\.yaml:2:10: .*tasks/],
  ['unknown play key', 'p6.yaml', '- hosts: all\n  taskz: []\n', pb, /p6\.yaml:2:3: .*taskz.*did you mean 'tasks'/],
  ['unknown task type', 'p7.yaml', '- hosts: all\n  tasks:\n    - name: x\n      copyy: { dest: /a, content: b }\n', pb, /p7\.yaml:4:7: unknown task type 'copyy' \(did you mean 'copy'\?\)/],
  ['two task types', 'p8.yaml', '- hosts: all\n  tasks:\n    - copy: { dest: /a, content: b }\n      file: { path: /a }\n', pb, /p8\.yaml:\d+:\d+: .*(one task type|exactly one)/],
  ['unknown argument', 'p9.yaml', '- hosts: all\n  tasks:\n    - copy: { dest: /a, contnt: b }\n', pb, /p9\.yaml:3:\d+: .*contnt.*did you mean 'content'/],
  ['missing argument', 'p10.yaml', '- hosts: all\n  tasks:\n    - copy: { content: b }\n', pb, /p10\.yaml:3:\d+: .*dest/],
  ['wrong argument type', 'p11.yaml', '- hosts: all\n  tasks:\n    - file: { path: /a, state: [1] }\n', pb, /p11\.yaml:3:\d+: .*state/],
  ['undefined variable', 'p12.yaml', '- hosts: all\n  tasks:\n    - copy: { dest: /a, content: "{{ nope }}" }\n', pb, /p12\.yaml:3:\d+: .*undefined variable 'nope'/],
  ['bad when expression', 'p13.yaml', '- hosts: all\n  tasks:\n    - command: { cmd: "true" }\n      when: a = 1\n', pb, /p13\.yaml:4:\d+: .*'='/],
  ['duplicate key', 'p14.yaml', '- hosts: all\n  hosts: web\n  tasks: []\n', pb, /p14\.yaml:2:\d+: .*(duplicate|unique)/i],
  ['empty file', 'p15.yaml', '', pb, /p15\.yaml.*empty/],
  ['only a comment', 'p16.yaml', '# nothing\n', pb, /p16\.yaml:1:1: a playbook is a YAML list of plays/],
  ['binary file', 'p17.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0xff]), pb, /p17\.yaml is not a text file/],
  ['very large file', 'p18.yaml', Buffer.alloc(17 * 1024 * 1024, 0x20), pb, /p18\.yaml is 17 MiB; the limit is 16 MiB/],
  ['missing vars_files', 'p19.yaml', '- hosts: all\n  vars_files: [nothere.yaml]\n  tasks: []\n', pb, /nothere\.yaml/],
  ['no such playbook', 'p20-missing.yaml', '', (f) => ['apply', `${f}.not`, '--check'], /p20-missing\.yaml\.not: no such file/],
  // inventories
  ['inventory: malformed YAML', 'i1.yaml', 'all:\n  hosts: {\n', inv, /i1\.yaml:\d+:\d+: /],
  ['inventory: wrong type for hosts', 'i2.yaml', 'all:\n  hosts: [a, b]\n', inv, /i2\.yaml:2:\d+: .*hosts/],
  ['inventory: cyclic groups (YAML)', 'i3.yaml', 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a: {}\n', inv, /i3\.yaml:\d+:\d+: .*cycl/],
  ['inventory: cyclic groups (INI)', 'i4.ini', '[a:children]\nb\n[b:children]\na\n', inv, /i4\.ini:4:1: group children form a cycle .*: a -> b -> a/],
  ['inventory: duplicate host in one group', 'i5.yaml', 'all:\n  hosts:\n    web1: {}\n    web1: {}\n', inv, /i5\.yaml:4:\d+: .*(duplicate|unique)/i],
  ['inventory: bad INI variable', 'i7.ini', '[web]\na ansible_port\n', inv, /i7\.ini:2:3: expected key=value after host 'a'/],
  ['inventory: bad port', 'i8.yaml', 'all:\n  hosts:\n    a:\n      ansible_port: seventy\n', inv, /i8\.yaml:3:\d+: host 'a': ansible_port is "seventy"; use a port number 1-65535/],
  // an empty inventory is valid, as in Ansible (see below); a dynamic one is not supported
  ['inventory: a plugin configuration', 'i9.yaml', 'plugin: aws_ec2\nregions: [eu-west-1]\n', inv, /i9\.yaml:1:1: .*inventory plugin 'aws_ec2'/],
  ['inventory: binary file', 'i10.yaml', Buffer.from([0, 0, 0, 1]), inv, /i10\.yaml is not a text file/],
  // variables and plan files
  ['extra vars file: malformed', 'e1.yaml', 'a: [\n', (f) => [...pb(put('good.yaml', GOOD_PB)), '-e', `@${f}`], /e1\.yaml:\d+:\d+: /],
  ['plan file: not JSON', 'plan1.json', '{"version": 1,', (f) => ['show', f], /plan1\.json.*(JSON|not a plan)/],
  ['plan file: wrong shape', 'plan2.json', '{"version": 1, "hosts": 3}', (f) => ['show', f], /plan2\.json/],
  ['plan file: newer version', 'plan3.json', '{"kind": "fleet-plan", "version": 99}', (f) => ['show', f], /plan3\.json is a version 99 plan; this fleet reads version 1/],
];

describe('bad input corpus', () => {
  it.each(CASES)('%s', async (_name, file, content, args, message) => {
    put(file, content);
    const r = await cli(args(file));
    expect(r.code, r.err + r.out).toBe(4);
    expect(r.err).toMatch(message);
    expect(r.err.trimEnd().split('\n'), 'one line').toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('an empty inventory (valid, as in Ansible)', () => {
  it('is a warning, then the run has no hosts: exit 4', async () => {
    put('i-empty.yaml', '# nothing yet\n');
    const r = await cli(inv('i-empty.yaml'));
    expect(r.code, r.err + r.out).toBe(4);
    expect(r.err).toMatch(/^fleet: warning: .*i-empty\.yaml has no hosts\nfleet: no hosts matched/);
  });
});
