// `fleet apply` on a real pseudo-terminal (util-linux `script`) and in a pipe: the plan, its diffs,
// warnings, impact lines, staleness markers and summary are on both; the confirmation takes only
// `yes`; one Ctrl-C at the question aborts at once. Local connection (the default inventory) on a
// temp directory: no lab needed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fleet, FLEET_BIN } from '../support/cli.js';
import { quote } from '../../src/shell/sh.js';

const WITH_IMPACT = new URL('./fixtures/apply-with-impact.mjs', import.meta.url).pathname;

interface Pty {
  out: () => string;
  /** the output as read: escapes and carriage returns removed */
  text: () => string;
  write: (s: string) => void;
  code: Promise<number | null>;
}

/** argv on a 120x40 terminal; colour on (no NO_COLOR), as an operator sees it. */
function onPty(argv: string[], cwd: string): Pty {
  const env = { ...process.env };
  delete env.NO_COLOR;
  const cmd = `stty cols 120 rows 40; exec ${argv.map((a) => quote(a)).join(' ')}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd, env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { out: () => out, text: () => clean(out), write: (s) => child.stdin.write(s), code: new Promise((res) => child.on('close', res)) };
}

const clean = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/** The screen a terminal is left with: the cursor moves and erasures listr2's updater writes
 *  (up, column, erase line / below) applied, colours dropped. Only what a line-wise redraw uses. */
function screen(raw: string): string[] {
  const lines = [''];
  let row = 0;
  let col = 0;
  const put = (t: string) => {
    const l = lines[row]!.padEnd(col);
    lines[row] = l.slice(0, col) + t + l.slice(col + t.length);
    col += t.length;
  };
  for (const m of raw.matchAll(/\x1b\[([0-9;?]*)([A-Za-z])|\r|\n|[^\x1b\r\n]+/g)) {
    const [t, arg, op] = m;
    if (t === '\n') {
      row++;
      if (row === lines.length) lines.push('');
    } else if (t === '\r') col = 0;
    else if (op === 'A') row = Math.max(0, row - Number(arg || 1));
    else if (op === 'G') col = Number(arg || 1) - 1;
    else if (op === 'K') lines[row] = arg === '2' ? '' : arg === '1' ? ' '.repeat(col) + lines[row]!.slice(col) : lines[row]!.slice(0, col);
    else if (op === 'J') lines.splice(row + 1, lines.length, ...[]), (lines[row] = lines[row]!.slice(0, col));
    else if (!op) put(t);
  }
  return lines.map((l) => l.trimEnd());
}
/** from the plan to the end, durations aside: what a terminal and a pipe must both say */
const fromPlan = (s: string) => s.slice(s.indexOf('PLAN\n')).replace(/\d+\.\d s\)/g, 'N s)');

describe('fleet apply on a terminal', () => {
  let dir: string;
  let pb: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-tty-'));
    writeFileSync(join(dir, 'a.txt'), 'old\n');
    pb = join(dir, 'pb.yaml');
    writeFileSync(pb, `- name: demo
  hosts: all
  serial: 1
  tasks:
    - name: write a
      copy: { dest: ${dir}/a.txt, content: "hello\\nworld\\n" }
    - name: write b
      copy: { dest: ${dir}/b.txt, content: "b\\n" }
`);
  });

  it('--check --diff shows the tasks, diff hunks, summary and recap on a terminal as in a pipe', async () => {
    const tty = onPty([process.execPath, FLEET_BIN, 'apply', pb, '--check', '--diff'], dir);
    expect(await tty.code, tty.text()).toBe(0);
    const t = tty.text();
    expect(tty.out()).toContain('\x1b['); // it is a terminal: colour and listr2 progress
    expect(t).toMatch(/^host: localhost$/m);
    expect(t).toMatch(/would change {2}write a\n {4}- update .*a\.txt/);
    expect(t).toContain('@@ -1,1 +1,2 @@\n      -old\n      +hello\n      +world');
    expect(t).toContain('would change  write b');
    expect(t).toMatch(/^Plan: 1 of 1 host to change, 0 unchanged, 0 unreachable, 0 refused, 0 failed\.$/m);
    expect(t).toMatch(/^Changes: 2 files, 0 packages, 0 service restarts, 0 containers interrupted, 0 firewall changes\.$/m);
    expect(t).toMatch(/^Rollout of play 'demo': its 1 host; no health gate\.$/m);
    expect(t).toMatch(/^localhost +ok=0 {2}changed=2 {2}failed=0/m);
    const piped = await fleet(['apply', pb, '--check', '--diff'], { cwd: dir });
    expect(piped.code).toBe(0);
    expect(fromPlan(t)).toBe(fromPlan(piped.stdout));
    expect(existsSync(join(dir, 'b.txt'))).toBe(false);
  }, 60_000);

  it('shows warnings, impact lines and staleness markers on a terminal as in a pipe', async () => {
    writeFileSync(pb, `- name: demo
  hosts: all
  tasks:
    - name: demo config
      restart_demo: { path: ${dir}/demo.conf, content: "x=1\\n" }
    - name: copy it
      copy_demo: { from: ${dir}/demo.conf, to: ${dir}/copy.conf }
`);
    const tty = onPty([process.execPath, WITH_IMPACT, pb, '--check', '--diff'], dir);
    expect(await tty.code, tty.text()).toBe(0);
    const t = tty.text();
    expect(t).toContain('    warning: demo restarts with it');
    expect(t).toContain('    interrupts (restart): demo.service restarts: its 2 containers stop for ~5 s\n        service demo, for ~5 s\n        containers (2): web, db');
    expect(t).toContain('+x=1');
    expect(t).toContain('copy it (planned on facts an earlier change would alter)');
    expect(t).toMatch(/^Changes: 1 file, 0 packages, 1 service restart \(demo on 1 host\), 2 containers interrupted, 0 firewall changes, 1 other change\.$/m);
    expect(t).toMatch(/^Read first: 1 task planned on facts an earlier change would alter; 1 warning \(see above\)\.$/m);
    const piped = await new Promise<string>((res) => {
      const c = spawn(process.execPath, [WITH_IMPACT, pb, '--check', '--diff'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
      let o = '';
      c.stdout.on('data', (d) => (o += d));
      c.on('close', () => res(o));
    });
    expect(fromPlan(t)).toBe(fromPlan(piped));
  }, 60_000);

  it('the confirmation names the hosts and takes only `yes`: y aborts (exit 5), yes applies', async () => {
    const no = onPty([process.execPath, FLEET_BIN, 'apply', pb], dir);
    await expect.poll(no.text, { timeout: 30_000, interval: 100 }).toMatch(/Apply these changes to 1 host\?\n {2}Only 'yes' will be accepted to approve\.\n {2}Enter a value: $/);
    // the summary is right above the question
    expect(no.text()).toMatch(/Plan: 1 of 1 host to change[^\n]*\nChanges: 2 files[^\n]*\nRollout of play 'demo': [^\n]*\nApply these changes/);
    no.write('y\r');
    expect(await no.code).toBe(5);
    expect(no.text()).toContain('nothing applied: only yes confirms.');
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('old\n');
    expect(existsSync(join(dir, 'b.txt'))).toBe(false);

    const yes = onPty([process.execPath, FLEET_BIN, 'apply', pb], dir);
    await expect.poll(yes.text, { timeout: 30_000, interval: 100 }).toMatch(/Enter a value: $/);
    yes.write('yes\r');
    expect(await yes.code, yes.text()).toBe(0);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('hello\nworld\n');
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('b\n');
  }, 90_000);

  it('a saved plan is shown with its summary before its own `yes` question', async () => {
    const planFile = join(dir, 'plan.json');
    expect((await fleet(['plan', pb, '-o', planFile], { cwd: dir })).code).toBe(0);
    const p = onPty([process.execPath, FLEET_BIN, 'apply', '--plan', planFile], dir);
    await expect.poll(p.text, { timeout: 30_000, interval: 100 }).toMatch(/Enter a value: $/);
    expect(p.text()).toMatch(/PLAN\nhost: localhost\n {2}would change {2}write a[\s\S]*\+world[\s\S]*\nPlan: 1 of 1 host to change[^\n]*\nChanges: 2 files[^\n]*\nRollout of play 'demo': its 1 host; no health gate\.\nApply the saved plan to 1 host\?\n {2}Only 'yes'/);
    p.write('no\r');
    expect(await p.code).toBe(5);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('old\n');
  }, 60_000);

  it('one Ctrl-C at the question aborts at once with exit 130, nothing applied', async () => {
    const p = onPty([process.execPath, FLEET_BIN, 'apply', pb], dir);
    await expect.poll(p.text, { timeout: 30_000, interval: 100 }).toMatch(/Enter a value: $/);
    const t0 = Date.now();
    p.write('\x03');
    const code = await Promise.race([p.code, new Promise((res) => setTimeout(() => res('still waiting'), 5_000))]);
    expect(code, p.text()).toBe(130);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(p.text()).toContain('fleet: interrupted');
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('old\n');
  }, 60_000);

  it('a rollout on a terminal: counters and the current task while it runs, then one final block', async () => {
    // three local hosts; the last one's container check fails as a broken runtime does
    writeFileSync(join(dir, 'inv.yaml'), 'all:\n  hosts:\n    h1: { ansible_connection: local, rc: 0 }\n    h2: { ansible_connection: local, rc: 0 }\n    h3: { ansible_connection: local, rc: 125 }\n');
    writeFileSync(join(dir, 'docker'), `#!/bin/sh\nsleep 1\n[ "$RC" = 0 ] && exit 0\necho 'docker: Error response from daemon: runc create failed: permission denied' >&2\necho "See 'docker run --help'." >&2\nexit "$RC"\n`, { mode: 0o755 });
    writeFileSync(pb, `- name: hotfix
  hosts: all
  serial: [1, "100%"]
  max_fail_percentage: 0
  health:
    - name: a container starts
      shell: { cmd: "RC={{ rc }} ${dir}/docker run --rm hello-local true" }
  tasks:
    - name: write
      copy: { dest: "${dir}/{{ inventory_hostname }}.txt", content: "x\\n" }
`);
    const tty = onPty([process.execPath, FLEET_BIN, 'apply', pb, '-i', join(dir, 'inv.yaml'), '--yes'], dir);
    expect(await tty.code, tty.text()).toBe(2);
    // while it ran: the counters with the batch, and a host's current step (its gate, by command)
    const seen = tty.text();
    expect(seen).toMatch(/1 done, 0 failed, 2 remaining of 3 hosts · \d+\.\d s · batch 2\/2 of play 'hotfix'/);
    expect(seen).toMatch(/› health gate 'a container starts': RC=\d+ \S*docker run --rm hello-local true/);
    // what the terminal is left with: the plan, then one counters line and the recap, once each
    const end = screen(tty.out());
    const after = end.slice(end.indexOf('Rollout of play \'hotfix\': 2 batches (serial 1, 100%): canary h1 (1 host), then h2, h3 (2 hosts); health gate \'a container starts\' (`RC={{ rc }} ' + dir + '/docker run --rm hello-local true`) after each batch; stops when a health gate fails or more than 0% of a batch fails or every host of a batch fails.'));
    expect(after.length, end.join('\n')).toBeGreaterThan(1);
    const counters = after.filter((l) => / remaining of 3 hosts/.test(l));
    expect(counters, after.join('\n')).toHaveLength(1);
    expect(counters[0]).toMatch(/^2 done, 1 failed, 0 remaining of 3 hosts · \d+\.\d s · gates 2 passed, 1 failed$/);
    expect(after.filter((l) => l.startsWith('RECAP'))).toHaveLength(1);
    // no host row is left over from the progress: the recap is the only per-host block
    expect(after.filter((l) => /^\s*(?:[✔✖❯›⠀-⣿]|\[[A-Z]+\])\s*h\d/.test(l))).toEqual([]);
    expect(after.filter((l) => /^h\d +ok=/.test(l))).toHaveLength(3);
    const recapText = after.slice(after.findIndex((l) => l.startsWith('RECAP'))).join('\n');
    expect(recapText).toMatch(/ROLLOUT of play 'hotfix'[^\n]*\n {2}batch 1\/2 \(canary\): 1 host: h1 — ok/);
    expect(recapText).toMatch(/h3 {2}GATE FAILED {2}a container starts — `RC=125 \S+docker run --rm hello-local true` exit 125 after \d+\.\d s: docker: Error response from daemon: runc create failed: permission denied/);
    expect(recapText).toMatch(/decision: STOP — a health gate failed \(1 of 2 hosts failed, 50%; max_fail_percentage 0%\)/);
    expect(recapText).toMatch(/ROLLOUT STOPPED: batch 2\/2 of play 'hotfix': h3: health gate 'a container starts' failed \(exit 125 after/);
    expect(recapText).not.toContain("See 'docker run --help'");
  }, 90_000);
});
