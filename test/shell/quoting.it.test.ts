// Quoting on a real host: random strings full of what shells love to reinterpret go through a file
// write (copy) and a command argument (command argv), and arrive byte for byte; NUL is refused.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, commandTask, copyTask, play, run } from '../../src/index.js';
import { startLab, type Lab, type LabHost } from '../support/lab.js';

const DANGER = ["'", '"', '\n', '\r', '\t', ' ', '$(id)', '`id`', '${HOME}', '$1', '*', '?', '[a-z]', '~', '-n', '--', '-e', '\\', '\\n', '%s', '!', ';', '|', '&', '>', '<', '#', '}}', 'é', '😀', '\u202e', 'EOF', 'FLEET_B64'];
/** random text with a high density of shell metacharacters, plus arbitrary code points */
const nasty = fc
  .array(fc.oneof(fc.constantFrom(...DANGER), fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 12 })
  .map((parts) => parts.join(''))
  // variables are templates themselves (as in Ansible), so '{{' in a value is Handlebars' business
  .filter((s) => !s.includes('\0') && !s.includes('{{'));

describe('quoting on a real host', () => {
  let lab: Lab;
  let host: LabHost;

  beforeAll(async () => {
    lab = await startLab({ name: 'quoting', hosts: 1, kind: 'light' });
    host = lab.hosts[0]!;
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('random strings arrive byte for byte through a file write and a command argument', async () => {
    const values = ['', '-', '--help', "'; rm -rf / #", '$(touch /tmp/pwned)', '`touch /tmp/pwned`', ...fc.sample(nasty, { numRuns: 80, seed: 20261123 })];
    // values reach the tasks as variables, the way playbooks carry them
    const vars = Object.fromEntries(values.map((v, i) => [`v${i}`, v]));
    const tasks = values.flatMap((_, i) => [
      call(copyTask, `file ${i}`, { dest: `/tmp/q/f${i}`, content: `{{ v${i} }}` }),
      call(commandTask, `arg ${i}`, { argv: ['sh', '-c', 'printf %s "$1" > "$2"', 'sh', `{{ v${i} }}`, `/tmp/q/a${i}`] }),
    ]);
    const report = await run(
      { mode: 'apply', inventory: lab.inventoryPath, playbook: [play({ name: 'quoting', vars, tasks: [call(commandTask, 'dir', { argv: ['mkdir', '-p', '/tmp/q'] }), ...tasks] })] },
      { forks: 1 },
    );
    const failed = report.hosts.flatMap((h) => h.tasks.filter((t) => t.status === 'failed').map((t) => `${t.task}: ${t.reason}`));
    expect(failed).toEqual([]);

    // read back without fleet, as base64 so every byte shows
    const out = (await host.exec('cd /tmp/q && for f in *; do printf "%s %s\\n" "$f" "$(base64 -w0 "$f")"; done')).stdout;
    const got = new Map(out.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    values.forEach((v, i) => {
      const want = Buffer.from(v).toString('base64');
      expect(got.get(`f${i}`) ?? '', `file write of ${JSON.stringify(v)}`).toBe(want);
      expect(got.get(`a${i}`) ?? '', `command argument ${JSON.stringify(v)}`).toBe(want);
    });
    expect((await host.exec('test -e /tmp/pwned && echo pwned || echo clean')).stdout).toBe('clean\n');
    expect((await host.exec('ls -A /tmp/q | grep -c fleet- || true')).stdout).toBe('0\n'); // no temp files left
  });

  it('a NUL in a command argument fails that task with a clear error; the file write carries it', async () => {
    const report = await run({
      mode: 'apply',
      inventory: lab.inventoryPath,
      playbook: [
        play({
          name: 'nul',
          vars: { bad: 'a\0b' },
          tasks: [
            call(copyTask, 'binary file', { dest: '/tmp/nul', content: '{{ bad }}' }),
            call(commandTask, 'nul arg', { argv: ['printf', '%s', '{{ bad }}'] }),
          ],
        }),
      ],
    });
    const tasks = report.hosts[0]!.tasks;
    const bin = tasks.find((t) => t.task === 'binary file');
    expect(bin?.status, bin?.reason).toBe('changed');
    const nul = tasks.find((t) => t.task === 'nul arg');
    expect(nul?.status).toBe('failed');
    expect(nul?.reason).toMatch(/NUL byte/);
    expect((await host.exec('od -An -c /tmp/nul')).stdout.replace(/\s+/g, ' ').trim()).toBe('a \\0 b');
  });
});
