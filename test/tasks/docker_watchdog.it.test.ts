// docker_watchdog on a real lab host: --check shows the three files and the timer; apply; read
// without fleet (files, timer enabled and active); a second apply changes nothing. Then dockerd is
// frozen (SIGSTOP) and the watchdog service is started: docker answers again from a new dockerd,
// the stack dump (SIGUSR1) and the restart are in the journal and /var/run/docker. state: absent
// removes it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabHost } from '../support/lab.js';
import { changedTasks, fixture, run, task } from '../support/remediation.js';

describe('docker_watchdog on a lab host', () => {
  let lab: Lab;
  const out = async (host: LabHost, cmd: string) => (await host.exec(cmd)).stdout.trim();
  const pb = fixture('docker-watchdog.yaml');

  beforeAll(async () => {
    lab = await startLab({ name: 'watchdog', hosts: [{ kind: 'full', name: 'w' }] });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('installs the timer idempotently, restarts a frozen dockerd with a stack dump, and is removed by absent', async () => {
    const w = lab.hosts[0]!;
    const check = await run(pb, lab.inventoryPath, ['--check', '-e', 'state=present']);
    expect(check.code, check.out).toBe(0);
    expect(task(check.hosts, 'w', 'watchdog').changes.map((c) => c.summary)).toEqual([
      'create /usr/local/sbin/fleet-docker-watchdog',
      'create /etc/systemd/system/fleet-docker-watchdog.service',
      'create /etc/systemd/system/fleet-docker-watchdog.timer',
      'systemctl daemon-reload, enable and start fleet-docker-watchdog.timer: checks docker ps every 30 s (timeout 3 s)',
    ]);
    expect(await out(w, 'ls /usr/local/sbin/fleet-docker-watchdog 2>&1 >/dev/null | wc -l')).toBe('1'); // check changed nothing

    const apply = await run(pb, lab.inventoryPath, ['--yes', '-e', 'state=present']);
    expect(apply.code, apply.out).toBe(0);
    expect(changedTasks(apply.hosts, ['changed'])).toEqual(['w:watchdog']);
    expect(await out(w, 'systemctl is-enabled fleet-docker-watchdog.timer; systemctl is-active fleet-docker-watchdog.timer')).toBe('enabled\nactive');
    expect(await out(w, "stat -c '%a' /usr/local/sbin/fleet-docker-watchdog")).toBe('755');
    expect(await out(w, 'systemctl show -p TimersMonotonic --value fleet-docker-watchdog.timer')).toContain('OnUnitActiveUSec=30s');

    const again = await run(pb, lab.inventoryPath, ['--yes', '-e', 'state=present']);
    expect(again.code, again.out).toBe(0);
    expect(changedTasks(again.hosts, ['changed'])).toEqual([]);

    // freeze dockerd; the watchdog finds it hung and restarts it
    const pid = await out(w, 'pidof dockerd');
    expect(pid).toMatch(/^\d+$/);
    await w.exec(`kill -STOP ${pid}`);
    expect((await w.exec('timeout 3 docker ps')).code).not.toBe(0);
    const fired = await w.exec('systemctl start fleet-docker-watchdog.service');
    expect(fired.code, fired.stderr).toBe(0);
    expect(await out(w, "timeout 20 docker info --format '{{.ServerVersion}}'")).not.toBe('');
    const pidAfter = await out(w, 'pidof dockerd');
    expect(pidAfter).toMatch(/^\d+$/);
    expect(pidAfter).not.toBe(pid);
    const journal = await out(w, 'journalctl -u fleet-docker-watchdog.service --no-pager -o cat');
    expect(journal).toContain(`dockerd (pid ${pid}, state T(stopped)) did not answer docker ps within 3 s: sending SIGUSR1`);
    expect(journal).toContain('dockerd is stopped: sending SIGCONT so it can write the dump');
    expect(journal).toContain(`restarting docker (dockerd pid ${pid})`);
    expect(journal).toContain(`docker answers again (dockerd pid ${pidAfter})`);
    expect(journal).toMatch(/latest stack dump: \/var\/run\/docker\/goroutine-stacks-\S+\.log/);
    expect(await out(w, 'grep -c "^goroutine " /var/run/docker/goroutine-stacks-*.log | head -n1')).toMatch(/:[1-9]\d*$|^[1-9]\d*$/);
    expect(await out(w, `journalctl -u docker --no-pager -o cat | grep -c 'goroutine stacks written'`)).not.toBe('0');

    // absent: stopped, disabled, removed; twice
    const rm = await run(pb, lab.inventoryPath, ['--yes', '-e', 'state=absent']);
    expect(rm.code, rm.out).toBe(0);
    expect(changedTasks(rm.hosts, ['changed'])).toEqual(['w:watchdog']);
    expect(await out(w, 'ls /usr/local/sbin/fleet-docker-watchdog /etc/systemd/system/fleet-docker-watchdog.* 2>/dev/null | wc -l')).toBe('0');
    expect(await out(w, 'systemctl is-active fleet-docker-watchdog.timer')).toBe('inactive');
    const rm2 = await run(pb, lab.inventoryPath, ['--yes', '-e', 'state=absent']);
    expect(changedTasks(rm2.hosts, ['changed'])).toEqual([]);
  });
});
