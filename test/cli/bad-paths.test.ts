// A directory or a special file given where fleet reads a file (playbook, inventory, -e @file,
// --plan, a vars file): one line naming the path, exit 4, no stack, and no wait — a FIFO without a
// writer must not hang the run. Runs the built CLI as a process (a hang is killed, and fails).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLEET_BIN } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-bad-paths-'));
const DIR = join(dir, 'a-dir');
const FIFO = join(dir, 'a-fifo');
const NULL = '/dev/null';
mkdirSync(DIR);
execFileSync('mkfifo', [FIFO]);
const good = join(dir, 'good.yaml');
writeFileSync(good, '- hosts: all\n  tasks:\n    - name: t\n      command: { cmd: "true" }\n');
const inv = join(dir, 'inv.yaml');
writeFileSync(inv, 'all:\n  hosts:\n    web1:\n      ansible_connection: local\n');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((res) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [FLEET_BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 8000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => res({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

const KINDS: [string, string, RegExp][] = [
  ['a directory', DIR, /is a directory/],
  ['a FIFO', FIFO, /is a FIFO \(named pipe\)/],
  ['/dev/null', NULL, /is a character device/],
];
const ROLES: [string, (p: string) => string[], string][] = [
  ['playbook', (p) => ['apply', p, '--check', '-i', inv], 'playbook'],
  ['inventory', (p) => ['apply', good, '--check', '-i', p], 'inventory'],
  ['-e @file', (p) => ['apply', good, '--check', '-i', inv, '-e', `@${p}`], 'extra vars file'],
  ['--plan', (p) => ['apply', '--plan', p, '--yes'], 'plan'],
  ['fleet show', (p) => ['show', p], 'plan'],
];

describe('bad paths as input', () => {
  // how long the CLI takes to start here (a loaded machine): the answer must come within a second of it
  let startup = 0;
  beforeAll(async () => {
    startup = (await run(['--version'])).ms;
  });

  for (const [role, args, what] of ROLES) {
    for (const [kind, path, message] of KINDS) {
      // an inventory may be a directory (as in Ansible): see below
      if (role === 'inventory' && path === DIR) continue;
      it(`${kind} as ${role}: one line naming it, exit 4, at once`, async () => {
        const r = await run(args(path));
        expect(r.code, r.stderr).toBe(4);
        expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
        expect(r.stderr).toContain(`fleet: ${what} ${path} `);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.ms).toBeLessThan(startup + 1000);
      });
    }
  }

  it('an inventory directory is read as Ansible reads one; a FIFO in it is refused, at once', async () => {
    const empty = await run(['apply', good, '--check', '-i', DIR]);
    expect(empty.code, empty.stderr).toBe(4);
    expect(empty.stderr).toMatch(new RegExp(`^fleet: warning: ${DIR} has no hosts\nfleet: no hosts matched`));
    const withFifo = join(dir, 'inv-dir');
    mkdirSync(withFifo);
    writeFileSync(join(withFifo, 'hosts.yaml'), 'all:\n  hosts:\n    web1:\n      ansible_connection: local\n');
    execFileSync('mkfifo', [join(withFifo, 'pipe')]);
    const r = await run(['apply', good, '--check', '-i', withFifo]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toBe(`fleet: inventory ${join(withFifo, 'pipe')} is a FIFO (named pipe); give a file\n`);
  });

  it('a vars_files entry that is a FIFO, and a copy source that is a directory: the same', async () => {
    const pb = join(dir, 'vars-fifo.yaml');
    writeFileSync(pb, `- hosts: all\n  vars_files: [${FIFO}]\n  tasks: []\n`);
    const a = await run(['apply', pb, '--check', '-i', inv]);
    expect(a.code, a.stderr).toBe(4);
    expect(a.stderr).toMatch(new RegExp(`^fleet: .*${FIFO} is a FIFO \\(named pipe\\); give a file\\n$`));
    const cp = join(dir, 'copy-dir.yaml');
    writeFileSync(cp, `- hosts: all\n  tasks:\n    - name: c\n      copy: { dest: /tmp/x, src: ${DIR} }\n`);
    const b = await run(['apply', cp, '--check', '-i', inv]);
    expect(b.code, b.stderr).toBe(4);
    expect(b.stderr).toMatch(new RegExp(`^fleet: .*${DIR} is a directory; give a file\\n$`));
  });
});
