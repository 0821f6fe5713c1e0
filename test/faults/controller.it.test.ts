// The controller's side of a run against real lab hosts (issue 17, points 7 and 8): SIGTERM and
// SIGHUP stop a run as SIGINT does (journal `stopped`, a recap, 128 + the signal's number); a run
// killed outright (SIGKILL) shows as `abandoned`, and the next run on its hosts says so; a private
// key that others can read is refused for its host only; every file fleet writes on the controller
// (plan, JSON report, journal, audit report) is 0600. Hosts' state is read with docker exec.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { fleet, FLEET_BIN } from '../support/cli.js';
import { apply, baseline as baselineOn, bText, expectVersion, journalDir, journalEntries, nap, PLAYBOOK, sh, until, work } from './kit.js';

describe('the controller: signals, the journal, keys and files', () => {
  let lab: Lab;
  let bad: LabHost;
  let good: LabHost[];

  beforeAll(async () => {
    lab = await startLab({ hosts: 3, kind: 'light' });
    [bad, ...good] = lab.hosts as [LabHost, ...LabHost[]];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const baseline = (dir: string, s: number) => baselineOn(lab, bad, dir, s);

  /** `fleet apply` of version 2 as a child process, journaled in `journal`, stopped by the caller */
  function startApply(dir: string, journal: string) {
    const child = spawn(process.execPath, [FLEET_BIN, 'apply', PLAYBOOK, '-i', lab.inventoryPath, '--yes', '-e', JSON.stringify({ dir, ver: 2, big: bText(2) })], {
      env: { ...process.env, NO_COLOR: '1', FLEET_JOURNAL_DIR: journal },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d) => (out.stdout += d));
    child.stderr.on('data', (d) => (out.stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
    return { child, out, exited };
  }
  /** the faulty host is in its slow step; the others have written version 2 and ended (verify included) */
  async function othersFinished(dir: string) {
    await until(bad, 'pgrep -x sleep');
    for (const g of good) await until(g, `grep -q '^2 ' ${dir}/b.conf`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  const applied = (journal: string) => journalEntries(journal).filter((e) => (e as { mode?: string }).mode === 'apply');

  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal} mid-run: exit ${code}, a recap, the journal records the run stopped with the host it was working on`, async () => {
      const dir = `/srv/c-${signal.toLowerCase()}`;
      await baseline(dir, 60);
      const journal = journalDir();
      const { child, out, exited } = startApply(dir, journal);
      await othersFinished(dir);
      child.kill(signal);
      expect((await exited).code, out.stderr).toBe(code);
      expect(out.stderr).toContain(`fleet: interrupted (${signal})`);
      expect(out.stderr).not.toMatch(/\n\s+at /);
      // the recap: every host, the one cut off with why, and the stop
      expect(out.stdout).toMatch(/RECAP \(apply, /);
      expect(out.stdout).toMatch(new RegExp(`${bad.name}\\s+ok=\\d+.*\\n\\s+interrupted \\(${signal}\\) while running here`));
      for (const g of good) expect(out.stdout).toMatch(new RegExp(`${g.name}\\s+ok=\\d+\\s+changed=[1-9]`));
      expect(out.stdout).toContain(`ROLLOUT STOPPED: interrupted (${signal})`);
      const [entry, ...more] = applied(journal);
      expect(more).toHaveLength(0);
      expect(entry!.state).toBe('stopped');
      expect(entry!.stopReason).toBe(`interrupted (${signal})`);
      const cut = entry!.hosts.find((h) => h.host === bad.name)!;
      expect(cut.status).toBe('stopped');
      expect(cut.error).toBe(`interrupted (${signal}) while running here`);
      for (const g of good) expect(entry!.hosts.find((h) => h.host === g.name)?.status).toBe('changed');
      // `fleet runs` agrees: stopped, not running
      const runs = await fleet(['runs'], { env: { FLEET_JOURNAL_DIR: journal } });
      expect(runs.stdout).toMatch(new RegExp(`^${entry!.id}  apply  stopped  `, 'm'));
      await bad.exec('pkill -x sleep; true');
      for (const g of good) await expectVersion(g, dir, 2);
    });
  }

  it('SIGKILL mid-run: `fleet runs` shows the run abandoned (never running), and the next run on its hosts says so', async () => {
    const dir = '/srv/c-kill';
    await baseline(dir, 60);
    const journal = journalDir();
    const { child, exited } = startApply(dir, journal);
    await othersFinished(dir);
    const pid = child.pid!;
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    const [entry] = applied(journal);
    expect(entry!.state).toBe('running'); // as the killed process left it
    // what it had recorded as it went: the hosts it had finished, and the one it was working on
    for (const g of good) expect(entry!.hosts.find((h) => h.host === g.name)?.status).toBe('changed');
    expect(entry!.hosts.find((h) => h.host === bad.name)?.status).toBe('running');
    expect((entry as { controller?: { pid: number } }).controller?.pid).toBe(pid);

    const env = { FLEET_JOURNAL_DIR: journal };
    const list = await fleet(['runs'], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${entry!.id}  apply  abandoned  3 hosts`, 'm'));
    expect(list.stdout).not.toMatch(/ running /);
    const show = await fleet(['runs', 'show', entry!.id], { env });
    expect(show.stdout).toContain(`run ${entry!.id} (apply, abandoned)`);
    expect(show.stdout).toContain(`abandoned: its controller process (pid ${pid} on `);
    expect(show.stdout).toMatch(new RegExp(`${bad.name}\\s+abandoned \\(outcome unknown\\)`));
    const json = JSON.parse((await fleet(['runs', 'show', entry!.id, '--json'], { env })).stdout) as { state: string; status: string };
    expect(json).toMatchObject({ state: 'running', status: 'abandoned' });

    await bad.exec('pkill -x sleep; true');
    await nap(bad, 0);
    // the next run on that host: one line naming the abandoned run and the host
    const next = await fleet(['apply', PLAYBOOK, '-i', lab.inventoryPath, '--check', '--limit', bad.name, '-e', JSON.stringify({ dir, ver: 2, big: bText(2) })], { env });
    const notes = next.stderr.split('\n').filter((l) => l.startsWith('fleet: note:'));
    expect(notes, next.stderr).toHaveLength(1);
    expect(notes[0]).toContain(`run ${entry!.id} (apply of ${PLAYBOOK}`);
    expect(notes[0]).toContain(`was abandoned before it finished on ${bad.name}`);
    expect(notes[0]).toContain(`fleet runs show ${entry!.id}`);
    // a run on other hosts only is not told about it
    const other = await fleet(['apply', PLAYBOOK, '-i', lab.inventoryPath, '--check', '--limit', good[0]!.name, '-e', JSON.stringify({ dir, ver: 2, big: bText(2) })], { env });
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).not.toContain('fleet: note:');
    // once it converges the journal still keeps the abandoned run as it was
    const again = await apply(lab.inventoryPath, dir, 2, 'kill-again', [], env);
    expect(again.code, again.stderr + again.stdout).toBe(0);
  });

  it('a private key that others can read is refused for its host (naming the file and chmod 600); the other hosts are applied', async () => {
    const open = join(work, 'open_key');
    copyFileSync(lab.keyPath, open);
    chmodSync(open, 0o644);
    const inv = join(work, 'open-key-inventory.yaml');
    const hosts = lab.hosts.map((h) => `    ${h.name}: { ansible_host: ${h.ip}${h === bad ? `, ansible_ssh_private_key_file: ${open}` : ''} }`).join('\n');
    writeFileSync(inv, `all:\n  vars: { ansible_user: root, ansible_ssh_private_key_file: ${lab.keyPath}, known_hosts_file: ${lab.knownHostsPath} }\n  hosts:\n${hosts}\n`);
    const dir = '/srv/c-key';
    for (const h of lab.hosts) await nap(h, 0);
    const r = await apply(inv, dir, 1, 'open-key', [], { SSH_AUTH_SOCK: '' });
    expect(r.code, r.stderr + r.stdout).toBe(3);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const h = r.report().hosts.find((x) => x.host === bad.name)!;
    expect(h.status).toBe('unreachable');
    expect(h.error).toContain(`UNPROTECTED PRIVATE KEY FILE: permissions 0644 for ${open} are too open`);
    expect(h.error).toContain(`chmod 600 ${open}`);
    expect(await sh(bad, `test -e ${dir} && echo there || echo absent`)).toBe('absent\n');
    for (const g of good) await expectVersion(g, dir, 1);
    chmodSync(open, 0o600);
    const fixed = await apply(inv, dir, 1, 'open-key-fixed', [], { SSH_AUTH_SOCK: '' });
    expect(fixed.code, fixed.stderr + fixed.stdout).toBe(0);
    await expectVersion(bad, dir, 1);
  });

  it('plan files, JSON reports, journal entries and audit reports are written 0600, an existing 0644 report too', async () => {
    const mode = (f: string) => statSync(f).mode & 0o777;
    const journal = journalDir();
    const env = { FLEET_JOURNAL_DIR: journal };
    const vars = JSON.stringify({ dir: '/srv/c-files', ver: 1, big: bText(1) });
    const plan = join(work, 'files-plan.json');
    const p = await fleet(['plan', PLAYBOOK, '-i', lab.inventoryPath, '-e', vars, '-o', plan], { env });
    expect(p.code, p.stderr).toBe(0);
    expect(mode(plan)).toBe(0o600);
    const report = join(work, 'files-report.json');
    writeFileSync(report, '{}\n', { mode: 0o644 });
    chmodSync(report, 0o644);
    const a = await fleet(['apply', '--plan', plan, '--yes', '--json', report], { env });
    expect(a.code, a.stderr).toBe(0);
    expect(mode(report)).toBe(0o600);
    expect(JSON.parse(readFileSync(report, 'utf8')).hosts).toHaveLength(3);
    const html = join(work, 'files-audit.html');
    const au = await fleet(['audit', '-i', lab.inventoryPath, '--limit', good[0]!.name, '--no-fixes', '--html', html], { env });
    expect(au.stderr).not.toMatch(/internal error/);
    expect(mode(html)).toBe(0o600);
    const entries = readdirSync(journal);
    expect(entries.length).toBeGreaterThanOrEqual(3); // the plan, the apply, the audit
    for (const f of entries) expect(mode(join(journal, f)), f).toBe(0o600);
  });
});
