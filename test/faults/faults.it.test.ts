// Faults in the lab (issue 8.4): one of three light hosts fails in a given way while fleet applies a
// playbook that writes files around a slow step. In every case the other hosts finish, the report
// names the host and the step, no file is left half-written, backups stay intact, the exit code
// says what happened, and once the fault is gone a re-run converges and a third changes nothing.
// Hosts' state is read with docker exec, never through fleet's report.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { FLEET_BIN } from '../support/cli.js';
import { apply, baseline as baselineOn, bText, docker, expectBackups, expectConverges, expectVersion, expectWhole, inMountNs, journalDir, journalEntries, nap, PLAYBOOK, sh, until } from './kit.js';

describe('faults in the lab', () => {
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
  const hostOf = (r: { report: () => { hosts: { host: string; status: string; error?: string; tasks: { task: string; status: string; reason?: string }[] }[] } }, name: string) => r.report().hosts.find((x) => x.host === name)!;
  /** the other hosts finish while the faulty host is still busy (waited for: their apply runs
   *  alongside), then hold version 2 whole */
  async function othersDone(dir: string) {
    for (const h of good) await until(h, `grep -qx '2 a on ${h.name}' ${dir}/a.conf && [ "$(head -c 2 ${dir}/b.conf)" = '2 ' ]`, 30_000);
    for (const h of good) await expectVersion(h, dir, 2);
  }

  it('a host unreachable from the start: the others are changed, exit 3', async () => {
    const dir = '/srv/f-unreach';
    await baseline(dir, 0);
    await bad.exec('iptables -I INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset');
    const r = await apply(lab.inventoryPath, dir, 2, 'unreach');
    expect(r.code, r.stderr + r.stdout).toBe(3);
    const h = hostOf(r, bad.name);
    expect(h.status).toBe('unreachable');
    expect(h.error).toMatch(/ECONNREFUSED/);
    await othersDone(dir);
    await expectVersion(bad, dir, 1); // untouched
    await bad.exec('iptables -D INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset');
    await expectConverges(lab.inventoryPath, lab.hosts, dir, 2, 'unreach');
  });

  it('sshd killed mid-apply: the host is unreachable while applying the slow step, exit 3', async () => {
    const dir = '/srv/f-sshd';
    await baseline(dir, 30);
    const run = apply(lab.inventoryPath, dir, 2, 'sshd');
    await until(bad, 'pgrep -x sleep');
    // every sshd but the listener (PID 1 of a light host): the sessions die, new logins still work
    await bad.exec('for p in $(pgrep sshd); do [ "$p" = 1 ] || kill -9 "$p"; done');
    const r = await run;
    expect(r.code, r.stderr + r.stdout).toBe(3);
    const h = hostOf(r, bad.name);
    expect(h.status).toBe('unreachable');
    expect(h.error).toMatch(/connection lost while running a command.*'slow step'/);
    await othersDone(dir);
    await expectWhole(bad, dir, [1, 2]);
    await expectBackups(bad, r.report().runId, dir, 1);
    await bad.exec('pkill -x sleep; true');
    await nap(bad, 0);
    await expectConverges(lab.inventoryPath, lab.hosts, dir, 2, 'sshd');
    await expectBackups(bad, r.report().runId, dir, 1); // the re-runs left the fault run's backups alone
  });

  it('the network cut mid-run: keepalives find the dead link, the host is unreachable, exit 3', async () => {
    const dir = '/srv/f-net';
    await baseline(dir, 30);
    const cut = 'INPUT -p tcp --dport 22 -j DROP';
    const cutOut = 'OUTPUT -p tcp --sport 22 -j DROP';
    const t0 = Date.now();
    const run = apply(lab.inventoryPath, dir, 2, 'net', ['-e', 'keepalive_interval=2']);
    await until(bad, 'pgrep -x sleep');
    // packets vanish (as with a pulled cable): nothing tells the controller, only keepalives can
    await bad.exec(`iptables -I ${cut} && iptables -I ${cutOut}`);
    const r = await run;
    expect(Date.now() - t0).toBeLessThan(28_000); // well before the 30 s step would have ended
    expect(r.code, r.stderr + r.stdout).toBe(3);
    const h = hostOf(r, bad.name);
    expect(h.status).toBe('unreachable');
    expect(h.error).toMatch(/'slow step'/);
    await othersDone(dir);
    await bad.exec(`iptables -D ${cut} && iptables -D ${cutOut}`);
    await expectWhole(bad, dir, [1, 2]);
    await expectBackups(bad, r.report().runId, dir, 1);
    await bad.exec('pkill -x sleep; true');
    await nap(bad, 0);
    await expectConverges(lab.inventoryPath, lab.hosts, dir, 2, 'net');
  });

  it('a host that answers slowly (frozen for seconds) still converges with the others, exit 0', async () => {
    const dir = '/srv/f-slow';
    await baseline(dir, 1);
    const run = apply(lab.inventoryPath, dir, 2, 'slow');
    await until(bad, 'pgrep -x sleep');
    docker('pause', bad.containerId);
    await new Promise((r) => setTimeout(r, 5000));
    await othersDone(dir); // the others did not wait for it
    docker('unpause', bad.containerId);
    const r = await run;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const h of lab.hosts) await expectVersion(h, dir, 2);
    await expectBackups(bad, r.report().runId, dir, 1);
    await expectConverges(lab.inventoryPath, lab.hosts, dir, 2, 'slow');
  });

  it('a full disk while writing a file: that task fails, the old file stays whole, exit 2', async () => {
    const dir = '/srv/f-disk';
    await bad.exec(`mkdir -p ${dir}`);
    inMountNs(bad, 'mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir);
    try {
      expect(await sh(bad, `grep ' ${dir} ' /proc/mounts`)).toMatch(/^tmpfs /);
      await baseline(dir, 0);
      // leave ~40 KiB free: less than the new b.conf (~100 KiB), more than the small files
      await bad.exec(`dd if=/dev/zero of=${dir}/filler bs=1k count=$(( $(df -k --output=avail ${dir} | tail -1) - 40 )) 2>/dev/null`);
      const r = await apply(lab.inventoryPath, dir, 2, 'disk');
      expect(r.code, r.stderr + r.stdout).toBe(2);
      const h = hostOf(r, bad.name);
      expect(h.status).toBe('failed');
      const failed = h.tasks.find((t) => t.status === 'failed');
      expect(failed?.task).toBe('config b');
      expect(failed?.reason).toMatch(new RegExp(`cannot write the new ${dir}/b.conf \\(the old file is untouched\\); free space there: \\d+ KiB`));
      await othersDone(dir);
      expect(await sh(bad, `cat ${dir}/b.conf`) === bText(1), 'the old b.conf is whole').toBe(true);
      await expectWhole(bad, dir, [1, 2]);
      await expectBackups(bad, r.report().runId, dir, 1);
      await bad.exec(`rm ${dir}/filler`);
      await expectConverges(lab.inventoryPath, lab.hosts, dir, 2, 'disk');
    } finally {
      // the tmpfs stays mounted over a directory only this test uses; it goes with the container
      await bad.exec(`rm -f ${dir}/filler`);
    }
  });

  it("a command that hangs past its task timeout: the task fails naming the limit, exit 2", async () => {
    const dir = '/srv/f-hang';
    await baseline(dir, 600);
    const t0 = Date.now();
    const r = await apply(lab.inventoryPath, dir, 2, 'hang', ['-e', '{"limit": 3}']);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    const h = hostOf(r, bad.name);
    expect(h.status).toBe('failed');
    const slow = h.tasks.find((t) => t.task === 'slow step');
    expect(slow?.status).toBe('failed');
    expect(slow?.reason).toMatch(/timed out after 3 s/);
    expect(h.tasks.find((t) => t.task === 'config b')?.status).toBe('skipped');
    await othersDone(dir);
    expect(await sh(bad, 'pgrep -x sleep || echo none')).toBe('none\n'); // killed, not left running
    await expectWhole(bad, dir, [1, 2]);
    await expectBackups(bad, r.report().runId, dir, 1);
    await nap(bad, 0);
    await expectConverges(lab.inventoryPath, lab.hosts, dir, 2, 'hang');
  });

  it('SIGINT mid-run: exit 130, the journal records the run as interrupted, not running', async () => {
    const dir = '/srv/f-int';
    await baseline(dir, 60);
    const journal = journalDir();
    const child = spawn(process.execPath, [FLEET_BIN, 'apply', PLAYBOOK, '-i', lab.inventoryPath, '--yes', '-e', JSON.stringify({ dir, ver: 2, big: bText(2) })], {
      env: { ...process.env, NO_COLOR: '1', FLEET_JOURNAL_DIR: journal },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    await until(bad, 'pgrep -x sleep');
    await othersDone(dir); // the others finish while the faulty host is still busy
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain('fleet: interrupted');
    const applied = journalEntries(journal).filter((e) => (e as { mode?: string }).mode === 'apply');
    expect(applied).toHaveLength(1);
    expect(applied[0]!.state).toBe('stopped');
    expect(applied[0]!.stopReason).toMatch(/interrupted/);
    const cutHost = applied[0]!.hosts.find((h) => h.host === bad.name)!;
    expect(cutHost.status).toBe('stopped');
    expect(cutHost.error).toMatch(/interrupted.*while running here/);
    for (const g of good) expect(applied[0]!.hosts.find((h) => h.host === g.name)?.status).toBe('changed');
    await bad.exec('pkill -x sleep; true');
    await new Promise((r) => setTimeout(r, 500));
    await expectWhole(bad, dir, [1, 2]);
    await expectBackups(bad, applied[0]!.id, dir, 1);
    await nap(bad, 0);
    await expectConverges(lab.inventoryPath, lab.hosts, dir, 2, 'int');
  });
});
